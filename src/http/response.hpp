// Response builders: every response the server sends goes through one of these, so the caching
// and security headers are decided here once.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/types.hpp"

namespace gatehouse::http {

// Content-Type application/json; charset=utf-8, Cache-Control: no-store, Pragma: no-cache.
Response json_response(bhttp::status status, const boost::json::value& body);
// {"error": <error>, "error_description": <description>} with json_response's headers.
Response json_error(bhttp::status status, std::string_view error, std::string_view description);

struct HtmlOptions {
    // The one origin that may frame the page: web_message responses run inside the client's iframe.
    // Empty (every other page): frame-ancestors 'none' and X-Frame-Options DENY (clickjacking).
    std::string frame_ancestor = {};
    std::string script_nonce;  // adds script-src 'nonce-<nonce>' to the CSP when set
};
// Served with a strict CSP, X-Frame-Options (unless one origin may frame it), nosniff, no-referrer,
// no-store.
Response html_response(bhttp::status status, std::string html, const HtmlOptions& options = {});

// 302 Found to `location`, not cacheable.
Response redirect(std::string location);
Response empty_response(bhttp::status status);
// Anything else with an explicit type: stylesheets, the Prometheus exposition.
Response text_response(bhttp::status status, std::string body, std::string_view content_type);

struct CookieOptions {
    std::string path = "/";
    std::optional<std::int64_t> max_age{};  // seconds; 0 deletes the cookie; nullopt = session cookie
    bool http_only = true;
    bool secure = false;
    std::string same_site = "Lax";  // "Lax", "Strict" or "None" (browsers require secure with None)
};
// Appends one Set-Cookie header. Name and value must already be cookie-safe (tokens, base64url).
void set_cookie(Response& res, std::string_view name, std::string_view value, const CookieOptions& options = {});

}  // namespace gatehouse::http
