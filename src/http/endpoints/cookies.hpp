#pragma once

#include "http/response.hpp"
#include "oauth/config.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace gatehouse::http {

// The browser's session with Gatehouse (its value is the secret; the store keeps a hash).
inline constexpr std::string_view kSessionCookie = "gh_session";
// A random id binding a login form or an upstream state to the browser that started it.
inline constexpr std::string_view kBrowserCookie = "gh_browser";

// On an https issuer the cookies carry the __Host- prefix, so the browser takes them only when set
// over TLS with Path=/ and no Domain: a sibling subdomain or a network attacker on plain http cannot
// plant or overwrite them (session fixation, login CSRF). Plain http issuers (development) keep the
// bare names, which browsers would refuse with the prefix.
inline std::string session_cookie(const oauth::TenantConfig& config) {
    return config.secure_cookies ? "__Host-" + std::string(kSessionCookie) : std::string(kSessionCookie);
}
inline std::string browser_cookie(const oauth::TenantConfig& config) {
    return config.secure_cookies ? "__Host-" + std::string(kBrowserCookie) : std::string(kBrowserCookie);
}

inline CookieOptions cookie_options(const oauth::TenantConfig& config, std::int64_t max_age) {
    CookieOptions o;
    o.max_age = max_age;
    o.http_only = true;
    // Silent authentication runs in a third-party iframe: only SameSite=None cookies reach it, and
    // browsers accept those only with Secure, i.e. over TLS.
    o.secure = config.secure_cookies;
    o.path = "/";  // required by the __Host- prefix
    o.same_site = config.secure_cookies ? "None" : "Lax";
    return o;
}

}  // namespace gatehouse::http
