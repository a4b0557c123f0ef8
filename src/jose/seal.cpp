// AES-256-GCM, shared by two users: private keys at rest ("v1." + base64url text) and JWE "dir" /
// "A256GCM" tokens (RFC 7516 compact serialization, the shape of Auth0's opaque access tokens).
#include "jose/jose.hpp"
#include "util/util.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <memory>

namespace gatehouse::jose {
namespace {

namespace json = boost::json;

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

// ciphertext || tag of `plaintext`, authenticated together with `aad`.
result<std::string> gcm_encrypt(std::string_view key, std::string_view nonce, std::string_view aad,
                                std::string_view plaintext) {
    if (key.size() != kKeyBytes) return jose_errc::invalid_key;
    std::string out(plaintext.size() + kTagBytes, '\0');
    cipher_ctx_ptr ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    int final_len = 0;
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u(key), u(nonce)) != 1 ||
        (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, u(aad), int(aad.size())) != 1) ||
        EVP_EncryptUpdate(ctx.get(), u(out), &len, u(plaintext), int(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), u(out, std::size_t(len)), &final_len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, int(kTagBytes), u(out, plaintext.size())) != 1)
        return jose_errc::crypto_failure;
    return out;
}

// The plaintext, or decrypt_failed when the tag does not verify; nothing unverified is returned.
result<std::string> gcm_decrypt(std::string_view key, std::string_view nonce, std::string_view aad,
                                std::string_view ciphertext, std::string_view tag) {
    if (key.size() != kKeyBytes) return jose_errc::invalid_key;
    if (nonce.size() != kNonceBytes || tag.size() != kTagBytes) return jose_errc::malformed;
    std::string plaintext(ciphertext.size(), '\0');
    std::string tag_copy(tag);  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer
    cipher_ctx_ptr ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    int final_len = 0;
    if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u(key), u(nonce)) != 1 ||
        (!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &len, u(aad), int(aad.size())) != 1) ||
        EVP_DecryptUpdate(ctx.get(), u(plaintext), &len, u(ciphertext), int(ciphertext.size())) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, int(kTagBytes), tag_copy.data()) != 1)
        return jose_errc::crypto_failure;
    if (EVP_DecryptFinal_ex(ctx.get(), u(plaintext, std::size_t(len)), &final_len) != 1) {
        OPENSSL_cleanse(plaintext.data(), plaintext.size());
        return jose_errc::decrypt_failed;
    }
    return plaintext;
}

// Far above any token Gatehouse issues; bounds the work a forged bearer token can make us do.
constexpr std::size_t kMaxJweBytes = 16 * 1024;

}  // namespace

result<std::string> seal(std::string_view plaintext, std::string_view key) {
    // Random nonces are safe here: far fewer than 2^32 seals happen under one key.
    const std::string nonce = util::random_bytes(kNonceBytes);
    auto sealed = gcm_encrypt(key, nonce, {}, plaintext);
    if (!sealed) return sealed.error();
    return std::string(kPrefix) + util::base64url_encode(nonce + *sealed);
}

result<std::string> unseal(std::string_view sealed, std::string_view key) {
    if (key.size() != kKeyBytes) return jose_errc::invalid_key;
    if (!sealed.starts_with(kPrefix)) return jose_errc::malformed;
    auto blob = util::base64url_decode(sealed.substr(kPrefix.size()));
    if (!blob || blob->size() < kNonceBytes + kTagBytes) return jose_errc::malformed;
    const std::string_view b(*blob);
    return gcm_decrypt(key, b.substr(0, kNonceBytes), {}, b.substr(kNonceBytes, b.size() - kNonceBytes - kTagBytes),
                       b.substr(b.size() - kTagBytes));
}

result<std::string> encrypt_jwe(const json::object& header, std::string_view plaintext, std::string_view cek) {
    auto alg = header.find("alg");
    auto enc = header.find("enc");
    if (alg == header.end() || alg->value() != "dir" || enc == header.end() || enc->value() != "A256GCM")
        return jose_errc::unsupported_alg;
    const std::string header_b64 = util::base64url_encode(json::serialize(header));
    const std::string nonce = util::random_bytes(kNonceBytes);
    // RFC 7516 §5.1 step 14: the AAD is the ASCII of the encoded protected header.
    auto sealed = gcm_encrypt(cek, nonce, header_b64, plaintext);
    if (!sealed) return sealed.error();
    const std::string_view s(*sealed);
    std::string token = header_b64;
    token += "..";  // "dir": the JWE Encrypted Key is empty
    token += util::base64url_encode(nonce);
    token += '.';
    token += util::base64url_encode(s.substr(0, s.size() - kTagBytes));
    token += '.';
    token += util::base64url_encode(s.substr(s.size() - kTagBytes));
    return token;
}

result<Jwe> parse_jwe(std::string_view token) {
    if (token.size() > kMaxJweBytes) return jose_errc::malformed;
    std::string_view parts[5];
    std::size_t start = 0;
    for (int i = 0; i < 5; ++i) {
        auto dot = token.find('.', start);
        if ((dot == std::string_view::npos) != (i == 4)) return jose_errc::malformed;
        parts[i] = token.substr(start, dot == std::string_view::npos ? token.npos : dot - start);
        start = dot + 1;
    }
    if (parts[0].empty() || !parts[1].empty() || parts[2].empty() || parts[4].empty()) return jose_errc::malformed;
    auto header_json = util::base64url_decode(parts[0]);
    auto nonce = util::base64url_decode(parts[2]);
    auto ciphertext = util::base64url_decode(parts[3]);
    auto tag = util::base64url_decode(parts[4]);
    if (!header_json || !nonce || !ciphertext || !tag) return jose_errc::malformed;
    boost::system::error_code ec;
    json::value header = json::parse(*header_json, ec);
    if (ec || !header.is_object()) return jose_errc::malformed;
    auto& h = header.get_object();
    // RFC 7516 §4.1.13: critical extensions we do not implement make the token invalid.
    if (h.contains("crit") || h.contains("zip")) return jose_errc::malformed;
    auto alg = h.find("alg");
    auto enc = h.find("enc");
    if (alg == h.end() || alg->value() != "dir" || enc == h.end() || enc->value() != "A256GCM")
        return jose_errc::unsupported_alg;
    Jwe out;
    out.header = std::move(h);
    out.header_b64 = std::string(parts[0]);
    out.nonce = std::move(*nonce);
    out.ciphertext = std::move(*ciphertext);
    out.tag = std::move(*tag);
    return out;
}

result<std::string> decrypt_jwe(const Jwe& jwe, std::string_view cek) {
    return gcm_decrypt(cek, jwe.nonce, jwe.header_b64, jwe.ciphertext, jwe.tag);
}

}  // namespace gatehouse::jose
