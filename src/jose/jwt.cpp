// Compact JWS/JWT: signing (the token endpoint's hot path), strict verification and claim checks.
#include "jose/internal.hpp"
#include "util/util.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <stdexcept>

namespace json = boost::json;

namespace gatehouse::jose {
namespace detail {

void base64url_append(std::string& out, std::string_view in) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const std::size_t at = out.size();
    out.resize(at + (in.size() * 4 + 2) / 3);
    char* dst = out.data() + at;
    const auto* src = reinterpret_cast<const unsigned char*>(in.data());
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const std::uint32_t v = (std::uint32_t(src[i]) << 16) | (std::uint32_t(src[i + 1]) << 8) | src[i + 2];
        *dst++ = kAlphabet[(v >> 18) & 63];
        *dst++ = kAlphabet[(v >> 12) & 63];
        *dst++ = kAlphabet[(v >> 6) & 63];
        *dst++ = kAlphabet[v & 63];
    }
    if (const std::size_t rest = in.size() - i; rest > 0) {
        std::uint32_t v = std::uint32_t(src[i]) << 16;
        if (rest == 2) v |= std::uint32_t(src[i + 1]) << 8;
        *dst++ = kAlphabet[(v >> 18) & 63];
        *dst++ = kAlphabet[(v >> 12) & 63];
        if (rest == 2) *dst++ = kAlphabet[(v >> 6) & 63];
    }
}

std::string make_header_b64(Alg alg, std::string_view kid, std::string_view typ) {
    // Member order alg, typ, kid: the shape Auth0 emits, which some clients log and compare.
    json::object header;
    header["alg"] = alg_name(alg);
    header["typ"] = typ;
    header["kid"] = kid;
    return util::base64url_encode(json::serialize(header));
}

}  // namespace detail

std::string sign_jwt(const PrivateKey& key, const json::object& claims, std::string_view typ) {
    const detail::key_state& k = *key.state_;
    std::string other_header;
    std::string_view header;
    if (typ == "JWT")
        header = k.header_jwt;
    else if (typ == "at+jwt")
        header = k.header_at_jwt;
    else
        header = other_header = detail::make_header_b64(k.alg, k.kid, typ);

    const std::string payload = json::serialize(claims);
    const std::size_t sig_b64 = (std::size_t(EVP_PKEY_get_size(k.pkey.get())) * 4 + 2) / 3;
    std::string token;
    token.reserve(header.size() + 1 + (payload.size() * 4 + 2) / 3 + 1 + sig_b64);
    token.append(header);
    token += '.';
    detail::base64url_append(token, payload);

    // Reused per thread so the raw signature costs no allocation on the hot path.
    thread_local std::string signature;
    signature.clear();
    if (!detail::sign_raw(k, token, signature)) throw std::runtime_error("jose: signing failed");
    token += '.';
    detail::base64url_append(token, signature);
    return token;
}

namespace {

// Far above any token Gatehouse or Auth0 issues; bounds the work an attacker can make us do.
constexpr std::size_t kMaxTokenBytes = 16 * 1024;

result<json::object> parse_object(std::string_view b64) {
    auto raw = util::base64url_decode(b64);
    if (!raw) return jose_errc::malformed;
    boost::system::error_code ec;
    json::value v = json::parse(*raw, ec);
    if (ec || !v.is_object()) return jose_errc::malformed;
    return std::move(v.get_object());
}

std::optional<double> number(const json::value& v) {
    if (v.is_int64()) return double(v.get_int64());
    if (v.is_uint64()) return double(v.get_uint64());
    if (v.is_double()) return v.get_double();
    return std::nullopt;
}

}  // namespace

result<VerifiedJwt> verify_jwt(std::string_view token, const KeySet& keys, std::span<const Alg> allowed) {
    if (token.size() > kMaxTokenBytes) return jose_errc::malformed;
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == token.npos ? token.npos : token.find('.', dot1 + 1);
    if (dot2 == token.npos || token.find('.', dot2 + 1) != token.npos) return jose_errc::malformed;
    const std::string_view header_b64 = token.substr(0, dot1);
    const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
    const std::string_view signature_b64 = token.substr(dot2 + 1);
    if (header_b64.empty() || payload_b64.empty() || signature_b64.empty()) return jose_errc::malformed;

    auto header = parse_object(header_b64);
    if (!header) return header.error();
    // RFC 7515 §4.1.11: extensions we do not understand (e.g. b64=false) must make the token invalid.
    if (header->contains("crit")) return jose_errc::malformed;
    auto alg_it = header->find("alg");
    if (alg_it == header->end() || !alg_it->value().is_string()) return jose_errc::malformed;
    // "none" and HS256 do not parse: there is no path on which a public key becomes an HMAC secret.
    const auto alg = parse_alg(alg_it->value().get_string());
    if (!alg || std::find(allowed.begin(), allowed.end(), *alg) == allowed.end()) return jose_errc::unsupported_alg;

    const PublicKey* key = nullptr;
    if (auto kid_it = header->find("kid"); kid_it != header->end()) {
        if (!kid_it->value().is_string()) return jose_errc::malformed;
        key = keys.find(kid_it->value().get_string());
        if (!key) return jose_errc::unknown_key;
        if (key->alg() != *alg) return jose_errc::unsupported_alg;
    } else {
        for (const auto& k : keys.keys()) {
            if (k.alg() != *alg) continue;
            if (key) return jose_errc::unknown_key;  // ambiguous: refuse rather than try each key
            key = &k;
        }
        if (!key) return jose_errc::unknown_key;
    }

    auto signature = util::base64url_decode(signature_b64);
    if (!signature || !util::base64url_decode(payload_b64)) return jose_errc::malformed;
    if (!key->verify(token.substr(0, dot2), *signature)) return jose_errc::bad_signature;

    auto claims = parse_object(payload_b64);
    if (!claims) return claims.error();
    return VerifiedJwt{std::move(*header), std::move(*claims)};
}

result<void> check_claims(const json::object& claims, const ClaimChecks& checks) {
    const double now = double(checks.now != 0 ? checks.now : util::unix_now());
    const double leeway = double(checks.leeway);

    // RFC 7519 §4.1.4: "the current date/time MUST be before the expiration date/time".
    auto exp_it = claims.find("exp");
    if (exp_it == claims.end()) return jose_errc::expired;
    auto exp = number(exp_it->value());
    if (!exp) return jose_errc::invalid_claim;
    if (now >= *exp + leeway) return jose_errc::expired;

    for (std::string_view name : {"nbf", "iat"}) {
        auto it = claims.find(name);
        if (it == claims.end()) continue;
        auto t = number(it->value());
        if (!t) return jose_errc::invalid_claim;
        if (*t > now + leeway) return jose_errc::not_yet_valid;
    }

    if (checks.issuer) {
        auto it = claims.find("iss");
        if (it == claims.end() || !it->value().is_string() || it->value().get_string() != *checks.issuer)
            return jose_errc::wrong_issuer;
    }

    if (!checks.audiences.empty()) {
        auto it = claims.find("aud");
        if (it == claims.end()) return jose_errc::wrong_audience;
        auto accepted = [&](const json::value& v) {
            return v.is_string() && std::find(checks.audiences.begin(), checks.audiences.end(),
                                              std::string_view(v.get_string())) != checks.audiences.end();
        };
        if (it->value().is_string()) {
            if (!accepted(it->value())) return jose_errc::wrong_audience;
        } else if (it->value().is_array()) {
            const auto& arr = it->value().get_array();
            if (!std::all_of(arr.begin(), arr.end(), [](const json::value& v) { return v.is_string(); }))
                return jose_errc::invalid_claim;
            if (std::none_of(arr.begin(), arr.end(), accepted)) return jose_errc::wrong_audience;
        } else {
            return jose_errc::invalid_claim;
        }
    }
    return {};
}

}  // namespace gatehouse::jose
