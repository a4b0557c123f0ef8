#pragma once

#include "http/response.hpp"
#include "oauth/config.hpp"

#include <cstdint>
#include <string_view>

namespace gatehouse::http {

// The browser's session with Gatehouse (its value is the secret; the store keeps a hash).
inline constexpr std::string_view kSessionCookie = "gh_session";
// A random id binding a login form or an upstream state to the browser that started it.
inline constexpr std::string_view kBrowserCookie = "gh_browser";

inline CookieOptions cookie_options(const oauth::TenantConfig& config, std::int64_t max_age) {
    CookieOptions o;
    o.max_age = max_age;
    o.http_only = true;
    // Silent authentication runs in a third-party iframe: only SameSite=None cookies reach it, and
    // browsers accept those only with Secure, i.e. over TLS.
    o.secure = config.secure_cookies;
    o.same_site = config.secure_cookies ? "None" : "Lax";
    return o;
}

}  // namespace gatehouse::http
