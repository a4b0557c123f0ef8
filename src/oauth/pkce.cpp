#include "oauth/pkce.hpp"

#include "util/util.hpp"

#include <algorithm>

namespace gatehouse::oauth {
namespace {

bool unreserved(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

}  // namespace

bool valid_code_verifier(std::string_view verifier) {
    return verifier.size() >= 43 && verifier.size() <= 128 && std::all_of(verifier.begin(), verifier.end(), unreserved);
}

std::string s256_challenge(std::string_view verifier) { return util::sha256_b64url(verifier); }

bool valid_code_challenge(std::string_view challenge, std::string_view method) {
    if (method == "S256")
        return challenge.size() == 43 && std::all_of(challenge.begin(), challenge.end(),
                                                     [](char c) { return unreserved(c) && c != '.' && c != '~'; });
    if (method == "plain") return valid_code_verifier(challenge);
    return false;
}

bool verify_pkce(std::string_view verifier, std::string_view challenge, std::string_view method) {
    if (!valid_code_verifier(verifier)) return false;
    if (method == "S256") return util::constant_time_equal(s256_challenge(verifier), challenge);
    if (method == "plain") return util::constant_time_equal(verifier, challenge);
    return false;
}

}  // namespace gatehouse::oauth
