#include "jose/jose.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

using namespace gatehouse::jose;

namespace {

struct X509Free {
    void operator()(X509* p) const noexcept { X509_free(p); }
};

std::unique_ptr<X509, X509Free> parse(const std::string& pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    return std::unique_ptr<X509, X509Free>(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

}  // namespace

// The Management API shows a key as this certificate: it must carry the key's public half, be signed by
// the key itself, and stay the same across reads where the signature scheme is deterministic.
TEST(SelfSignedCertificate, HoldsThePublicKeyAndIsSignedByIt) {
    for (auto alg : {Alg::RS256, Alg::ES256, Alg::EdDSA}) {
        auto key = PrivateKey::generate(alg);
        auto cert = self_signed_certificate(key, "id.example.com", 1700000000);
        ASSERT_TRUE(cert) << alg_name(alg);
        auto x509 = parse(cert->pem);
        ASSERT_TRUE(x509) << alg_name(alg);
        EVP_PKEY* pub = X509_get0_pubkey(x509.get());
        EXPECT_EQ(X509_verify(x509.get(), pub), 1) << alg_name(alg);
        // The certificate holds this key, not any key: it does not verify under another key.
        auto other = self_signed_certificate(PrivateKey::generate(alg), "id.example.com", 1700000000);
        ASSERT_TRUE(other);
        EXPECT_NE(X509_verify(parse(other->pem).get(), pub), 1) << "another key's certificate";
        EXPECT_EQ(cert->sha1.size(), 20u);
        EXPECT_EQ(cert->pkcs7.rfind("-----BEGIN PKCS7-----", 0), 0u);
        EXPECT_EQ(cert->pem.find("PRIVATE"), std::string::npos);
        char cn[64] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(x509.get()), NID_commonName, cn, sizeof cn);
        EXPECT_STREQ(cn, "id.example.com");
        EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x509.get()), 1700000000), 0);
        if (alg != Alg::ES256) {
            auto again = self_signed_certificate(key, "id.example.com", 1700000000);
            ASSERT_TRUE(again);
            EXPECT_EQ(again->pem, cert->pem) << alg_name(alg);
        }
    }
}
