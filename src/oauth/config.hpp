#pragma once

#include <cstdint>
#include <string>

namespace gatehouse::oauth {

// Tenant-wide protocol settings, fixed at start. Per-client and per-API settings live in the
// Management API documents and reach the flows through the Catalog.
struct TenantConfig {
    std::string issuer;  // public base URL with trailing slash: "http://127.0.0.1:8080/"
    // Each derived from the master key for its one purpose (cli/tenant.cpp, HKDF-SHA256).
    std::string secret_hash_key;   // key for util::hash_secret (client secrets)
    std::string sealing_key;       // 32 bytes; seals private signing keys at rest (AES-256-GCM)
    std::string opaque_token_key;  // 32 bytes; each opaque access token's key derives from it and its kid
    // RFC 6749 §4.1.2: "A maximum authorization code lifetime of 10 minutes is RECOMMENDED"; the
    // spec asks for at most 60 s.
    std::int64_t code_ttl = 60;
    std::int64_t login_ttl = 15 * 60;          // a pending login page stays usable this long
    std::int64_t session_ttl = 7 * 24 * 3600;  // browser session (cookie and store row)
    std::int64_t id_token_ttl = 36000;         // Auth0 default jwt_configuration.lifetime_in_seconds
    std::int64_t access_token_ttl = 86400;     // Auth0 default resource server token_lifetime
    bool secure_cookies = false;               // true when served over TLS (adds Secure, SameSite=None)

    std::string management_audience() const { return issuer + "api/v2/"; }
    std::string userinfo_audience() const { return issuer + "userinfo"; }
};

}  // namespace gatehouse::oauth
