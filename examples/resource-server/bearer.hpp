// RFC 6750 plumbing for the example resource server: pulling the token out of the Authorization
// header, building WWW-Authenticate challenges and checking the scope claim. Header-only and free of
// I/O so that tests/unit/jose can check it without a socket.
#pragma once

#include "jose/jose.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace example {

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token. The scheme is case-insensitive (RFC 9110
// §11.1). nullopt when there is no Bearer credential at all (another scheme counts as none); an
// empty view when the scheme is Bearer but the token is not a b64token.
inline std::optional<std::string_view> bearer_token(std::string_view authorization) {
    constexpr std::string_view scheme = "bearer";
    if (authorization.size() < scheme.size()) return std::nullopt;
    for (std::size_t i = 0; i < scheme.size(); ++i)
        if ((authorization[i] | 0x20) != scheme[i]) return std::nullopt;
    std::string_view rest = authorization.substr(scheme.size());
    if (rest.empty()) return std::string_view{};
    if (rest.front() != ' ') return std::nullopt;  // e.g. "BearerX": a different scheme
    const auto start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) return std::string_view{};
    rest.remove_prefix(start);
    // b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    std::size_t i = 0;
    auto is_tchar = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
               c == '_' || c == '~' || c == '+' || c == '/';
    };
    while (i < rest.size() && is_tchar(rest[i])) ++i;
    if (i == 0) return std::string_view{};
    while (i < rest.size() && rest[i] == '=') ++i;
    if (i != rest.size()) return std::string_view{};
    return rest;
}

// RFC 6750 §3: error_description and scope are quoted-strings restricted to %x20-21 / %x23-5B /
// %x5D-7E; anything else is dropped so a claim value can never break the header.
inline std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (char c : text)
        if (c >= 0x20 && c <= 0x7e && c != '"' && c != '\\') out += c;
    return out + "\"";
}

// `Bearer realm="api"` for a request without credentials (§3.1: no error code then), otherwise with
// error, error_description and, for insufficient_scope, the scope the resource needs.
inline std::string www_authenticate(std::string_view realm, std::string_view error = {},
                                    std::string_view description = {}, std::string_view scope = {}) {
    std::string out = "Bearer realm=" + quoted(realm);
    if (!error.empty()) out += ", error=" + quoted(error);
    if (!description.empty()) out += ", error_description=" + quoted(description);
    if (!scope.empty()) out += ", scope=" + quoted(scope);
    return out;
}

// What a client developer needs to read in error_description; never echoes token content.
inline std::string_view describe(const boost::system::error_code& ec) {
    using gatehouse::jose::jose_errc;
    if (ec == jose_errc::expired) return "The access token expired";
    if (ec == jose_errc::not_yet_valid) return "The access token is not valid yet";
    if (ec == jose_errc::bad_signature) return "The access token signature is invalid";
    if (ec == jose_errc::unknown_key) return "The access token was signed by an unknown key";
    if (ec == jose_errc::unsupported_alg) return "The access token algorithm is not accepted";
    if (ec == jose_errc::wrong_issuer) return "The access token was issued by another issuer";
    if (ec == jose_errc::wrong_audience) return "The access token is not meant for this API";
    return "The access token is malformed";
}

// Auth0 puts granted scopes in one space-separated "scope" claim.
inline bool has_scope(const boost::json::object& claims, std::string_view wanted) {
    auto it = claims.find("scope");
    if (it == claims.end() || !it->value().is_string()) return false;
    std::string_view scopes = it->value().get_string();
    while (!scopes.empty()) {
        auto end = scopes.find(' ');
        if (scopes.substr(0, end) == wanted) return true;
        if (end == std::string_view::npos) break;
        scopes.remove_prefix(end + 1);
    }
    return false;
}

}  // namespace example
