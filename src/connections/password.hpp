// Password hashing for database connections: argon2id at OWASP's parameters (m=19 MiB, t=2, p=1),
// encoded in the PHC string format so parameters can be raised later without breaking old hashes.
// Users imported from another system may arrive with a bcrypt hash ($2a$/$2b$/$2y$, verified with
// libxcrypt's crypt_r); those are verified as they are and replaced by argon2id at the first login.
#pragma once

#include <string>
#include <string_view>

namespace gatehouse::connections {

inline constexpr unsigned long long password_ops_limit = 2;
inline constexpr std::size_t password_mem_limit = 19u * 1024u * 1024u;

// The PHC string ("$argon2id$v=19$m=19456,t=2,p=1$...") of `password` with a fresh salt.
std::string hash_password(std::string_view password);

inline constexpr int bcrypt_min_cost = 4;
// Each step doubles bcrypt's work; 2^14 rounds take about a second here, so an imported hash of a
// higher cost would let one login attempt hold a worker for minutes.
inline constexpr int bcrypt_max_cost = 14;

// True for a well-formed bcrypt hash ($2a$, $2b$ or $2y$, cost bcrypt_min_cost..bcrypt_max_cost,
// 53 characters of salt and digest in bcrypt's base64): what an import may bring in.
bool is_bcrypt_hash(std::string_view hash);

// True when `password` matches `hash` (argon2id, or bcrypt per is_bcrypt_hash). Any other hash
// (federated users have none) still costs one verification, against a dummy hash, and then fails.
bool verify_password(std::string_view hash, std::string_view password);

// True when `hash` is not argon2id at today's parameters: after a successful login with it, the
// password is hashed again (hash_password) and stored in its place.
bool needs_rehash(std::string_view hash);

// One verification against the dummy hash, always false: the login path for an unknown user, so it
// takes as long as a wrong password does.
bool verify_dummy_password(std::string_view password);

}  // namespace gatehouse::connections
