// The tenant's signing keys as operators manage them: creating a key (`gatehouse init`), rotating
// one (`gatehouse keys rotate` and POST /api/v2/keys/signing/rotate run the same code), and how a
// stored key renders in the Management API (Auth0's shape: a self-signed certificate of the key,
// never its private half).
#pragma once

#include "store/store.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace gatehouse::mgmt {

// A fresh key of `alg` ("RS256", "ES256", "EdDSA"), its private half sealed with `sealing_key`.
// Throws std::runtime_error for an unknown alg or if sealing fails.
store::SigningKey new_signing_key(std::string_view sealing_key, std::string_view alg);

struct KeyRotation {
    store::SigningKey key;          // the new signing key of its alg
    std::int64_t keep_seconds = 0;  // how long the previous one stays published
};

// Makes a new key of `alg` current; the previous key of that alg (other algs are untouched) stays in
// the JWKS for the longest token lifetime of the tenant (documents::longest_token_lifetime from
// `token_lifetime_floor`). Refuses, before anything is written, when `sealing_key` does not open
// the keys in force: a key sealed with another master key would be unreadable to the servers.
// Throws std::runtime_error with the reason on any failure.
KeyRotation rotate_signing_key(store::Store& store, std::string_view sealing_key, std::string_view alg,
                               std::int64_t token_lifetime_floor);

// Auth0's signing-key document: kid, cert, pkcs7, fingerprint, thumbprint, current, next, previous,
// current_since, current_until, revoked, revoked_at. The certificate is self-signed with the key for
// CN=`issuer_host`. Empty when the key cannot be opened with `sealing_key`.
boost::json::object signing_key_to_json(const store::SigningKey& key, std::string_view sealing_key,
                                        std::string_view issuer_host);

}  // namespace gatehouse::mgmt
