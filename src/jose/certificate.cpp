#include "jose/internal.hpp"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

namespace gatehouse::jose {

namespace {

struct x509_deleter {
    void operator()(X509* p) const noexcept { X509_free(p); }
};
struct pkcs7_deleter {
    void operator()(PKCS7* p) const noexcept { PKCS7_free(p); }
};
using x509_ptr = std::unique_ptr<X509, x509_deleter>;
using pkcs7_ptr = std::unique_ptr<PKCS7, pkcs7_deleter>;
using detail::bio_ptr;
using detail::bn_ptr;

constexpr std::int64_t kValiditySeconds = 10LL * 365 * 24 * 3600;

boost::system::error_code crypto_failure() { return make_error_code(jose_errc::crypto_failure); }

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

// The serial is the first 16 bytes of SHA-256(kid) with the top bit cleared (RFC 5280: positive, at
// most 20 octets), so a key's certificate keeps its serial.
bool set_serial(X509* cert, std::string_view kid) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(kid.data()), kid.size(), digest);
    digest[0] &= 0x7f;
    bn_ptr bn(BN_bin2bn(digest, 16, nullptr));
    return bn && BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) != nullptr;
}

}  // namespace

result<Certificate> self_signed_certificate(const PrivateKey& key, std::string_view common_name,
                                            std::int64_t not_before) {
    // Through PEM rather than the key's shared EVP_PKEY: signing a certificate must not touch the
    // state the token path reads concurrently.
    const std::string pem = key.to_pem();
    bio_ptr key_bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!key_bio) return crypto_failure();
    detail::pkey_ptr pkey(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
    x509_ptr cert(X509_new());
    if (!pkey || !cert) return crypto_failure();

    X509_NAME* name = X509_get_subject_name(cert.get());
    if (X509_set_version(cert.get(), 2) != 1 || !set_serial(cert.get(), key.kid()) ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.data()),
                                   static_cast<int>(common_name.size()), -1, 0) != 1 ||
        X509_set_issuer_name(cert.get(), name) != 1 ||
        !ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(not_before)) ||
        !ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(not_before + kValiditySeconds)) ||
        X509_set_pubkey(cert.get(), pkey.get()) != 1)
        return crypto_failure();
    // Ed25519 signs the message itself: no digest.
    const EVP_MD* md = key.alg() == Alg::EdDSA ? nullptr : EVP_sha256();
    if (X509_sign(cert.get(), pkey.get(), md) <= 0) return crypto_failure();

    Certificate out;
    bio_ptr pem_bio(BIO_new(BIO_s_mem()));
    if (!pem_bio || PEM_write_bio_X509(pem_bio.get(), cert.get()) != 1) return crypto_failure();
    out.pem = bio_text(pem_bio.get());

    unsigned char digest[SHA_DIGEST_LENGTH];
    unsigned int digest_size = 0;
    if (X509_digest(cert.get(), EVP_sha1(), digest, &digest_size) != 1) return crypto_failure();
    out.sha1.assign(reinterpret_cast<const char*>(digest), digest_size);

    // A degenerate SignedData (no signers) is how PKCS#7 carries bare certificates.
    pkcs7_ptr p7(PKCS7_new());
    if (!p7 || PKCS7_set_type(p7.get(), NID_pkcs7_signed) != 1 || PKCS7_content_new(p7.get(), NID_pkcs7_data) != 1 ||
        PKCS7_add_certificate(p7.get(), cert.get()) != 1)
        return crypto_failure();
    bio_ptr p7_bio(BIO_new(BIO_s_mem()));
    if (!p7_bio || PEM_write_bio_PKCS7(p7_bio.get(), p7.get()) != 1) return crypto_failure();
    out.pkcs7 = bio_text(p7_bio.get());
    return out;
}

}  // namespace gatehouse::jose
