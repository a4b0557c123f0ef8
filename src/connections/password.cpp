#include "connections/password.hpp"

#include "util/util.hpp"

#include <sodium.h>

#include <cstdlib>

namespace gatehouse::connections {
namespace {

void ensure_sodium() {
    // sodium_init is thread-safe and idempotent; a static makes it run once per process.
    static const int ready = sodium_init();
    if (ready < 0) std::abort();
}

const std::string& dummy_hash() {
    static const std::string hash = hash_password(util::random_token(24));
    return hash;
}

bool verify_encoded(const std::string& hash, std::string_view password) {
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace

std::string hash_password(std::string_view password) {
    ensure_sodium();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), password_ops_limit, password_mem_limit,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        std::abort();  // out of memory: nothing sensible to return to a caller
    return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) {
    ensure_sodium();
    if (!hash.starts_with("$argon2id$") || hash.size() >= crypto_pwhash_STRBYTES)
        return verify_dummy_password(password);
    return verify_encoded(std::string(hash), password);
}

bool verify_dummy_password(std::string_view password) {
    ensure_sodium();
    verify_encoded(dummy_hash(), password);
    return false;
}

}  // namespace gatehouse::connections
