// Private keys at rest: AES-256-GCM under a key from the environment, as "v1." + base64url text.
#include "jose/jose.hpp"
#include "util/util.hpp"

#include <openssl/evp.h>

#include <memory>

namespace gatehouse::jose {
namespace {

constexpr std::string_view kPrefix = "v1.";
constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kNonceBytes = 12;  // the GCM size that needs no extra GHASH pass (SP 800-38D)
constexpr std::size_t kTagBytes = 16;

struct cipher_ctx_deleter {
    void operator()(EVP_CIPHER_CTX* p) const noexcept { EVP_CIPHER_CTX_free(p); }
};
using cipher_ctx_ptr = std::unique_ptr<EVP_CIPHER_CTX, cipher_ctx_deleter>;

unsigned char* u(std::string& s, std::size_t at = 0) { return reinterpret_cast<unsigned char*>(s.data() + at); }
const unsigned char* u(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

result<std::string> seal(std::string_view plaintext, std::string_view key) {
    if (key.size() != kKeyBytes) return jose_errc::invalid_key;
    // Random nonces are safe here: far fewer than 2^32 seals happen under one key.
    std::string blob = util::random_bytes(kNonceBytes);
    blob.resize(kNonceBytes + plaintext.size() + kTagBytes);
    cipher_ctx_ptr ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    int final_len = 0;
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u(key), u(blob)) != 1 ||
        EVP_EncryptUpdate(ctx.get(), u(blob, kNonceBytes), &len, u(plaintext), int(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), u(blob, kNonceBytes + std::size_t(len)), &final_len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, int(kTagBytes), u(blob, kNonceBytes + plaintext.size())) !=
            1)
        return jose_errc::crypto_failure;
    return std::string(kPrefix) + util::base64url_encode(blob);
}

result<std::string> unseal(std::string_view sealed, std::string_view key) {
    if (key.size() != kKeyBytes) return jose_errc::invalid_key;
    if (!sealed.starts_with(kPrefix)) return jose_errc::malformed;
    auto blob = util::base64url_decode(sealed.substr(kPrefix.size()));
    if (!blob || blob->size() < kNonceBytes + kTagBytes) return jose_errc::malformed;
    const std::string_view nonce = std::string_view(*blob).substr(0, kNonceBytes);
    const std::string_view ciphertext =
        std::string_view(*blob).substr(kNonceBytes, blob->size() - kNonceBytes - kTagBytes);
    std::string tag(blob->substr(blob->size() - kTagBytes));
    std::string plaintext(ciphertext.size(), '\0');
    cipher_ctx_ptr ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    int final_len = 0;
    if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u(key), u(nonce)) != 1 ||
        EVP_DecryptUpdate(ctx.get(), u(plaintext), &len, u(ciphertext), int(ciphertext.size())) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, int(kTagBytes), tag.data()) != 1)
        return jose_errc::crypto_failure;
    // The tag is checked here; nothing decrypted is returned unless it matches.
    if (EVP_DecryptFinal_ex(ctx.get(), u(plaintext, std::size_t(len)), &final_len) != 1) {
        OPENSSL_cleanse(plaintext.data(), plaintext.size());
        return jose_errc::decrypt_failed;
    }
    return plaintext;
}

}  // namespace gatehouse::jose
