#include "connections/user_json.hpp"

#include <gtest/gtest.h>

namespace gatehouse::connections {
namespace {

TEST(UserJson, DatabaseUserShapeHasIdentitiesAndNoHash) {
    store::User u;
    u.user_id = "auth0|0123456789abcdef01234567";
    u.connection = "Username-Password-Authentication";
    u.email = "eve@example.com";
    u.password_hash = "$argon2id$secret";
    u.doc = new_user_doc(u.user_id, u.connection, u.email, json::object{{"given_name", "Eve"}});
    u.created_at = 1700000000;
    u.updated_at = 1700000001;
    auto o = user_to_json(u);
    EXPECT_EQ(o.at("user_id"), "auth0|0123456789abcdef01234567");
    EXPECT_EQ(o.at("email"), "eve@example.com");
    EXPECT_EQ(o.at("email_verified"), false);
    EXPECT_EQ(o.at("name"), "eve@example.com");
    EXPECT_EQ(o.at("nickname"), "eve");
    EXPECT_EQ(o.at("given_name"), "Eve");
    EXPECT_TRUE(o.at("picture").as_string().starts_with("https://s.gravatar.com/avatar/"));
    EXPECT_EQ(o.at("created_at"), "2023-11-14T22:13:20.000Z");
    auto ids = o.at("identities").as_array();
    ASSERT_EQ(ids.size(), 1u);
    EXPECT_EQ(ids[0].at("connection"), "Username-Password-Authentication");
    EXPECT_EQ(ids[0].at("user_id"), "0123456789abcdef01234567");
    EXPECT_EQ(ids[0].at("provider"), "auth0");
    EXPECT_EQ(ids[0].at("isSocial"), false);
    EXPECT_EQ(json::serialize(o).find("argon2"), std::string::npos);
}

TEST(UserJson, ProfileClaimsByScope) {
    store::User u;
    u.user_id = "auth0|x";
    u.email = "f@example.com";
    u.doc = json::object{{"name", "F"}, {"nickname", "f"}, {"picture", "p"}, {"email_verified", true}};
    u.updated_at = 0;
    auto both = user_profile_claims(u, true, true);
    EXPECT_EQ(both.at("name"), "F");
    EXPECT_EQ(both.at("updated_at"), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(both.at("email"), "f@example.com");
    EXPECT_EQ(both.at("email_verified"), true);
    auto email_only = user_profile_claims(u, false, true);
    EXPECT_FALSE(email_only.contains("name"));
    EXPECT_TRUE(email_only.contains("email"));
    EXPECT_TRUE(user_profile_claims(u, false, false).empty());
}

TEST(UserJson, FederatedIdentityStripsConnectionPrefix) {
    auto ids = default_identities("oauth2|my-idp|42", "my-idp");
    EXPECT_EQ(ids[0].at("user_id"), "42");
    EXPECT_EQ(ids[0].at("provider"), "oauth2");
    EXPECT_EQ(ids[0].at("isSocial"), true);
    EXPECT_EQ(default_identities("twitter|2921946821", "twitter")[0].at("user_id"), "2921946821");
    // A social user namespaced by its connection (another connection holds wordpress|42).
    auto namespaced = default_identities("wordpress|blog-b|42", "blog-b");
    EXPECT_EQ(namespaced[0].at("user_id"), "42");
    EXPECT_EQ(namespaced[0].at("provider"), "wordpress");
}

}  // namespace
}  // namespace gatehouse::connections
