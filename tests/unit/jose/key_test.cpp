#include "jose/jose.hpp"

#include "util/util.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <set>

namespace json = boost::json;
using namespace gatehouse::jose;
using gatehouse::util::base64_encode;
using gatehouse::util::base64url_decode;
using gatehouse::util::base64url_encode;

namespace {

// RFC 7638 §3.1.
constexpr const char* kRfc7638N =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknj"
    "hMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQ"
    "vRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzK"
    "nqDKgw";

// RFC 7515 §A.2 (RS256) and §A.3 (ES256): public keys and the published signatures.
constexpr const char* kA2N =
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pC"
    "gNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg6"
    "65xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWy"
    "uXpoQ";
constexpr const char* kA2Token =
    "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
    "fQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7"
    "t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12j"
    "zDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQG"
    "e77Rw";
constexpr const char* kA3X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
constexpr const char* kA3Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
constexpr const char* kA3Token =
    "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
    "fQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

// RFC 8037 §A.1 / §A.4 (Ed25519 is deterministic, so signing must reproduce the published value).
constexpr const char* kEdD = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
constexpr const char* kEdX = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
constexpr const char* kEdInput = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
constexpr const char* kEdSig = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

json::object obj(std::string_view text) { return json::parse(text).as_object(); }

std::string ed25519_pem(std::string_view seed) {
    // PKCS#8 prefix for an Ed25519 private key (RFC 8410 §7) followed by the 32-byte seed.
    static const unsigned char prefix[] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                           0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
    std::string der(reinterpret_cast<const char*>(prefix), sizeof prefix);
    der += seed;
    return "-----BEGIN PRIVATE KEY-----\n" + base64_encode(der) + "\n-----END PRIVATE KEY-----\n";
}

}  // namespace

TEST(JoseAlg, NamesRoundTripAndRejectOthers) {
    for (Alg a : {Alg::RS256, Alg::ES256, Alg::EdDSA}) EXPECT_EQ(parse_alg(alg_name(a)), a);
    for (const char* bad : {"none", "HS256", "rs256", "PS256", "ES384", "Ed25519", ""}) EXPECT_FALSE(parse_alg(bad));
}

TEST(JoseError, EveryCodeHasANamedMessage) {
    EXPECT_STREQ(jose_category().name(), "gatehouse.jose");
    std::set<std::string> messages;
    for (int e = int(jose_errc::malformed); e <= int(jose_errc::crypto_failure); ++e) {
        boost::system::error_code ec = static_cast<jose_errc>(e);
        EXPECT_EQ(&ec.category(), &jose_category());
        EXPECT_NE(ec.message(), "unknown jose error") << e;
        messages.insert(ec.message());
    }
    EXPECT_EQ(messages.size(), std::size_t(jose_errc::crypto_failure));  // all distinct
}

TEST(JoseThumbprint, MatchesRfc7638Example) {
    auto jwk = json::object{{"kty", "RSA"}, {"n", kRfc7638N}, {"e", "AQAB"}, {"alg", "RS256"}, {"kid", "2011-04-29"}};
    EXPECT_EQ(jwk_thumbprint(jwk).value(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    // The same key parsed as a PublicKey keeps its kid and reproduces the thumbprint from its own JWK.
    auto key = PublicKey::from_jwk(jwk);
    ASSERT_TRUE(key) << key.error().message();
    EXPECT_EQ(key->kid(), "2011-04-29");
    EXPECT_EQ(jwk_thumbprint(key->jwk()).value(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(JoseThumbprint, RejectsIncompleteOrUnknownKeys) {
    EXPECT_EQ(jwk_thumbprint(obj(R"({"kty":"RSA","n":"AQAB"})")).error(), jose_errc::invalid_key);
    EXPECT_EQ(jwk_thumbprint(obj(R"({"kty":"oct","k":"AQAB"})")).error(), jose_errc::invalid_key);
    EXPECT_EQ(jwk_thumbprint(obj(R"({"n":"AQAB","e":"AQAB"})")).error(), jose_errc::invalid_key);
}

class JoseKeyPerAlg : public ::testing::TestWithParam<Alg> {};

TEST_P(JoseKeyPerAlg, GeneratedKeyPublishesAWellFormedJwk) {
    auto key = PrivateKey::generate(GetParam());
    const auto& jwk = key.public_jwk();
    EXPECT_EQ(key.alg(), GetParam());
    EXPECT_EQ(jwk.at("alg").as_string(), alg_name(GetParam()));
    EXPECT_EQ(jwk.at("use"), "sig");
    EXPECT_EQ(jwk.at("kid").as_string(), key.kid());
    EXPECT_EQ(key.kid(), jwk_thumbprint(jwk).value());  // default kid is the RFC 7638 thumbprint
    EXPECT_FALSE(jwk.contains("d"));
    switch (GetParam()) {
        case Alg::RS256:
            EXPECT_EQ(jwk.at("kty"), "RSA");
            EXPECT_EQ(jwk.at("e"), "AQAB");
            EXPECT_EQ(base64url_decode(jwk.at("n").as_string())->size(), 256u);
            break;
        case Alg::ES256:
            EXPECT_EQ(jwk.at("kty"), "EC");
            EXPECT_EQ(jwk.at("crv"), "P-256");
            EXPECT_EQ(base64url_decode(jwk.at("x").as_string())->size(), 32u);
            EXPECT_EQ(base64url_decode(jwk.at("y").as_string())->size(), 32u);
            break;
        case Alg::EdDSA:
            EXPECT_EQ(jwk.at("kty"), "OKP");
            EXPECT_EQ(jwk.at("crv"), "Ed25519");
            EXPECT_EQ(base64url_decode(jwk.at("x").as_string())->size(), 32u);
            break;
    }
}

TEST_P(JoseKeyPerAlg, PemRoundTripKeepsTheKey) {
    auto key = PrivateKey::generate(GetParam(), "k1");
    auto pem = key.to_pem();
    EXPECT_NE(pem.find("BEGIN PRIVATE KEY"), std::string::npos);
    auto back = PrivateKey::from_pem(pem, "k1");
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(back->alg(), GetParam());
    EXPECT_EQ(back->public_jwk(), key.public_jwk());
    // Signed by the reloaded key, verified by the original's JWK.
    auto pub = PublicKey::from_jwk(key.public_jwk());
    ASSERT_TRUE(pub);
    EXPECT_TRUE(pub->verify("input", back->sign("input")));
    EXPECT_FALSE(pub->verify("input2", back->sign("input")));
}

TEST_P(JoseKeyPerAlg, JwkRoundTripThroughKeySet) {
    auto key = PrivateKey::generate(GetParam());
    KeySet set;
    set.add(key.public_key());
    auto text = json::serialize(set.to_jwks());
    auto parsed = KeySet::from_jwks(text);
    ASSERT_TRUE(parsed);
    ASSERT_EQ(parsed->keys().size(), 1u);
    const PublicKey* found = parsed->find(key.kid());
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->alg(), GetParam());
    EXPECT_TRUE(found->verify("abc", key.sign("abc")));
    EXPECT_EQ(parsed->find("other"), nullptr);
}

INSTANTIATE_TEST_SUITE_P(All, JoseKeyPerAlg, ::testing::Values(Alg::RS256, Alg::ES256, Alg::EdDSA),
                         [](const auto& info) { return std::string(alg_name(info.param)); });

TEST(JoseKey, GeneratedKeysAreDistinctAndKeepAGivenKid) {
    auto a = PrivateKey::generate(Alg::ES256, "mine");
    auto b = PrivateKey::generate(Alg::ES256);
    EXPECT_EQ(a.kid(), "mine");
    EXPECT_NE(a.public_jwk().at("x"), b.public_jwk().at("x"));
}

TEST(JoseKey, FromPemRejectsGarbageWeakAndUnsupportedKeys) {
    EXPECT_EQ(PrivateKey::from_pem("not a pem").error(), jose_errc::invalid_key);
    // RSA-1024 and P-384 are valid PEM but not keys Gatehouse will sign with.
    EVP_PKEY* weak = EVP_RSA_gen(1024);
    EVP_PKEY* p384 = EVP_EC_gen("P-384");
    for (EVP_PKEY* k : {weak, p384}) {
        BIO* bio = BIO_new(BIO_s_mem());
        PEM_write_bio_PrivateKey(bio, k, nullptr, nullptr, 0, nullptr, nullptr);
        char* data = nullptr;
        long len = BIO_get_mem_data(bio, &data);
        EXPECT_EQ(PrivateKey::from_pem(std::string_view(data, std::size_t(len))).error(), jose_errc::invalid_key);
        BIO_free(bio);
        EVP_PKEY_free(k);
    }
}

TEST(JoseKey, Ed25519SigningReproducesRfc8037Vector) {
    auto key = PrivateKey::from_pem(ed25519_pem(*base64url_decode(kEdD)), "ed");
    ASSERT_TRUE(key) << key.error().message();
    EXPECT_EQ(key->alg(), Alg::EdDSA);
    EXPECT_EQ(key->public_jwk().at("x"), kEdX);
    EXPECT_EQ(base64url_encode(key->sign(kEdInput)), kEdSig);
    auto pub = PublicKey::from_jwk(obj(std::string(R"({"kty":"OKP","crv":"Ed25519","x":")") + kEdX + "\"}"));
    ASSERT_TRUE(pub);
    EXPECT_TRUE(pub->verify(kEdInput, *base64url_decode(kEdSig)));
}

TEST(JoseKey, VerifiesRfc7515Rs256AndEs256Examples) {
    KeySet set;
    set.add(PublicKey::from_jwk(json::object{{"kty", "RSA"}, {"n", kA2N}, {"e", "AQAB"}}).value());
    set.add(PublicKey::from_jwk(json::object{{"kty", "EC"}, {"crv", "P-256"}, {"x", kA3X}, {"y", kA3Y}}).value());
    // Neither token has a kid: each set has exactly one key of the token's alg.
    auto rs = verify_jwt(kA2Token, set, {Alg::RS256, Alg::ES256});
    ASSERT_TRUE(rs) << rs.error().message();
    EXPECT_EQ(rs->claims.at("iss"), "joe");
    auto es = verify_jwt(kA3Token, set, {Alg::RS256, Alg::ES256});
    ASSERT_TRUE(es) << es.error().message();
    EXPECT_EQ(es->claims.at("exp"), 1300819380);
    EXPECT_EQ(es->claims.at("http://example.com/is_root"), true);
}

TEST(JoseKey, Es256SignatureIsRawRsThatOpenSslVerifiesAsDer) {
    auto key = PrivateKey::generate(Alg::ES256);
    const std::string input = "header.payload";
    const std::string sig = key.sign(input);
    ASSERT_EQ(sig.size(), 64u);

    // Convert r||s to DER by hand and verify with OpenSSL's own ECDSA path on the PEM-loaded key.
    ECDSA_SIG* es = ECDSA_SIG_new();
    ECDSA_SIG_set0(es, BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), 32, nullptr),
                   BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + 32, 32, nullptr));
    unsigned char* der = nullptr;
    int der_len = i2d_ECDSA_SIG(es, &der);
    ASSERT_GT(der_len, 0);
    const std::string pem = key.to_pem();
    BIO* bio = BIO_new_mem_buf(pem.data(), int(pem.size()));
    EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    ASSERT_NE(pkey, nullptr);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ASSERT_EQ(EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pkey), 1);
    EXPECT_EQ(EVP_DigestVerify(ctx, der, std::size_t(der_len), reinterpret_cast<const unsigned char*>(input.data()),
                               input.size()),
              1);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
}

TEST(JoseKey, FromJwkRefusesUnsupportedOrDangerousKeys) {
    auto ec = PrivateKey::generate(Alg::ES256).public_jwk();
    auto rsa = PrivateKey::generate(Alg::RS256).public_jwk();

    auto with = [](json::object jwk, std::string_view k, json::value v) {
        jwk[k] = std::move(v);
        return jwk;
    };
    auto without = [](json::object jwk, std::string_view k) {
        jwk.erase(k);
        return jwk;
    };
    const std::vector<std::pair<const char*, json::object>> cases = {
        {"unknown kty", with(ec, "kty", "oct")},
        {"symmetric key", obj(R"({"kty":"oct","k":"c2VjcmV0"})")},
        {"unsupported curve", with(ec, "crv", "P-384")},
        {"point not on the curve", with(ec, "y", json::string(base64url_encode(std::string(32, '\x01'))))},
        {"short coordinate", with(ec, "x", "AQAB")},
        {"missing y", without(ec, "y")},
        {"x not base64url", with(ec, "x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVE=")},
        {"alg does not fit kty", with(ec, "alg", "RS256")},
        {"alg HS256", with(rsa, "alg", "HS256")},
        {"encryption key", with(rsa, "use", "enc")},
        {"private member", with(rsa, "d", "AQAB")},
        {"RSA-1024", with(rsa, "n", json::string(base64url_encode(std::string(128, '\xff'))))},
        {"even exponent", with(rsa, "e", "AQAA")},
        {"exponent one", with(rsa, "e", "AQ")},
        {"Ed448", obj(R"({"kty":"OKP","crv":"Ed448","x":"AQAB"})")},
        {"kid not a string", with(rsa, "kid", 7)},
        // RFC 7518 §6.3.1: minimal octets, and one spelling per value (found by the jwk fuzz target:
        // a second spelling gave the same key another RFC 7638 thumbprint).
        {"exponent with a leading zero octet", with(rsa, "e", "AAEAAQ")},
        {"modulus with a leading zero octet",
         with(rsa, "n", json::string(base64url_encode('\0' + *base64url_decode(rsa.at("n").as_string()))))},
        {"exponent with non-zero unused bits", with(rsa, "e", "AQF")},  // 257 is "AQE"
    };
    for (const auto& [name, jwk] : cases) {
        auto key = PublicKey::from_jwk(jwk);
        EXPECT_FALSE(key) << name;
        if (!key) {
            EXPECT_EQ(key.error(), jose_errc::invalid_key) << name;
        }
    }
    EXPECT_TRUE(PublicKey::from_jwk(ec));
    EXPECT_TRUE(PublicKey::from_jwk(without(rsa, "alg")));    // alg optional: follows the key type
    EXPECT_TRUE(PublicKey::from_jwk(with(rsa, "e", "AQE")));  // e = 257 is odd and canonical
}

TEST(JoseKeySet, SkipsUnusableEntriesButRejectsNonJwks) {
    auto good = PrivateKey::generate(Alg::RS256, "good").public_jwk();
    json::object jwks{{"keys", json::array{json::object{{"kty", "oct"}, {"k", "c2VjcmV0"}}, 42, good}}};
    auto set = KeySet::from_jwks(jwks);
    ASSERT_TRUE(set);
    ASSERT_EQ(set->keys().size(), 1u);
    EXPECT_NE(set->find("good"), nullptr);

    EXPECT_EQ(KeySet::from_jwks("[]").error(), jose_errc::malformed);
    EXPECT_EQ(KeySet::from_jwks("{\"keys\":{}}").error(), jose_errc::malformed);
    EXPECT_EQ(KeySet::from_jwks("{\"keys\":[").error(), jose_errc::malformed);
}

TEST(JoseKeySet, AddReplacesSameKid) {
    KeySet set;
    auto a = PrivateKey::generate(Alg::ES256, "same");
    auto b = PrivateKey::generate(Alg::ES256, "same");
    set.add(a.public_key());
    set.add(b.public_key());
    ASSERT_EQ(set.keys().size(), 1u);
    EXPECT_TRUE(set.find("same")->verify("x", b.sign("x")));
    EXPECT_FALSE(set.find("same")->verify("x", a.sign("x")));
}
