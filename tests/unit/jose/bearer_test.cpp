// The example resource server's RFC 6750 helpers (examples/resource-server/bearer.hpp).
#include "bearer.hpp"

#include <gtest/gtest.h>

using example::bearer_token;
using example::has_scope;
using example::www_authenticate;
namespace json = boost::json;

TEST(ExampleBearer, ExtractsTokenCaseInsensitively) {
    EXPECT_EQ(bearer_token("Bearer abc.def-_~+/ghi=="), "abc.def-_~+/ghi==");
    EXPECT_EQ(bearer_token("bearer abc"), "abc");
    EXPECT_EQ(bearer_token("BEARER   abc"), "abc");
}

TEST(ExampleBearer, OtherSchemesCountAsNoCredentials) {
    EXPECT_EQ(bearer_token(""), std::nullopt);
    EXPECT_EQ(bearer_token("Basic dXNlcjpwYXNz"), std::nullopt);
    EXPECT_EQ(bearer_token("BearerX abc"), std::nullopt);
}

TEST(ExampleBearer, BadTokenSyntaxIsAnEmptyToken) {
    for (const char* h : {"Bearer", "Bearer ", "Bearer a b", "Bearer =abc", "Bearer a=b", "Bearer a\"b", "Bearer a,b"})
        EXPECT_EQ(bearer_token(h), std::string_view{}) << h;
}

TEST(ExampleBearer, ChallengeShapesFollowRfc6750) {
    EXPECT_EQ(www_authenticate("api"), R"(Bearer realm="api")");
    EXPECT_EQ(www_authenticate("api", "invalid_token", "The access token expired"),
              R"(Bearer realm="api", error="invalid_token", error_description="The access token expired")");
    EXPECT_EQ(www_authenticate("api", "insufficient_scope", "", "read:messages"),
              R"(Bearer realm="api", error="insufficient_scope", scope="read:messages")");
    // Quotes, backslashes and control characters cannot escape the quoted-string.
    EXPECT_EQ(www_authenticate("api", "invalid_token", "a\"b\\c\r\nd"),
              R"(Bearer realm="api", error="invalid_token", error_description="abcd")");
}

TEST(ExampleBearer, DescribesEveryVerificationFailureDistinctly) {
    using gatehouse::jose::jose_errc;
    EXPECT_EQ(example::describe(jose_errc::expired), "The access token expired");
    EXPECT_EQ(example::describe(jose_errc::wrong_audience), "The access token is not meant for this API");
    EXPECT_EQ(example::describe(jose_errc::bad_signature), "The access token signature is invalid");
    EXPECT_EQ(example::describe(jose_errc::malformed), "The access token is malformed");
}

TEST(ExampleBearer, ScopeMustBeAWholeWord) {
    json::object claims{{"scope", "openid read:messages write:messages"}};
    EXPECT_TRUE(has_scope(claims, "read:messages"));
    EXPECT_TRUE(has_scope(claims, "openid"));
    EXPECT_FALSE(has_scope(claims, "read"));
    EXPECT_FALSE(has_scope(claims, "messages"));
    EXPECT_FALSE(has_scope(json::object{{"scope", json::array{"read:messages"}}}, "read:messages"));
    EXPECT_FALSE(has_scope(json::object{}, "read:messages"));
}
