#include "jose/jose.hpp"

#include "util/util.hpp"

#include <gtest/gtest.h>

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
