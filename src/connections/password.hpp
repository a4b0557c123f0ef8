// Password hashing for database connections: argon2id at OWASP's parameters (m=19 MiB, t=2, p=1),
// encoded in the PHC string format so parameters can be raised later without breaking old hashes.
#pragma once

#include <string>
#include <string_view>

namespace gatehouse::connections {

inline constexpr unsigned long long password_ops_limit = 2;
inline constexpr std::size_t password_mem_limit = 19u * 1024u * 1024u;

// The PHC string ("$argon2id$v=19$m=19456,t=2,p=1$...") of `password` with a fresh salt.
std::string hash_password(std::string_view password);

// True when `password` matches `hash`. A hash that is not an argon2id string (federated users have
// none) still costs one verification, against a dummy hash, and then fails.
bool verify_password(std::string_view hash, std::string_view password);

// One verification against the dummy hash, always false: the login path for an unknown user, so it
// takes as long as a wrong password does.
bool verify_dummy_password(std::string_view password);

}  // namespace gatehouse::connections
