#include "mgmt/signing_keys.hpp"

#include "documents/documents.hpp"
#include "jose/jose.hpp"
#include "util/util.hpp"

#include <stdexcept>

namespace gatehouse::mgmt {

namespace json = boost::json;

store::SigningKey new_signing_key(std::string_view sealing_key, std::string_view alg_name) {
    auto alg = jose::parse_alg(alg_name);
    if (!alg)
        throw std::runtime_error("unknown key algorithm \"" + std::string(alg_name) + "\" (use RS256, ES256 or EdDSA)");
    auto key = jose::PrivateKey::generate(*alg);
    auto sealed = jose::seal(key.to_pem(), sealing_key);
    if (!sealed) throw std::runtime_error("cannot seal private key: " + sealed.error().message());
    store::SigningKey row;
    row.kid = key.kid();
    row.alg = std::string(alg_name);
    row.private_key = *sealed;
    row.public_jwk = json::serialize(key.public_jwk());
    row.created_at = util::unix_now();
    return row;
}

KeyRotation rotate_signing_key(store::Store& store, std::string_view sealing_key, std::string_view alg,
                               std::int64_t token_lifetime_floor) {
    auto keys = store.list_keys(util::unix_now());
    if (!keys) throw std::runtime_error("cannot read the signing keys: " + keys.error().message());
    for (const auto& key : *keys)
        if (key.retired_at == 0 && !jose::unseal(key.private_key, sealing_key))
            throw std::runtime_error("the master key does not open the current signing key " + key.kid +
                                     ": refusing to rotate (is GATEHOUSE_MASTER_KEY / --master-key-file the one "
                                     "the servers use?)");
    auto keep = documents::longest_token_lifetime(store, token_lifetime_floor);
    if (!keep) throw std::runtime_error("cannot read token lifetimes: " + keep.error().message());
    KeyRotation rotation{new_signing_key(sealing_key, alg), *keep};
    auto now = util::unix_now();
    // Only `alg`'s current key retires; the other algorithms keep signing.
    if (auto r = store.rotate_key(rotation.key, now, now + *keep); !r)
        throw std::runtime_error("cannot rotate the key: " + r.error().message());
    return rotation;
}

namespace {

std::string iso_date(std::int64_t unix_seconds) { return util::iso8601_ms(unix_seconds * 1000); }

// "CC:FB:DD:..." (Auth0's fingerprint) or "CCFBDD..." (its thumbprint).
std::string upper_hex(std::string_view bytes, bool colons) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char b : bytes) {
        if (colons && !out.empty()) out += ':';
        out += digits[b >> 4];
        out += digits[b & 0x0f];
    }
    return out;
}

}  // namespace

json::object signing_key_to_json(const store::SigningKey& key, std::string_view sealing_key,
                                 std::string_view issuer_host) {
    auto pem = jose::unseal(key.private_key, sealing_key);
    if (!pem) return {};
    auto private_key = jose::PrivateKey::from_pem(*pem, key.kid);
    if (!private_key) return {};
    auto cert = jose::self_signed_certificate(*private_key, issuer_host, key.created_at);
    if (!cert) return {};
    json::object o{
        {"kid", key.kid},
        {"cert", cert->pem},
        {"pkcs7", cert->pkcs7},
        {"fingerprint", upper_hex(cert->sha1, true)},
        {"thumbprint", upper_hex(cert->sha1, false)},
        // Gatehouse keeps no pre-published next key: a rotation creates it.
        {"current", key.retired_at == 0},
        {"next", false},
        {"previous", key.retired_at != 0 && key.revoked_at == 0},
        {"current_since", iso_date(key.created_at)},
        {"revoked", key.revoked_at != 0},
    };
    if (key.retired_at != 0) o["current_until"] = iso_date(key.retired_at);
    if (key.revoked_at != 0) o["revoked_at"] = iso_date(key.revoked_at);
    return o;
}

}  // namespace gatehouse::mgmt
