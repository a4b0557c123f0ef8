#include "oauth/catalog.hpp"
#include "mgmt/bootstrap.hpp"
#include "unit/oauth/test_config.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace gatehouse::oauth {
namespace {

struct Tenant {
    std::unique_ptr<store::Store> store = store::open_store("sqlite::memory:");
    TenantConfig config = test_tenant_config();
    mgmt::BootstrapResult boot;
    Tenant() {
        mgmt::BootstrapOptions options{config.issuer, config.secret_hash_key,      {}, {},
                                       true,          {"http://localhost:3000/cb"}};
        boot = mgmt::bootstrap_tenant(*store, options).value();
    }
};

TEST(Catalog, SeesTheBootstrappedClientsApisAndConnections) {
    Tenant t;
    Catalog catalog(*t.store, t.config);
    auto demo = catalog.client(t.boot.demo_client_id);
    ASSERT_TRUE(demo);
    EXPECT_TRUE(demo->is_public());
    EXPECT_TRUE(demo->allows_origin("http://localhost:3000"));
    EXPECT_FALSE(demo->allows_origin("http://localhost:3001"));
    auto connections = catalog.connections();
    ASSERT_EQ(connections.size(), 1u);
    EXPECT_EQ(connections.front()->name(), "Username-Password-Authentication");
    EXPECT_TRUE(connections.front()->enabled_for(t.boot.demo_client_id));
    ASSERT_TRUE(catalog.api("http://127.0.0.1:8080/api/v2/"));
    EXPECT_TRUE(catalog.api("https://127.0.0.1:8080/api/v2/")) << "Auth0's Node SDK spelling of the audience";
    EXPECT_FALSE(catalog.client("unknown"));
    EXPECT_TRUE(catalog.client_grant(t.boot.mgmt_client_id, "http://127.0.0.1:8080/api/v2/"));
    EXPECT_TRUE(catalog.any_client_allows_origin("http://localhost:3000"));
}

TEST(Catalog, StoredUrlsThatBreakTheRulesNeverMatch) {
    // A document from before the URL rules (or written to the store by hand): it loads, keeps what
    // is valid, and names the rest for the log.
    Tenant t;
    store::Client legacy;
    legacy.client_id = "legacyClient";
    legacy.doc = {{"name", "Legacy"},
                  {"app_type", "spa"},
                  {"token_endpoint_auth_method", "none"},
                  {"callbacks", boost::json::array{"javascript:alert(1)", "*", "http://app.example.com/cb",
                                                   "https://app.example.com/cb#x", "https://*.com/cb",
                                                   "https://app.example.com/cb", 7}},
                  {"allowed_logout_urls", boost::json::array{"data:text/html,hi", "https://app.example.com/bye"}},
                  {"web_origins", boost::json::array{"*", "https://*.example.com"}},
                  {"allowed_origins", "not an array"}};
    ASSERT_TRUE(t.store->create_client(legacy));
    Catalog catalog(*t.store, t.config);
    auto view = catalog.client("legacyClient");
    ASSERT_TRUE(view);
    EXPECT_EQ(view->callbacks, std::vector<std::string>{"https://app.example.com/cb"});
    EXPECT_EQ(view->allowed_logout_urls, std::vector<std::string>{"https://app.example.com/bye"});
    EXPECT_EQ(view->web_origins, std::vector<std::string>{"https://*.example.com"});
    EXPECT_TRUE(view->allowed_origins.empty());
    EXPECT_EQ(view->ignored_urls.size(), 7u);
    EXPECT_EQ(view->ignored_urls.front().rfind("callbacks[0]: ", 0), 0u) << view->ignored_urls.front();
    EXPECT_FALSE(view->allows_origin("http://app.example.com"));
    EXPECT_FALSE(view->allows_origin("https://evil.com"));
    EXPECT_TRUE(view->allows_origin("https://a.example.com"));
    EXPECT_FALSE(view->allows_origin("https://a.b.example.com"));
    EXPECT_TRUE(catalog.any_client_allows_origin("https://b.example.com"));
    EXPECT_FALSE(catalog.any_client_allows_origin("https://b.c.example.com"));
    EXPECT_FALSE(catalog.any_client_allows_origin("http://app.example.com"));

    // A native app may keep a private-use scheme callback, still never javascript:.
    store::Client native;
    native.client_id = "nativeClient";
    native.doc = {{"name", "Native"},
                  {"app_type", "native"},
                  {"callbacks", boost::json::array{"com.example.app:/cb", "javascript:alert(1)"}}};
    ASSERT_TRUE(t.store->create_client(native));
    EXPECT_EQ(catalog.client("nativeClient")->callbacks, std::vector<std::string>{"com.example.app:/cb"});
}

TEST(Catalog, InvalidateDropsCachedEntries) {
    Tenant t;
    Catalog catalog(*t.store, t.config);
    auto before = catalog.client(t.boot.demo_client_id);
    auto row = t.store->get_client(t.boot.demo_client_id).value();
    row.doc["name"] = "Renamed";
    ASSERT_TRUE(t.store->update_client(row));
    catalog.invalidate();
    EXPECT_EQ(catalog.client(t.boot.demo_client_id)->name, "Renamed");
}

TEST(Catalog, CachedKeysNeverReadTheStore) {
    Tenant t;
    Catalog catalog(*t.store, t.config);
    EXPECT_FALSE(catalog.cached_keys()) << "nothing loaded yet: the caller must go through keys()";
    auto keys = catalog.keys();
    ASSERT_TRUE(keys);
    EXPECT_EQ(catalog.cached_keys(), keys);
    catalog.invalidate();
    EXPECT_FALSE(catalog.cached_keys());
    keys = catalog.keys();
    EXPECT_EQ(catalog.cached_keys(), keys);
    // Once the version check is due, only keys() (on the blocking pool) may make it.
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    EXPECT_FALSE(catalog.cached_keys());
    keys = catalog.keys();
    EXPECT_EQ(catalog.cached_keys(), keys);
}

TEST(Catalog, ClientCredentialsAreCachedOnlyWhenEverythingTheyReadIs) {
    Tenant t;
    Catalog catalog(*t.store, t.config);
    const std::string& id = t.boot.mgmt_client_id;
    const std::string audience = "http://127.0.0.1:8080/api/v2/";
    auto load_all = [&] {
        ASSERT_TRUE(catalog.client(id));
        auto api = catalog.api(audience);
        ASSERT_TRUE(api);
        ASSERT_TRUE(catalog.client_grant(id, api->identifier));
        ASSERT_TRUE(catalog.keys());
    };
    EXPECT_FALSE(catalog.client_credentials_cached(id, audience)) << "nothing loaded yet";
    ASSERT_TRUE(catalog.client(id));
    ASSERT_TRUE(catalog.keys());
    EXPECT_FALSE(catalog.client_credentials_cached(id, audience)) << "the API and its grant are not cached";
    load_all();
    EXPECT_TRUE(catalog.client_credentials_cached(id, audience));
    EXPECT_TRUE(catalog.client_credentials_cached(id, "https://127.0.0.1:8080/api/v2/")) << "Node SDK spelling";
    EXPECT_FALSE(catalog.client_credentials_cached(id, "https://unknown.example/"));
    EXPECT_FALSE(catalog.client_credentials_cached(t.boot.demo_client_id, audience)) << "no grant for the SPA";
    catalog.invalidate();
    EXPECT_FALSE(catalog.client_credentials_cached(id, audience)) << "a local write drops the caches";
    load_all();
    EXPECT_TRUE(catalog.client_credentials_cached(id, audience));
    // Once the version check is near, the store must be asked again, from the blocking pool.
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    EXPECT_FALSE(catalog.client_credentials_cached(id, audience));
}

}  // namespace
}  // namespace gatehouse::oauth
