// util: small, dependency-free helpers every module may use: base64/base64url, secure random
// tokens and ids, SHA-256/HMAC digests, constant-time comparison, time formatting and the ASCII
// string helpers of HTTP parsing. It owns no state and depends on nothing of Gatehouse; OpenSSL is
// used only for random bytes and digests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::util {

// &, <, >, " and ' as entities: safe in HTML text and in quoted attribute values.
std::string html_escape(std::string_view text);

// RFC 4648 §5 without padding (JOSE, PKCE, opaque tokens).
std::string base64url_encode(std::string_view bytes);
// Rejects padding, characters outside the alphabet and impossible lengths.
std::optional<std::string> base64url_decode(std::string_view text);
// RFC 4648 §4 with padding (HTTP Basic, x5c).
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// Cryptographically secure random bytes (OpenSSL RAND_bytes); aborts if the CSPRNG fails.
std::string random_bytes(std::size_t n);
// `n` random bytes rendered base64url: opaque codes, refresh tokens, session ids, CSRF tokens.
std::string random_token(std::size_t n = 32);
// `n` characters of [A-Za-z0-9], uniformly distributed: Auth0-style client ids and secrets.
std::string random_alnum(std::size_t n);
// `n` lowercase hex characters: resource server ids (24 hex), user ids (auth0|24 hex).
std::string random_hex(std::size_t n);

std::string sha256(std::string_view data);                             // raw 32 bytes
std::string sha256_b64url(std::string_view data);                      // storage keys for secrets
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes
// RFC 5869 HKDF-SHA256 (extract with an all-zero salt, then expand with `info`): `length` bytes of a
// key for one purpose, named by `info`, from input key material.
std::string hkdf_sha256(std::string_view key_material, std::string_view info, std::size_t length = 32);
std::string to_hex(std::string_view bytes);

// The stored form of a high-entropy secret (client secrets): base64url(HMAC-SHA256(key, secret)).
// Keyed, so a leaked database alone does not allow offline guessing; fast, so the token endpoint
// can afford it on every request (argon2id is for low-entropy user passwords only).
std::string hash_secret(std::string_view key, std::string_view secret);

// Compares without an early exit, so the time taken does not reveal where two secrets differ.
bool constant_time_equal(std::string_view a, std::string_view b);

// Seconds since the epoch, and milliseconds for timestamps that Auth0 renders with .mmm.
std::int64_t unix_now();
std::int64_t unix_now_ms();
// "2026-03-10T05:18:25.111Z", the shape of every Auth0 Management API timestamp.
std::string iso8601_ms(std::int64_t unix_ms);

// ASCII case-insensitive equality: header names, media types, host names.
bool iequals(std::string_view a, std::string_view b);
// `s` without leading and trailing spaces and tabs (HTTP's optional whitespace, RFC 9110 §5.6.3).
std::string_view trim_blanks(std::string_view s);

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view s);
// `s` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD: for text that
// quotes a client's input back (an error message), which must stay valid JSON.
std::string to_valid_utf8(std::string_view s);

}  // namespace gatehouse::util
