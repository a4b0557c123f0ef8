#include "util/util.hpp"
#include "util/url.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace gatehouse::util {
namespace {

TEST(Base64Url, RoundTripsAndRejectsNonCanonicalInput) {
    for (std::string s :
         std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\xff\xfe\x00\x01", 4)})
        EXPECT_EQ(base64url_decode(base64url_encode(s)), s);
    EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
    EXPECT_FALSE(base64url_decode("Zm9vYmE="));  // padding
    EXPECT_FALSE(base64url_decode("Zm9v+mE"));   // standard alphabet
    EXPECT_FALSE(base64url_decode("Z"));         // impossible length
    EXPECT_FALSE(base64url_decode("Zh"));        // non-zero leftover bits
    EXPECT_EQ(base64_decode(base64_encode("user:pa ss")), "user:pa ss");
}

TEST(Secrets, HashSecretIsKeyedHmacSha256) {
    // RFC 4231 test case 2.
    EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(hash_secret("Jefe", "what do ya want for nothing?"),
              base64url_encode(hmac_sha256("Jefe", "what do ya want for nothing?")));
    EXPECT_NE(hash_secret("key-a", "secret"), hash_secret("key-b", "secret"));
    EXPECT_EQ(hash_secret("key-a", "secret"), hash_secret("key-a", "secret"));
    std::string from_thread;
    std::thread([&] { from_thread = hash_secret("key-b", "secret"); }).join();
    EXPECT_EQ(from_thread, hash_secret("key-b", "secret"));
}

TEST(Secrets, HkdfSha256MatchesRfc5869AndSeparatesLabels) {
    // RFC 5869 A.3: zero-length salt and info.
    EXPECT_EQ(to_hex(hkdf_sha256(std::string(22, '\x0b'), "", 42)),
              "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
    auto root = std::string(32, 'k');
    EXPECT_EQ(hkdf_sha256(root, "a").size(), 32u);
    EXPECT_NE(hkdf_sha256(root, "a"), hkdf_sha256(root, "b"));
    EXPECT_EQ(hkdf_sha256(root, "a"), hkdf_sha256(root, "a"));
}

TEST(Secrets, ConstantTimeEqual) {
    EXPECT_TRUE(constant_time_equal("abc", "abc"));
    EXPECT_FALSE(constant_time_equal("abc", "abd"));
    EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

TEST(Random, TokensAndIdsHaveTheirAlphabetAndLength) {
    EXPECT_EQ(random_token(32).size(), 43u);
    auto id = random_alnum(32);
    EXPECT_EQ(id.size(), 32u);
    EXPECT_EQ(id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
              std::string::npos);
    EXPECT_NE(random_alnum(32), random_alnum(32));
    EXPECT_EQ(random_hex(24).find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(Utf8, RejectsOverlongsSurrogatesAndTruncation) {
    EXPECT_TRUE(valid_utf8("plain ascii"));
    EXPECT_TRUE(valid_utf8("\xc3\xa9t\xc3\xa9 \xf0\x9f\x94\x91"));
    EXPECT_FALSE(valid_utf8("\xc0\xaf"));          // overlong '/'
    EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // surrogate
    EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
    EXPECT_FALSE(valid_utf8("\xe2\x82"));          // truncated
    EXPECT_FALSE(valid_utf8("\xff"));
}

TEST(Time, Iso8601WithMilliseconds) { EXPECT_EQ(iso8601_ms(1773119905111), "2026-03-10T05:18:25.111Z"); }

TEST(Url, OriginsAndExactRedirectMatching) {
    EXPECT_EQ(origin_of("HTTPS://App.Example.com:443/cb?x=1"), "https://app.example.com");
    EXPECT_EQ(origin_of("http://localhost:3000/callback"), "http://localhost:3000");
    EXPECT_FALSE(origin_of("javascript:alert(1)"));
    EXPECT_FALSE(origin_of("/relative"));
    EXPECT_TRUE(same_redirect_uri("https://app.example.com/cb", "HTTPS://APP.example.com/cb"));
    EXPECT_FALSE(same_redirect_uri("https://app.example.com/cb", "https://app.example.com/CB"));
    EXPECT_FALSE(same_redirect_uri("https://app.example.com/cb", "https://app.example.com/cb/"));
    EXPECT_FALSE(same_redirect_uri("https://app.example.com/cb", "https://app.example.com/cb?next=/evil"));
    EXPECT_FALSE(same_redirect_uri("https://app.example.com/cb", "https://app.example.com:443/cb"));
    EXPECT_FALSE(same_redirect_uri("https://app.example.com/cb", "https://app.example.com.evil.io/cb"));
    EXPECT_TRUE(same_url_ignoring_query("http://localhost:3000", "http://localhost:3000/?x=1#y"));
    EXPECT_FALSE(same_url_ignoring_query("http://localhost:3000", "http://localhost:3001/"));
}

TEST(Url, AppendParamsEncodesValuesOnce) {
    // auth0-spa-js state values are base64 with '+', '/' and '='.
    auto url = append_params("http://localhost:3000/cb?x=1", {{"code", "abc"}, {"state", "a+b/c= d"}});
    EXPECT_EQ(url, "http://localhost:3000/cb?x=1&code=abc&state=a%2Bb%2Fc%3D%20d");
}

}  // namespace
}  // namespace gatehouse::util
