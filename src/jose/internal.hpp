// Private to src/jose: the shared state behind PrivateKey/PublicKey and small OpenSSL ownership helpers.
#pragma once

#include "jose/jose.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

namespace gatehouse::jose::detail {

struct pkey_deleter {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct md_ctx_deleter {
    void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
struct bn_deleter {
    void operator()(BIGNUM* p) const noexcept { BN_free(p); }
};
struct bio_deleter {
    void operator()(BIO* p) const noexcept { BIO_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_deleter>;
using bn_ptr = std::unique_ptr<BIGNUM, bn_deleter>;
using bio_ptr = std::unique_ptr<BIO, bio_deleter>;

// Everything derived from the key is computed once here, so signing and publishing read only.
struct key_state {
    pkey_ptr pkey;
    Alg alg{};
    std::string kid;
    boost::json::object jwk;  // public members, kid, alg, use
    // Signing keys only: an EVP_MD_CTX initialised for DigestSign that is never used itself, only
    // copied, because re-running DigestSignInit (provider fetches) costs more than the copy.
    md_ctx_ptr sign_template;
    std::string header_jwt;     // base64url({"alg","typ":"JWT","kid"})
    std::string header_at_jwt;  // base64url({"alg","typ":"at+jwt","kid"})
};

// Appends base64url (no padding) of `bytes` to `out`; the hot path builds a token in one buffer.
void base64url_append(std::string& out, std::string_view bytes);

std::string make_header_b64(Alg alg, std::string_view kid, std::string_view typ);

// Signs into `out` (appending the raw signature); false only if OpenSSL fails.
bool sign_raw(const key_state& k, std::string_view input, std::string& out);

}  // namespace gatehouse::jose::detail
