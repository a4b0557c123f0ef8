#pragma once

#include <string>
#include <string_view>

namespace gatehouse::oauth {

// RFC 7636 §4.1: 43-128 characters of [A-Za-z0-9-._~].
bool valid_code_verifier(std::string_view verifier);
// RFC 7636 §4.2: BASE64URL(SHA256(ASCII(verifier))).
std::string s256_challenge(std::string_view verifier);
// A challenge as /authorize may accept it for `method` ("S256": 43 base64url chars; "plain": a verifier).
bool valid_code_challenge(std::string_view challenge, std::string_view method);
// RFC 7636 §4.6, compared in constant time.
bool verify_pkce(std::string_view verifier, std::string_view challenge, std::string_view method);

}  // namespace gatehouse::oauth
