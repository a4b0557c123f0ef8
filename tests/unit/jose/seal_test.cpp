#include "jose/jose.hpp"

#include "util/util.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace gatehouse::jose;
using gatehouse::util::base64url_decode;
using gatehouse::util::base64url_encode;

namespace {
const std::string kKey(32, '\x07');
}

TEST(JoseSeal, RoundTripsAndLooksLikeV1) {
    const std::string secret = PrivateKey::generate(Alg::ES256).to_pem();
    auto sealed = seal(secret, kKey);
    ASSERT_TRUE(sealed);
    EXPECT_TRUE(sealed->starts_with("v1."));
    EXPECT_EQ(sealed->find("PRIVATE KEY"), std::string::npos);
    EXPECT_EQ(base64url_decode(sealed->substr(3))->size(), 12 + secret.size() + 16);
    EXPECT_EQ(unseal(*sealed, kKey).value(), secret);
    EXPECT_EQ(unseal(seal("", kKey).value(), kKey).value(), "");
}

TEST(JoseSeal, NoncesDifferPerSeal) { EXPECT_NE(seal("same", kKey).value(), seal("same", kKey).value()); }

TEST(JoseSeal, TamperingIsDetectedAnywhere) {
    const std::string sealed = seal("the private key", kKey).value();
    const std::string blob = *base64url_decode(sealed.substr(3));
    for (std::size_t i = 0; i < blob.size(); ++i) {  // nonce, ciphertext and tag bytes alike
        std::string bad = blob;
        bad[i] ^= 0x20;
        EXPECT_EQ(unseal("v1." + base64url_encode(bad), kKey).error(), jose_errc::decrypt_failed) << i;
    }
    EXPECT_EQ(unseal("v1." + base64url_encode(blob.substr(0, blob.size() - 1)), kKey).error(),
              jose_errc::decrypt_failed);
}

TEST(JoseSeal, WrongKeyFailsCleanly) {
    const std::string sealed = seal("the private key", kKey).value();
    EXPECT_EQ(unseal(sealed, std::string(32, '\x08')).error(), jose_errc::decrypt_failed);
}

TEST(JoseSeal, BadInputsAreErrorsNotCrashes) {
    EXPECT_EQ(seal("x", "short").error(), jose_errc::invalid_key);
    EXPECT_EQ(unseal("v1.AAAA", "short").error(), jose_errc::invalid_key);
    EXPECT_EQ(unseal("v2." + base64url_encode(std::string(40, 'a')), kKey).error(), jose_errc::malformed);
    EXPECT_EQ(unseal("v1.***", kKey).error(), jose_errc::malformed);
    EXPECT_EQ(unseal("v1." + base64url_encode(std::string(27, 'a')), kKey).error(), jose_errc::malformed);
    EXPECT_EQ(unseal("", kKey).error(), jose_errc::malformed);
}

// --- JWE "dir" / "A256GCM" -----------------------------------------------------------------------

// Made by node's `jose` (CompactEncrypt, key = 32 bytes of 7): an independent implementation.
constexpr std::string_view kNodeJoseJwe =
    "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoiazEifQ..ljuoOuKPp5uf1Llt."
    "cIF0CwWU_JEbbQjBam0k5x6D6mVsQ5LOGoGxeGTX7DzHTsc.EO4QEYRc80d1_0C4hSUBbw";

TEST(JoseJwe, DecryptsWhatAnotherImplementationEncrypted) {
    auto jwe = parse_jwe(kNodeJoseJwe);
    ASSERT_TRUE(jwe);
    EXPECT_EQ(jwe->header.at("kid").as_string(), "k1");
    EXPECT_EQ(decrypt_jwe(*jwe, kKey).value(), R"({"sub":"auth0|42","scope":"openid"})");
}

TEST(JoseJwe, RoundTripsWithTheHeaderAuthenticated) {
    const boost::json::object header{{"alg", "dir"}, {"enc", "A256GCM"}, {"iss", "https://id.example/"}};
    const std::string token = encrypt_jwe(header, "claims", kKey).value();
    EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 4);
    EXPECT_NE(token.find(".."), std::string::npos);  // empty encrypted key for "dir"
    auto jwe = parse_jwe(token).value();
    EXPECT_EQ(jwe.header, header);
    EXPECT_EQ(decrypt_jwe(jwe, kKey).value(), "claims");
    EXPECT_EQ(decrypt_jwe(jwe, std::string(32, '\x08')).error(), jose_errc::decrypt_failed);

    // The header is the AAD: another issuer in it breaks the tag even with the right key.
    auto forged = parse_jwe(token).value();
    forged.header_b64 = base64url_encode(R"({"alg":"dir","enc":"A256GCM","iss":"https://evil/"})");
    EXPECT_EQ(decrypt_jwe(forged, kKey).error(), jose_errc::decrypt_failed);
    for (std::size_t i = token.rfind('.') - 4; i < token.size(); i += 3) {
        std::string bad = token;
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        auto parsed = parse_jwe(bad);
        EXPECT_TRUE(!parsed || !decrypt_jwe(*parsed, kKey)) << i;
    }
}

TEST(JoseJwe, OtherShapesAndAlgorithmsAreRefused) {
    EXPECT_EQ(encrypt_jwe({{"alg", "A256KW"}, {"enc", "A256GCM"}}, "x", kKey).error(), jose_errc::unsupported_alg);
    EXPECT_EQ(encrypt_jwe({{"alg", "dir"}, {"enc", "A256GCM"}}, "x", "short").error(), jose_errc::invalid_key);
    const std::string h = base64url_encode(R"({"alg":"dir","enc":"A256GCM"})");
    const std::string rest =
        "." + base64url_encode(std::string(12, 'n')) + ".Y3Q." + base64url_encode(std::string(16, 't'));
    EXPECT_TRUE(parse_jwe(h + "." + rest));
    EXPECT_EQ(parse_jwe(h + ".a2V5" + rest).error(), jose_errc::malformed);  // an encrypted key with "dir"
    EXPECT_EQ(parse_jwe(base64url_encode(R"({"alg":"none","enc":"A256GCM"})") + "." + rest).error(),
              jose_errc::unsupported_alg);
    EXPECT_EQ(parse_jwe(base64url_encode(R"({"alg":"dir","enc":"A128CBC-HS256"})") + "." + rest).error(),
              jose_errc::unsupported_alg);
    EXPECT_EQ(parse_jwe(base64url_encode(R"({"alg":"dir","enc":"A256GCM","zip":"DEF"})") + "." + rest).error(),
              jose_errc::malformed);
    EXPECT_EQ(parse_jwe("a.b.c").error(), jose_errc::malformed);
    EXPECT_EQ(parse_jwe(h + "." + rest + ".x").error(), jose_errc::malformed);
    EXPECT_EQ(parse_jwe(h + ".." + base64url_encode(std::string(12, 'n')) + ".Y3Q.").error(), jose_errc::malformed);
    EXPECT_EQ(parse_jwe(std::string(20000, 'a')).error(), jose_errc::malformed);
    // A nonce or tag of the wrong size parses but never decrypts.
    auto short_nonce = parse_jwe(h + "..bm9u.Y3Q." + base64url_encode(std::string(16, 't'))).value();
    EXPECT_EQ(decrypt_jwe(short_nonce, kKey).error(), jose_errc::malformed);
}
