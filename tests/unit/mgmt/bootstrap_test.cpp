#include "mgmt/bootstrap.hpp"
#include "mgmt/mgmt.hpp"

#include "util/util.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace gatehouse::mgmt {
namespace {

TEST(Bootstrap, CreatesApiClientGrantAndDefaultConnection) {
    auto store = store::open_store("sqlite::memory:");
    ASSERT_TRUE(store->migrate());
    BootstrapOptions o{"http://localhost:8080/", "k", "", "", true, {"http://localhost:3000/callback"}};
    auto r = bootstrap_tenant(*store, o);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->api_identifier, "http://localhost:8080/api/v2/");
    EXPECT_EQ(r->mgmt_client_id.size(), 32u);
    EXPECT_EQ(r->mgmt_client_secret.size(), 64u);

    auto api = store->get_resource_server_by_identifier("http://localhost:8080/api/v2/");
    ASSERT_TRUE(api);
    EXPECT_EQ(api->doc.at("is_system"), true);
    EXPECT_EQ(api->doc.at("scopes").as_array().size(), management_scopes().size());

    auto client = store->get_client(r->mgmt_client_id);
    ASSERT_TRUE(client);
    EXPECT_EQ(client->secret_hash, util::hash_secret("k", r->mgmt_client_secret));
    EXPECT_EQ(client->doc.at("app_type"), "non_interactive");
    EXPECT_EQ(client->doc.at("token_endpoint_auth_method"), "client_secret_post");
    EXPECT_EQ(client->doc.at("grant_types"), boost::json::array{"client_credentials"});

    auto grant = store->find_client_grant(r->mgmt_client_id, "http://localhost:8080/api/v2/");
    ASSERT_TRUE(grant);
    EXPECT_EQ(grant->scope, management_scopes());
    // Every scope some route accepts (derived from the route tables), each once: a family's scope
    // missing here would lock the management client out of it.
    EXPECT_EQ(std::set<std::string>(grant->scope.begin(), grant->scope.end()).size(), grant->scope.size());
    for (const auto* scope : {"read:connections", "delete:clients", "update:resource_servers", "create:client_grants",
                              "delete:users", "read:tenant_settings", "update:tenant_settings", "create:email_provider",
                              "update:email_templates", "update:client_keys", "create:user_tickets"})
        EXPECT_NE(std::find(grant->scope.begin(), grant->scope.end(), scope), grant->scope.end()) << scope;

    auto spa = store->get_client(r->demo_client_id);
    ASSERT_TRUE(spa);
    EXPECT_EQ(spa->doc.at("app_type"), "spa");
    EXPECT_EQ(spa->doc.at("token_endpoint_auth_method"), "none");
    EXPECT_EQ(spa->doc.at("callbacks"), boost::json::array{"http://localhost:3000/callback"});
    EXPECT_EQ(spa->doc.at("web_origins"), boost::json::array{"http://localhost:3000"});
    EXPECT_TRUE(spa->secret_hash.empty());

    auto db = store->get_connection_by_name("Username-Password-Authentication");
    ASSERT_TRUE(db);
    EXPECT_EQ(db->strategy, "auth0");
    EXPECT_EQ(db->doc.at("enabled_clients"),
              (boost::json::array{boost::json::string(r->mgmt_client_id), boost::json::string(r->demo_client_id)}));
}

TEST(Bootstrap, ManagementScopesNameEveryOrganizationScopeAsAuth0Does) {
    const auto& scopes = management_scopes();
    for (std::string_view scope :
         {"read:organizations", "create:organizations", "update:organizations", "delete:organizations",
          "read:organization_members", "create:organization_members", "delete:organization_members",
          "read:organization_member_roles", "create:organization_member_roles", "delete:organization_member_roles",
          "read:organization_connections", "create:organization_connections", "update:organization_connections",
          "delete:organization_connections", "read:organization_invitations", "create:organization_invitations",
          "delete:organization_invitations"})
        EXPECT_NE(std::find(scopes.begin(), scopes.end(), scope), scopes.end()) << scope;
}

TEST(Bootstrap, UsesGivenClientCredentials) {
    auto store = store::open_store("sqlite::memory:");
    ASSERT_TRUE(store->migrate());
    BootstrapOptions o{"https://id.test/", "k", "my-client-id", "my-secret", false, {}};
    auto r = bootstrap_tenant(*store, o);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->mgmt_client_id, "my-client-id");
    EXPECT_EQ(r->mgmt_client_secret, "my-secret");
    EXPECT_TRUE(r->demo_client_id.empty());
    EXPECT_EQ(store->get_client("my-client-id")->secret_hash, util::hash_secret("k", "my-secret"));
}

}  // namespace
}  // namespace gatehouse::mgmt
