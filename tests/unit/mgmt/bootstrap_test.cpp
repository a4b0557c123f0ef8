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
                              "update:email_templates", "update:client_keys", "create:user_tickets", "read:logs"})
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

// A tenant initialised before a resource family existed: its Management API and its bootstrap
// grant lack the family's scopes, so the management client would be locked out of the new routes.
TEST(Bootstrap, ServeGrantsANewVersionsScopesOnlyToFullAccessGrants) {
    auto store = store::open_store("sqlite::memory:");
    ASSERT_TRUE(store->migrate());
    auto r = bootstrap_tenant(*store, BootstrapOptions{"https://id.example/", "k", "", "", false, {}});
    ASSERT_TRUE(r);
    const std::string audience = "https://id.example/api/v2/";
    const std::set<std::string> newer{"read:roles", "create:user_tickets"};
    auto without_newer = [&](std::vector<std::string> v) {
        std::erase_if(v, [&](const std::string& s) { return newer.contains(s); });
        return v;
    };
    // Roll the tenant back to what an older version wrote.
    auto api = store->get_resource_server_by_identifier(audience).value();
    auto& scopes = api.doc.at("scopes").as_array();
    boost::json::array older;
    for (const auto& s : scopes)
        if (!newer.contains(std::string(s.at("value").as_string()))) older.push_back(s);
    scopes = std::move(older);
    ASSERT_TRUE(store->update_resource_server(api));
    auto full = store->find_client_grant(r->mgmt_client_id, audience).value();
    full.scope = without_newer(full.scope);
    ASSERT_TRUE(store->update_client_grant(full));
    // An operator's narrower machine client.
    store::Client reader;
    reader.client_id = "reader";
    reader.doc = {{"name", "Reader"}, {"app_type", "non_interactive"}};
    ASSERT_TRUE(store->create_client(reader));
    store::ClientGrant narrow{"cgr_reader", "reader", audience, {"read:users"}, 0};
    ASSERT_TRUE(store->create_client_grant(narrow));

    auto added = grant_new_management_scopes(*store, "https://id.example/");
    ASSERT_TRUE(added);
    EXPECT_EQ(*added, 2u);
    EXPECT_EQ(store->get_resource_server_by_identifier(audience)->doc.at("scopes").as_array().size(),
              management_scopes().size());
    auto widened = store->find_client_grant(r->mgmt_client_id, audience).value().scope;
    EXPECT_EQ(std::set<std::string>(widened.begin(), widened.end()),
              std::set<std::string>(management_scopes().begin(), management_scopes().end()));
    EXPECT_EQ(store->find_client_grant("reader", audience)->scope, std::vector<std::string>{"read:users"})
        << "a grant the operator narrowed is not widened";
    EXPECT_EQ(grant_new_management_scopes(*store, "https://id.example/").value(), 0u) << "idempotent";

    auto fresh = store::open_store("sqlite::memory:");
    ASSERT_TRUE(fresh->migrate());
    EXPECT_EQ(grant_new_management_scopes(*fresh, "https://id.example/").value(), 0u) << "no Management API yet";
}

}  // namespace
}  // namespace gatehouse::mgmt
