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

// The one copy http (headers, cookies, Forwarded) and util (multipart, URLs) share.
TEST(Strings, IequalsFoldsAsciiCaseOnly) {
    EXPECT_TRUE(iequals("Content-Type", "content-TYPE"));
    EXPECT_TRUE(iequals("", ""));
    EXPECT_FALSE(iequals("content-type", "content-typ"));
    EXPECT_FALSE(iequals("application/json", "application/jsom"));
    EXPECT_FALSE(iequals("\xc3\x89", "\xc3\xa9")) << "bytes outside ASCII are compared as they are";
}

TEST(Strings, TrimBlanksRemovesSpacesAndTabsAtTheEndsOnly) {
    EXPECT_EQ(trim_blanks(" \t a b \t "), "a b");
    EXPECT_EQ(trim_blanks("\t\t"), "");
    EXPECT_EQ(trim_blanks(""), "");
    EXPECT_EQ(trim_blanks("\na\r"), "\na\r") << "line breaks are not optional whitespace";
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

TEST(Utf8, RepairReplacesEachBadByteAndKeepsGoodText) {
    EXPECT_EQ(to_valid_utf8("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9");
    EXPECT_EQ(to_valid_utf8("a\x98z"), "a\xEF\xBF\xBDz");
    EXPECT_EQ(to_valid_utf8("\xe2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated: one per byte
    EXPECT_TRUE(valid_utf8(to_valid_utf8("\xc0\xaf\xed\xa0\x80\xff")));
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

TEST(BasicAuth, DecodesFormEncodedCredentials) {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
    auto creds = parse_basic_credentials("Basic " + base64_encode("my%20client:s%3Acr%2Bet+x"));
    ASSERT_TRUE(creds);
    EXPECT_EQ(creds->first, "my client");
    EXPECT_EQ(creds->second, "s:cr+et x");
    auto lower = parse_basic_credentials("basic " + base64_encode("id:"));
    ASSERT_TRUE(lower);
    EXPECT_EQ(lower->first, "id");
    EXPECT_EQ(lower->second, "");
}

TEST(BasicAuth, RejectsBrokenInput) {
    EXPECT_FALSE(parse_basic_credentials("Bearer abc"));
    EXPECT_FALSE(parse_basic_credentials("Basic !!!notbase64"));
    EXPECT_FALSE(parse_basic_credentials("Basic " + base64_encode("nocolon")));
    EXPECT_FALSE(parse_basic_credentials("Basic " + base64_encode("id%zz:secret")));
    EXPECT_FALSE(parse_basic_credentials("Basic " + base64_encode(":secret")));
    EXPECT_FALSE(parse_basic_credentials("Basic"));
    EXPECT_FALSE(parse_basic_credentials(""));
}

TEST(Url, WildcardHostsMatchOneLabel) {
    const std::string_view cb = "https://*.example.com/cb";
    EXPECT_TRUE(same_redirect_uri(cb, "https://a.example.com/cb"));
    EXPECT_TRUE(same_redirect_uri(cb, "https://A-1.Example.COM/cb"));
    EXPECT_FALSE(same_redirect_uri(cb, "https://a.b.example.com/cb"));  // two labels for one *
    EXPECT_FALSE(same_redirect_uri(cb, "https://example.com/cb"));      // none
    EXPECT_FALSE(same_redirect_uri(cb, "https://.example.com/cb"));     // an empty label
    EXPECT_FALSE(same_redirect_uri(cb, "https://evil.com/.example.com/cb"));
    EXPECT_FALSE(same_redirect_uri(cb, "https://a.example.com@evil.com/cb"));
    EXPECT_FALSE(same_redirect_uri(cb, "https://evil.com@a.example.com/cb"));  // userinfo
    EXPECT_FALSE(same_redirect_uri(cb, "https://a.example.com.evil.com/cb"));
    EXPECT_FALSE(same_redirect_uri(cb, "https://a%2eevil.example.com/cb"));
    EXPECT_FALSE(same_redirect_uri(cb, "https://a_b.example.com/cb"));
    EXPECT_FALSE(same_redirect_uri(cb, "http://a.example.com/cb"));
    EXPECT_FALSE(same_redirect_uri(cb, "https://a.example.com/cb2"));
    EXPECT_FALSE(same_redirect_uri(cb, "https://a.example.com:8443/cb"));
    EXPECT_FALSE(same_redirect_uri(cb, "https://a.example.com/cb#x"));
    EXPECT_FALSE(same_redirect_uri(cb, cb)) << "a requested URL is concrete, never the pattern itself";
    EXPECT_TRUE(same_redirect_uri("https://pr-*-app.example.com/cb", "https://pr-12-app.example.com/cb"));
    EXPECT_FALSE(same_redirect_uri("https://pr-*-app.example.com/cb", "https://pr--app.example.com/cb"));
    EXPECT_FALSE(same_redirect_uri("https://pr-*-app.example.com/cb", "https://x-12-app.example.com/cb"));
    // Not a wildcard Auth0 accepts: never a pattern, whoever stored it.
    EXPECT_FALSE(same_redirect_uri("https://*.com/cb", "https://evil.com/cb"));
    EXPECT_FALSE(same_redirect_uri("https://*.github.io/cb", "https://evil.github.io/cb"));
    EXPECT_FALSE(same_redirect_uri("https://a.*.example.com/cb", "https://a.b.example.com/cb"));
    EXPECT_TRUE(same_url_ignoring_query("https://*.example.com/bye", "https://a.example.com/bye?x=1"));
    EXPECT_FALSE(same_url_ignoring_query("https://*.example.com/bye", "https://a.b.example.com/bye"));
    EXPECT_TRUE(origin_matches("https://*.example.com", "https://a.example.com"));
    EXPECT_TRUE(origin_matches("https://*.example.com/cb", "https://a.example.com"));
    EXPECT_FALSE(origin_matches("https://*.example.com", "https://a.b.example.com"));
    EXPECT_FALSE(origin_matches("https://*.example.com", "https://a.example.com/"));
    EXPECT_FALSE(origin_matches("https://*.example.com", "https://a.example.com:443"));
    EXPECT_FALSE(origin_matches("https://*.example.com", "http://a.example.com"));
    EXPECT_TRUE(origin_matches("https://app.example.com/cb", "https://app.example.com"));
    EXPECT_FALSE(origin_matches("https://app.example.com/cb", "https://other.example.com"));
}

TEST(Url, RegisteredUrlsFollowTheClientRules) {
    using enum RegisteredUrl;
    auto ok = [](std::string_view url, RegisteredUrl use = callback, bool native = false) {
        auto problem = registered_url_problem(url, use, native);
        EXPECT_FALSE(problem) << url << ": " << *problem;
    };
    auto refused = [](std::string_view url, std::string_view why, RegisteredUrl use = callback, bool native = false) {
        auto problem = registered_url_problem(url, use, native);
        ASSERT_TRUE(problem) << url;
        EXPECT_NE(problem->find(why), std::string::npos) << url << ": " << *problem;
    };
    ok("https://app.example.com/cb?x=1");
    ok("http://localhost:3000/callback");
    ok("http://LOCALHOST/cb");
    ok("http://127.0.0.1:8080/cb");
    ok("http://127.9.9.9/cb");
    ok("http://[::1]:3000/cb");
    ok("https://*.example.com/cb");
    ok("https://pr-*.example.com/cb");
    ok("https://*.example.co.uk/cb");
    ok("https://*.app.example.github.io/cb");
    ok("com.example.app:/oauth2redirect", callback, true);
    ok("myapp://callback", callback, true);
    ok("https://app.example.com", web_origin);
    ok("https://app.example.com:8443/", web_origin);
    ok("https://*.example.com", web_origin);
    ok("https://app.example.com/bye", logout);
    ok("https://app.example.com/login", login);

    refused("*", "absolute");
    refused("", "absolute");
    refused("/cb", "absolute");
    refused("javascript:alert(1)", "https");
    refused("javascript:alert(1)", "javascript: scheme", callback, true);
    refused("JavaScript:alert(1)", "javascript: scheme", callback, true);
    refused("data:text/html;base64,PHNjcmlwdD4=", "data: scheme", callback, true);
    refused("vbscript:msgbox", "vbscript: scheme", callback, true);
    refused("file:///etc/passwd", "file: scheme", callback, true);
    refused("blob:https://app.example.com/uuid", "blob: scheme", callback, true);
    refused("myapp://callback", "native applications");
    refused("myapp://callback", "https", logout, true);
    refused("myapp://*.example.com/cb", "wildcards", callback, true);
    refused("http://app.example.com/cb", "localhost");
    refused("http://10.0.0.1/cb", "localhost");
    refused("http://localhost.evil.com/cb", "localhost");
    refused("http://*.localhost/cb", "localhost");
    refused("https://app.example.com/cb#frag", "fragment");
    refused("https://app.example.com/cb#", "fragment");
    refused("https://user:pw@app.example.com/cb", "userinfo");
    refused("https://user@app.example.com/cb", "userinfo");
    refused("https:///cb", "host");
    refused("https://*", "domain after");
    refused("https://*/cb", "domain after");
    refused("https://*.com/cb", "public suffix");
    refused("https://*.co.uk/cb", "public suffix");
    refused("https://*.github.io/cb", "public suffix");
    refused("https://*.example/cb", "public suffix");
    refused("https://a.*.example.com/cb", "leftmost");
    refused("https://*.*.example.com/cb", "single *");
    refused("https://**.example.com/cb", "single *");
    refused("https://*.1.2.3/cb", "IP address");
    refused("https://*_x.example.com/cb", "letters, digits");
    refused("https://app.example.com/*", "leftmost label");
    refused("https://app.example.com/cb?next=*", "leftmost label");
    refused("https://app.example.com/cb", "origin", web_origin);
    refused("https://app.example.com?x=1", "origin", web_origin);
    refused("https://*.example.com/login", "wildcard", login);
}

TEST(Url, FormDecode) {
    EXPECT_EQ(form_decode("a+b%2Bc", true), "a b+c");
    EXPECT_EQ(form_decode("a+b", false), "a+b");
    EXPECT_FALSE(form_decode("%zz", true));
}

TEST(Url, AppendParamsEncodesValuesOnce) {
    // auth0-spa-js state values are base64 with '+', '/' and '='.
    auto url = append_params("http://localhost:3000/cb?x=1", {{"code", "abc"}, {"state", "a+b/c= d"}});
    EXPECT_EQ(url, "http://localhost:3000/cb?x=1&code=abc&state=a%2Bb%2Fc%3D%20d");
}

}  // namespace
}  // namespace gatehouse::util
