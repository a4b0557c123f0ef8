#include "connections/password.hpp"

#include "util/util.hpp"

#include <crypt.h>
#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <memory>

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

bool verify_bcrypt(std::string_view hash, std::string_view password) {
    // crypt_r reads a C string: a password with a NUL in it would be checked as its prefix.
    if (password.find('\0') != std::string_view::npos) return false;
    auto data = std::make_unique<crypt_data>();  // ~32 KiB of scratch space: not on the stack
    std::memset(data.get(), 0, sizeof(crypt_data));
    std::string key(password), setting(hash);
    const char* out = crypt_r(key.c_str(), setting.c_str(), data.get());
    sodium_memzero(key.data(), key.size());
    if (!out || out[0] == '*') return false;  // libxcrypt's failure tokens start with '*'
    std::string_view computed(out);
    return computed.size() == hash.size() && sodium_memcmp(computed.data(), hash.data(), hash.size()) == 0;
}

}  // namespace

bool is_bcrypt_hash(std::string_view hash) {
    // $2b$10$ + 22 characters of salt + 31 of digest.
    if (hash.size() != 60 || hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$') return false;
    if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return false;
    if (hash[4] < '0' || hash[4] > '9' || hash[5] < '0' || hash[5] > '9') return false;
    int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
    if (cost < bcrypt_min_cost || cost > bcrypt_max_cost) return false;
    static constexpr std::string_view alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    return hash.substr(7).find_first_not_of(alphabet) == std::string_view::npos;
}

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
    if (is_bcrypt_hash(hash)) return verify_bcrypt(hash, password);
    if (!hash.starts_with("$argon2id$") || hash.size() >= crypto_pwhash_STRBYTES)
        return verify_dummy_password(password);
    return verify_encoded(std::string(hash), password);
}

bool needs_rehash(std::string_view hash) {
    ensure_sodium();
    if (!hash.starts_with("$argon2id$") || hash.size() >= crypto_pwhash_STRBYTES) return true;
    return crypto_pwhash_str_needs_rehash(std::string(hash).c_str(), password_ops_limit, password_mem_limit) != 0;
}

bool verify_dummy_password(std::string_view password) {
    ensure_sodium();
    verify_encoded(dummy_hash(), password);
    return false;
}

}  // namespace gatehouse::connections
