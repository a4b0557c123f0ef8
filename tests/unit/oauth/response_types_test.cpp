#include "oauth/response_types.hpp"

#include "oauth/tokens.hpp"

#include <gtest/gtest.h>

namespace gatehouse::oauth {
namespace {

TEST(ResponseTypes, AnyWordOrderFindsTheCanonicalEntry) {
    auto type = find_response_type("id_token token code");
    ASSERT_TRUE(type);
    EXPECT_EQ(type->name, "code token id_token");
    EXPECT_TRUE(type->code && type->token && type->id_token);
    EXPECT_EQ(find_response_type("id_token  code")->name, "code id_token");
    EXPECT_EQ(find_response_type("code")->default_mode(), "query");
    EXPECT_EQ(find_response_type("id_token")->default_mode(), "fragment");
}

TEST(ResponseTypes, UnknownRepeatedOrPartialTypesAreNotAccepted) {
    for (auto value : {"", "token", "none", "code code", "id_token id_token", "code banana", "Code", "code,id_token"})
        EXPECT_FALSE(find_response_type(value)) << value;
}

TEST(ResponseTypes, QueryNeverCarriesTokens) {
    EXPECT_TRUE(response_mode_allowed(*find_response_type("code"), "query"));
    EXPECT_TRUE(response_mode_allowed(*find_response_type("code"), "fragment"));
    EXPECT_FALSE(response_mode_allowed(*find_response_type("id_token"), "query"));
    EXPECT_FALSE(response_mode_allowed(*find_response_type("code token"), "query"));
    EXPECT_TRUE(response_mode_allowed(*find_response_type("token id_token"), "form_post"));
    EXPECT_FALSE(response_mode_allowed(*find_response_type("id_token"), "jwt"));
}

TEST(ResponseTypes, ErrorsOfTokenTypesStayOutOfTheQuery) {
    EXPECT_EQ(error_response_mode("code", ""), "query");
    EXPECT_EQ(error_response_mode("", ""), "query");
    EXPECT_EQ(error_response_mode("id_token", ""), "fragment");
    EXPECT_EQ(error_response_mode("id_token", "query"), "fragment");
    EXPECT_EQ(error_response_mode("token", "bogus"), "fragment");
    EXPECT_EQ(error_response_mode("id_token", "form_post"), "form_post");
    EXPECT_EQ(error_response_mode("code", "form_post"), "form_post");
}

TEST(ResponseTypes, DiscoveryListsTheTable) {
    auto types = supported_response_types();
    ASSERT_EQ(types.size(), 6u);
    for (const auto& t : types) EXPECT_TRUE(find_response_type(t)) << t;
    EXPECT_EQ(supported_response_modes(), (std::vector<std::string>{"query", "fragment", "form_post", "web_message"}));
}

TEST(ResponseTypes, LeftHalfHashIsTheOidcAtHash) {
    // Computed independently: base64url(sha256(value)[0:16]) (node:crypto).
    EXPECT_EQ(left_half_hash("jHkWEdUXMU1BwAsC4vtUsZwnNSkX8Jom"), "6uk-j7WSH40FmCCGoIHrrw");
}

}  // namespace
}  // namespace gatehouse::oauth
