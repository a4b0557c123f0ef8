#include "jose/jose.hpp"

#include "util/util.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <thread>

namespace json = boost::json;
using namespace gatehouse::jose;
using gatehouse::util::base64url_decode;
using gatehouse::util::base64url_encode;
using gatehouse::util::hmac_sha256;

namespace {

constexpr std::initializer_list<Alg> kAll = {Alg::RS256, Alg::ES256, Alg::EdDSA};

json::object claims() { return json::object{{"iss", "https://gh.test/"}, {"sub", "u1"}, {"exp", 4102444800}}; }

// A compact token from arbitrary header and payload text, signed with `key`: lets tests build
// tokens that sign_jwt would never produce.
std::string forge(const PrivateKey& key, std::string_view header, std::string_view payload) {
    std::string input = base64url_encode(header) + "." + base64url_encode(payload);
    return input + "." + base64url_encode(key.sign(input));
}

std::string header_for(const PrivateKey& key, std::string_view alg) {
    return json::serialize(json::object{{"alg", alg}, {"typ", "JWT"}, {"kid", key.kid()}});
}

std::string part(std::string_view token, int i) {
    for (int n = 0; n < i; ++n) token = token.substr(token.find('.') + 1);
    return std::string(token.substr(0, token.find('.')));
}

KeySet set_of(std::initializer_list<PrivateKey> keys) {
    KeySet set;
    for (const auto& k : keys) set.add(k.public_key());
    return set;
}

}  // namespace

class JoseJwtPerAlg : public ::testing::TestWithParam<Alg> {
  protected:
    PrivateKey key_ = PrivateKey::generate(GetParam());
    KeySet set_ = set_of({key_});
};

TEST_P(JoseJwtPerAlg, SignThenVerifyRoundTrips) {
    auto token = sign_jwt(key_, claims());
    auto v = verify_jwt(token, set_, kAll);
    ASSERT_TRUE(v) << v.error().message();
    EXPECT_EQ(v->claims, claims());
    EXPECT_EQ(v->header.at("alg").as_string(), alg_name(GetParam()));
    EXPECT_EQ(v->header.at("typ"), "JWT");
    EXPECT_EQ(v->header.at("kid").as_string(), key_.kid());
    // Header member order is alg, typ, kid (Auth0's shape).
    EXPECT_EQ(*base64url_decode(part(token, 0)),
              "{\"alg\":\"" + std::string(alg_name(GetParam())) + "\",\"typ\":\"JWT\",\"kid\":\"" + key_.kid() + "\"}");
}

TEST_P(JoseJwtPerAlg, TypIsCarriedForAccessTokenProfileAndOthers) {
    for (std::string_view typ : {"at+jwt", "logout+jwt"}) {
        auto v = verify_jwt(sign_jwt(key_, claims(), typ), set_, kAll);
        ASSERT_TRUE(v);
        EXPECT_EQ(v->header.at("typ").as_string(), typ);
    }
}

TEST_P(JoseJwtPerAlg, TamperedPayloadFails) {
    auto token = sign_jwt(key_, claims());
    auto other = claims();
    other["sub"] = "admin";
    auto forged = part(token, 0) + "." + base64url_encode(json::serialize(other)) + "." + part(token, 2);
    EXPECT_EQ(verify_jwt(forged, set_, kAll).error(), jose_errc::bad_signature);
}

TEST_P(JoseJwtPerAlg, TamperedSignatureFails) {
    auto token = sign_jwt(key_, claims());
    auto sig = *base64url_decode(part(token, 2));
    sig[sig.size() / 2] ^= 0x01;
    auto forged = part(token, 0) + "." + part(token, 1) + "." + base64url_encode(sig);
    EXPECT_EQ(verify_jwt(forged, set_, kAll).error(), jose_errc::bad_signature);
    // A truncated signature is not a crash either.
    sig.resize(sig.size() - 1);
    forged = part(token, 0) + "." + part(token, 1) + "." + base64url_encode(sig);
    EXPECT_EQ(verify_jwt(forged, set_, kAll).error(), jose_errc::bad_signature);
}

TEST_P(JoseJwtPerAlg, SignatureFromAnotherKeyWithTheSameKidFails) {
    auto impostor = PrivateKey::generate(GetParam(), key_.kid());
    EXPECT_EQ(verify_jwt(sign_jwt(impostor, claims()), set_, kAll).error(), jose_errc::bad_signature);
}

TEST_P(JoseJwtPerAlg, AlgNotAllowedByCallerFails) {
    std::vector<Alg> others;
    for (Alg a : kAll)
        if (a != GetParam()) others.push_back(a);
    EXPECT_EQ(verify_jwt(sign_jwt(key_, claims()), set_, others).error(), jose_errc::unsupported_alg);
    EXPECT_EQ(verify_jwt(sign_jwt(key_, claims()), set_, std::span<const Alg>{}).error(), jose_errc::unsupported_alg);
}

INSTANTIATE_TEST_SUITE_P(All, JoseJwtPerAlg, ::testing::Values(Alg::RS256, Alg::ES256, Alg::EdDSA),
                         [](const auto& info) { return std::string(alg_name(info.param)); });

TEST(JoseJwt, AlgNoneIsRefused) {
    auto key = PrivateKey::generate(Alg::ES256);
    auto set = set_of({key});
    const std::string payload = base64url_encode(json::serialize(claims()));
    for (std::string_view alg : {"none", "None", "NONE"}) {
        auto header = base64url_encode(json::serialize(json::object{{"alg", alg}, {"kid", key.kid()}}));
        // With an empty signature (the RFC 7519 unsecured form) and with a real one.
        EXPECT_EQ(verify_jwt(header + "." + payload + ".", set, kAll).error(), jose_errc::malformed) << alg;
        EXPECT_EQ(verify_jwt(header + "." + payload + "." + base64url_encode(key.sign("x")), set, kAll).error(),
                  jose_errc::unsupported_alg)
            << alg;
    }
}

TEST(JoseJwt, Hs256WithThePublicKeyAsSecretIsRefused) {
    auto key = PrivateKey::generate(Alg::RS256);
    auto set = set_of({key});
    // The classic confusion: an attacker HMACs with whatever public form of the key a naive verifier might use.
    std::vector<std::string> secrets = {json::serialize(key.public_jwk()),
                                        *base64url_decode(key.public_jwk().at("n").as_string())};
    {
        auto pem = key.to_pem();
        BIO* in = BIO_new_mem_buf(pem.data(), int(pem.size()));
        EVP_PKEY* pkey = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
        BIO* out = BIO_new(BIO_s_mem());
        PEM_write_bio_PUBKEY(out, pkey);
        char* data = nullptr;
        long len = BIO_get_mem_data(out, &data);
        secrets.emplace_back(data, std::size_t(len));
        BIO_free(out);
        BIO_free(in);
        EVP_PKEY_free(pkey);
    }
    for (const auto& secret : secrets) {
        for (std::string_view alg : {"HS256", "HS384", "HS512"}) {
            std::string input =
                base64url_encode(header_for(key, alg)) + "." + base64url_encode(json::serialize(claims()));
            std::string token = input + "." + base64url_encode(hmac_sha256(secret, input));
            EXPECT_EQ(verify_jwt(token, set, kAll).error(), jose_errc::unsupported_alg);
        }
    }
}

TEST(JoseJwt, HeaderAlgMustMatchTheKeysType) {
    auto rsa = PrivateKey::generate(Alg::RS256, "rsa");
    auto ec = PrivateKey::generate(Alg::ES256, "ec");
    auto set = set_of({rsa, ec});
    // Signed by the EC key but claiming RS256 with the EC key's kid, and vice versa.
    EXPECT_EQ(verify_jwt(forge(ec, header_for(ec, "RS256"), json::serialize(claims())), set, kAll).error(),
              jose_errc::unsupported_alg);
    EXPECT_EQ(verify_jwt(forge(rsa, header_for(rsa, "ES256"), json::serialize(claims())), set, kAll).error(),
              jose_errc::unsupported_alg);
}

TEST(JoseJwt, UnknownKidFails) {
    auto key = PrivateKey::generate(Alg::RS256, "known");
    auto stranger = PrivateKey::generate(Alg::RS256, "stranger");
    EXPECT_EQ(verify_jwt(sign_jwt(stranger, claims()), set_of({key}), kAll).error(), jose_errc::unknown_key);
    EXPECT_EQ(verify_jwt(sign_jwt(key, claims()), KeySet{}, kAll).error(), jose_errc::unknown_key);
}

TEST(JoseJwt, KidlessTokenNeedsExactlyOneKeyOfItsAlg) {
    auto a = PrivateKey::generate(Alg::RS256, "a");
    auto b = PrivateKey::generate(Alg::RS256, "b");
    auto e = PrivateKey::generate(Alg::ES256, "e");
    const std::string token = forge(a, R"({"alg":"RS256"})", json::serialize(claims()));
    EXPECT_TRUE(verify_jwt(token, set_of({a, e}), kAll));
    EXPECT_EQ(verify_jwt(token, set_of({a, b}), kAll).error(), jose_errc::unknown_key);
    EXPECT_EQ(verify_jwt(token, set_of({e}), kAll).error(), jose_errc::unknown_key);
}

TEST(JoseJwt, MalformedTokensAreRejected) {
    auto key = PrivateKey::generate(Alg::ES256);
    auto set = set_of({key});
    const std::string good = sign_jwt(key, claims());
    const std::string h = part(good, 0), p = part(good, 1), s = part(good, 2);
    const std::vector<std::pair<const char*, std::string>> cases = {
        {"empty", ""},
        {"one part", h},
        {"two parts", h + "." + p},
        {"four parts", good + "." + s},
        {"empty header", "." + p + "." + s},
        {"empty payload", h + ".." + s},
        {"empty signature", h + "." + p + "."},
        {"bad base64 in header", "*" + h.substr(1) + "." + p + "." + s},
        {"bad base64 in payload", h + "." + p + "!" + "." + s},
        {"bad base64 in signature", h + "." + p + "." + s + "$"},
        {"padding", h + "." + p + "." + s + "="},
        {"standard base64 alphabet", h + "." + p + "." + s.substr(0, s.size() - 1) + "+"},
        {"whitespace", " " + good},
        {"header not JSON", base64url_encode("alg:ES256") + "." + p + "." + s},
        {"header is an array", base64url_encode("[\"ES256\"]") + "." + p + "." + s},
        {"header alg not a string", base64url_encode("{\"alg\":1}") + "." + p + "." + s},
        {"header without alg", base64url_encode("{\"kid\":\"x\"}") + "." + p + "." + s},
        {"crit header", forge(key, R"({"alg":"ES256","crit":["b64"],"b64":false})", json::serialize(claims()))},
        {"kid not a string", forge(key, R"({"alg":"ES256","kid":5})", json::serialize(claims()))},
        {"payload not JSON", forge(key, header_for(key, "ES256"), "hello")},
        {"payload is an array", forge(key, header_for(key, "ES256"), "[1,2]")},
        {"payload is a string", forge(key, header_for(key, "ES256"), "\"claims\"")},
        {"oversized", h + "." + base64url_encode(std::string(20000, 'a')) + "." + s},
    };
    for (const auto& [name, token] : cases) {
        auto v = verify_jwt(token, set, kAll);
        EXPECT_FALSE(v) << name;
        if (!v) {
            EXPECT_EQ(v.error(), jose_errc::malformed) << name;
        }
    }
    EXPECT_TRUE(verify_jwt(good, set, kAll));  // the parts above came from a valid token
}

TEST(JoseJwt, OneKeySignsFromManyThreadsAtOnce) {
    // PrivateKey promises thread safety: the shared sign template is only ever copied, never used.
    for (Alg alg : kAll) {
        auto key = PrivateKey::generate(alg);
        auto set = set_of({key});
        std::vector<std::string> tokens(4 * 50);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < 50; ++i) {
                    auto c = claims();
                    c["n"] = t * 50 + i;
                    tokens[std::size_t(t * 50 + i)] = sign_jwt(key, c);
                }
            });
        }
        for (auto& th : threads) th.join();
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            auto v = verify_jwt(tokens[i], set, kAll);
            ASSERT_TRUE(v) << alg_name(alg) << " " << i;
            EXPECT_EQ(v->claims.at("n"), std::int64_t(i));
        }
    }
}
