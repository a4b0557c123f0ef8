// jose: JSON Web Signatures, Keys and Tokens (RFC 7515/7517/7519/7638) for RS256, ES256 and EdDSA, plus
// AES-256-GCM: sealing of private keys at rest and JWE "dir"/"A256GCM" tokens (RFC 7516). It is the only module that
// touches OpenSSL EVP for JOSE; it owns key material in memory but no storage, no clock policy beyond ClaimChecks, and
// knows nothing of OAuth. Depends on util only. Request-path failures are boost::system::result values (jose_errc).
#pragma once

#include <boost/json/object.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::jose {

template <class T>
using result = boost::system::result<T>;

// When adding an enumerator, also add its message in error.cpp (the category test walks them all).
enum class jose_errc {
    malformed = 1,    // not a compact JWS / JWK / sealed blob: parts, base64url, JSON shape
    unsupported_alg,  // alg "none", HS*, unknown, not allowed by the caller, or not the key's alg
    unknown_key,      // no key in the set for this kid (or no unique key for a kid-less token)
    bad_signature,    // signature does not verify
    expired,          // exp missing or not after now - leeway
    not_yet_valid,    // nbf or iat after now + leeway
    wrong_issuer,     // iss differs from the expected issuer
    wrong_audience,   // aud contains none of the accepted audiences
    invalid_claim,    // a registered claim has the wrong JSON type
    invalid_key,      // JWK/PEM unusable: unknown kty/crv, RSA under 2048 bits, point not on curve, bad size
    decrypt_failed,   // sealed blob tampered with or opened with another key
    crypto_failure,   // OpenSSL refused an operation that should not fail (not the input's fault)
};

const boost::system::error_category& jose_category() noexcept;

inline boost::system::error_code make_error_code(jose_errc e) noexcept {
    return {static_cast<int>(e), jose_category()};
}

}  // namespace gatehouse::jose

template <>
struct boost::system::is_error_code_enum<gatehouse::jose::jose_errc> : std::true_type {};

namespace gatehouse::jose {

enum class Alg { RS256, ES256, EdDSA };

std::string_view alg_name(Alg alg) noexcept;  // "RS256", "ES256", "EdDSA"
// Exact, case-sensitive JOSE names only; "none" and HS* are not algorithms here.
std::optional<Alg> parse_alg(std::string_view name) noexcept;

namespace detail {
struct key_state;
}

class PublicKey;

/// A signing key. Immutable after creation; copies share the parsed EVP_PKEY, so one PrivateKey may be
/// used from any number of threads at once.
class PrivateKey {
  public:
    // RSA-2048 (e=65537), P-256 or Ed25519 from the CSPRNG. kid defaults to the RFC 7638 thumbprint.
    // Throws std::runtime_error only if OpenSSL cannot generate a key (never input-dependent).
    static PrivateKey generate(Alg alg, std::string kid = {});
    // Unencrypted PKCS#8 ("BEGIN PRIVATE KEY") or traditional PEM; alg follows the key type; RSA must
    // be at least 2048 bits; EC must be P-256. kid defaults to the thumbprint.
    static result<PrivateKey> from_pem(std::string_view pem, std::string kid = {});

    std::string to_pem() const;  // PKCS#8, unencrypted: seal() it before it touches a disk
    const std::string& kid() const noexcept;
    Alg alg() const noexcept;
    // {kty, n, e | crv, x, y | crv, x, kid, alg, use:"sig"}: the entry this key publishes in the JWKS.
    const boost::json::object& public_jwk() const noexcept;
    PublicKey public_key() const;

    // Raw JWS signature over `signing_input`: RSASSA-PKCS1-v1_5 SHA-256, ECDSA P-256 SHA-256 as the
    // 64-byte r||s of RFC 7518 §3.4 (not DER), or Ed25519. Throws only on OpenSSL internal failure.
    std::string sign(std::string_view signing_input) const;

    // base64url of the protected header {"alg","typ","kid"}; cached for "JWT" and "at+jwt".
    std::string header_b64(std::string_view typ) const;

  private:
    explicit PrivateKey(std::shared_ptr<const detail::key_state> s) : state_(std::move(s)) {}
    std::shared_ptr<const detail::key_state> state_;
    friend std::string sign_jwt(const PrivateKey&, const boost::json::object&, std::string_view);
};

// A self-signed X.509 certificate of a signing key: the container Auth0's Management API shows a
// key in (`cert`, `pkcs7`, `fingerprint`, `thumbprint`). Subject and issuer are CN=`common_name`,
// validity starts at `not_before` and lasts ten years, the serial derives from the kid. RS256 and
// EdDSA certificates are the same at every call; an ES256 one carries a fresh ECDSA signature each time.
struct Certificate {
    std::string pem;    // "-----BEGIN CERTIFICATE-----"
    std::string pkcs7;  // "-----BEGIN PKCS7-----": a certificates-only SignedData holding `pem`'s certificate
    std::string sha1;   // SHA-1 of the DER certificate, 20 raw bytes
};
result<Certificate> self_signed_certificate(const PrivateKey& key, std::string_view common_name,
                                            std::int64_t not_before);

/// A verification key, from a JWK or from a PrivateKey. Immutable and thread-safe like PrivateKey.
class PublicKey {
  public:
    // Accepts kty RSA (>= 2048 bits, <= 16384), EC P-256, OKP Ed25519; refuses anything else, private
    // members ("d"), a "use" other than "sig" and an "alg" that does not fit the key type. Without an
    // "alg" member the alg follows the key type; without "kid" the kid is empty.
    static result<PublicKey> from_jwk(const boost::json::object& jwk);

    bool verify(std::string_view signing_input, std::string_view signature) const noexcept;
    const std::string& kid() const noexcept;
    Alg alg() const noexcept;
    const boost::json::object& jwk() const noexcept;  // public members + kid, alg, use

  private:
    explicit PublicKey(std::shared_ptr<const detail::key_state> s) : state_(std::move(s)) {}
    std::shared_ptr<const detail::key_state> state_;
    friend class PrivateKey;
};

/// A JWKS. Not synchronised: build it, then share it const (or swap whole sets behind a shared_ptr).
class KeySet {
  public:
    // Replaces a key with the same non-empty kid, so re-adding after a refetch does not duplicate.
    void add(PublicKey key);
    const PublicKey* find(std::string_view kid) const noexcept;
    std::span<const PublicKey> keys() const noexcept { return keys_; }
    bool empty() const noexcept { return keys_.empty(); }

    // {"keys":[...]}. Entries that are not usable signature keys here (enc keys, RSA-PSS, P-384,
    // symmetric, weak RSA) are skipped rather than failing the set, as other verifiers do; a document
    // that is not an object with a "keys" array is malformed.
    static result<KeySet> from_jwks(std::string_view json_text);
    static result<KeySet> from_jwks(const boost::json::object& jwks);
    boost::json::object to_jwks() const;

  private:
    std::vector<PublicKey> keys_;
};

// RFC 7638 JWK thumbprint (SHA-256, base64url) of a public JWK of kty RSA, EC or OKP.
result<std::string> jwk_thumbprint(const boost::json::object& jwk);

// Compact JWS over the serialized claims, header {"alg","typ","kid"}. The token endpoint's hot path:
// the header is cached per key and the only heavy work is the signature itself.
std::string sign_jwt(const PrivateKey& key, const boost::json::object& claims, std::string_view typ = "JWT");

struct VerifiedJwt {
    boost::json::object header;
    boost::json::object claims;
};

// Checks the signature only (claims: see check_claims). Strict RFC 7515 compact form: exactly three
// base64url parts without padding, header and payload JSON objects, no "crit". The header alg must be
// in `allowed` and equal to the key's own alg, so an RSA public key can never be used as an HMAC secret.
// A token without kid is accepted only when the set has exactly one key of its alg.
result<VerifiedJwt> verify_jwt(std::string_view token, const KeySet& keys, std::span<const Alg> allowed);
inline result<VerifiedJwt> verify_jwt(std::string_view token, const KeySet& keys, std::initializer_list<Alg> allowed) {
    return verify_jwt(token, keys, std::span<const Alg>(allowed.begin(), allowed.size()));
}

struct ClaimChecks {
    std::optional<std::string> issuer;   // exact match of "iss"; nullopt: not checked
    std::vector<std::string> audiences;  // "aud" (string or array) must contain one; empty: not checked
    std::int64_t now = 0;                // seconds since the epoch; 0: the system clock
    std::int64_t leeway = 60;            // seconds of clock skew tolerated on exp / nbf / iat
};

// exp required, numeric, and after now - leeway; nbf and iat, when present, numeric and not after
// now + leeway; then iss, then aud.
result<void> check_claims(const boost::json::object& claims, const ClaimChecks& checks);

// AES-256-GCM with a random 96-bit nonce: "v1." + base64url(nonce || ciphertext || tag). `key` must be
// 32 bytes (invalid_key otherwise).
result<std::string> seal(std::string_view plaintext, std::string_view key);
// malformed for a blob that is not "v1." + base64url of at least nonce+tag; decrypt_failed when the
// tag does not verify (tampered, truncated, or another key).
result<std::string> unseal(std::string_view sealed, std::string_view key);

// JWE compact serialization with "alg":"dir", "enc":"A256GCM" (RFC 7516, RFC 7518 §4.5 / §5.3): the
// shape of Auth0's opaque access tokens. `header` must name that alg and enc (unsupported_alg
// otherwise) and may carry more members (iss, kid); `cek` is the 32-byte content key.
result<std::string> encrypt_jwe(const boost::json::object& header, std::string_view plaintext, std::string_view cek);

struct Jwe {
    boost::json::object header;  // the protected header, parsed
    std::string header_b64;      // as sent: it is the AAD
    std::string nonce, ciphertext, tag;
};
// The five compact parts, with an empty encrypted key and a header of alg "dir" / enc "A256GCM"
// (unsupported_alg otherwise), no "crit" or "zip"; malformed for any other shape. Nothing is
// decrypted yet, so the caller can choose the key from the header (e.g. its kid).
result<Jwe> parse_jwe(std::string_view token);
// decrypt_failed when the tag does not verify (tampered, or another key).
result<std::string> decrypt_jwe(const Jwe& jwe, std::string_view cek);

}  // namespace gatehouse::jose
