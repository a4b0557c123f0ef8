// oauth::user_api_access: the one place that decides what RBAC leaves of a user's grant for an API.
#include "oauth/tokens.hpp"

#include <gtest/gtest.h>

namespace gatehouse::oauth {
namespace {

struct Rbac : ::testing::Test {
    std::unique_ptr<store::Store> store = store::open_store("sqlite::memory:");
    ApiView api;
    void SetUp() override {
        api.identifier = "https://api.example.com";
        api.scopes = {"read:a", "write:a", "delete:a"};
        store::User user;
        user.user_id = "auth0|u";
        user.connection = "Username-Password-Authentication";
        user.email = "user@example.com";
        ASSERT_TRUE(store->create_user(user));
        ASSERT_TRUE(store->create_role(store::Role{"rol_r", "reader", "", 1, 1}));
        ASSERT_TRUE(store->add_role_permissions("rol_r", {{api.identifier, "read:a"}}));
        ASSERT_TRUE(store->assign_user_roles("auth0|u", {"rol_r"}));
        ASSERT_TRUE(store->add_user_permissions("auth0|u", {{api.identifier, "delete:a"}}));
    }
    UserApiAccess access(std::string_view scope) { return user_api_access(*store, &api, "auth0|u", scope).value(); }
};

TEST_F(Rbac, WithoutPolicyTheGrantIsUntouchedAndNoPermissionsAreRead) {
    auto a = access("openid read:a write:a");
    EXPECT_EQ(a.scope, "openid read:a write:a");
    EXPECT_TRUE(a.permissions.empty());
}

TEST_F(Rbac, EnforcedPolicyKeepsOnlyHeldApiScopesAndEveryNonApiScope) {
    api.enforce_policies = true;
    EXPECT_EQ(access("openid profile offline_access write:a read:a delete:a").scope,
              "openid profile offline_access read:a delete:a");
    EXPECT_EQ(access("write:a").scope, "");
    EXPECT_TRUE(access("read:a").permissions.empty()) << "access_token dialect: no claim";
}

TEST_F(Rbac, AuthzDialectsCarryEveryPermissionForTheApiRequestedOrNot) {
    for (auto d : {TokenDialect::access_token_authz, TokenDialect::rfc9068_profile_authz}) {
        api.token_dialect = d;
        auto a = access("openid");
        EXPECT_EQ(a.scope, "openid");
        EXPECT_EQ(a.permissions, (std::vector<std::string>{"delete:a", "read:a"}));
    }
}

TEST_F(Rbac, TheManagementApiIsNeverDecidedByRoles) {
    api.is_system = true;
    api.enforce_policies = true;
    api.token_dialect = TokenDialect::access_token_authz;
    auto a = access("read:current_user write:a");
    EXPECT_EQ(a.scope, "read:current_user write:a");
    EXPECT_TRUE(a.permissions.empty());
}

TEST_F(Rbac, ALoginsExtraRolesAddTheirPermissionsForThatLoginOnly) {
    api.enforce_policies = true;
    api.token_dialect = TokenDialect::access_token_authz;
    ASSERT_TRUE(store->create_role(store::Role{"rol_w", "writer", "", 1, 1}));
    ASSERT_TRUE(store->add_role_permissions("rol_w", {{api.identifier, "write:a"}}));
    auto through = user_api_access(*store, &api, "auth0|u", "read:a write:a", {"rol_w"}).value();
    EXPECT_EQ(through.scope, "read:a write:a");
    EXPECT_EQ(through.permissions, (std::vector<std::string>{"delete:a", "read:a", "write:a"}));
    auto plain = access("read:a write:a");
    EXPECT_EQ(plain.scope, "read:a") << "the role is not the user's outside that login";
    auto unknown = user_api_access(*store, &api, "auth0|u", "write:a", {"rol_missing"}).value();
    EXPECT_EQ(unknown.scope, "");
}

TEST_F(Rbac, NoApiMeansNoPolicy) {
    auto a = user_api_access(*store, nullptr, "auth0|u", "openid email").value();
    EXPECT_EQ(a.scope, "openid email");
}

}  // namespace
}  // namespace gatehouse::oauth
