// One suite, every backend: the contract written on store.hpp, checked the same way for SQLite
// (a file, and :memory:) and PostgreSQL (when GATEHOUSE_TEST_PG_URL is set).
#include "store/backends.hpp"
#include "store/event_log.hpp"
#include "store/migrations.hpp"
#include "store/sql/user_search_sql.hpp"
#include "store/sqlite/sqlite_connection.hpp"
#include "store/store.hpp"
#include "util/json.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <map>
#include <set>
#include <thread>
#include <tuple>

namespace gatehouse::store {
namespace {

using test_backends::backend;
using test_backends::log_equals;

class StoreConformance : public ::testing::TestWithParam<backend> {
  protected:
    void SetUp() override {
        if (auto why = GetParam().unavailable(); !why.empty()) GTEST_SKIP() << why;
        url_ = GetParam().create();
        store_ = open_store(url_, 4);
    }
    void TearDown() override {
        store_.reset();
        if (!url_.empty()) GetParam().destroy(url_);
    }
    // A second, independent handle on the same database: what another instance would hold.
    std::unique_ptr<Store> second_instance() { return open_store(url_, 4); }

    Store& s() { return *store_; }

    std::string url_;
    std::unique_ptr<Store> store_;
};

template <class T>
void expect_error(const result<T>& r, store_errc e) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), make_error_code(e)) << r.error().message();
}

Client make_client(std::string id, std::int64_t created_at = 100) {
    Client c;
    c.client_id = std::move(id);
    c.secret_hash = "hash-of-" + c.client_id;
    c.doc = {{"name", "App " + c.client_id}, {"callbacks", json::array{"https://app.example/cb"}}};
    c.created_at = created_at;
    c.updated_at = created_at;
    return c;
}

Connection make_connection(std::string id, std::string name, std::string strategy, std::int64_t created_at = 100) {
    Connection c;
    c.id = std::move(id);
    c.name = std::move(name);
    c.strategy = std::move(strategy);
    c.doc = {{"options", json::object{{"client_id", "upstream"}}}, {"enabled_clients", json::array{}}};
    c.created_at = created_at;
    c.updated_at = created_at;
    return c;
}

ResourceServer make_api(std::string id, std::string identifier, std::int64_t created_at = 100) {
    ResourceServer r;
    r.id = std::move(id);
    r.identifier = std::move(identifier);
    r.doc = {{"name", "API"}, {"scopes", json::array{json::object{{"value", "read:things"}}}}};
    r.created_at = created_at;
    r.updated_at = created_at;
    return r;
}

ClientGrant make_grant(std::string id, std::string client_id, std::string audience, std::int64_t created_at = 100) {
    ClientGrant g;
    g.id = std::move(id);
    g.client_id = std::move(client_id);
    g.audience = std::move(audience);
    g.scope = {"read:things", "write:things"};
    g.created_at = created_at;
    return g;
}

User make_user(std::string id, std::string connection, std::string email, std::int64_t created_at = 100) {
    User u;
    u.user_id = std::move(id);
    u.connection = std::move(connection);
    u.email = std::move(email);
    u.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
    u.doc = {{"name", "Someone"}, {"email_verified", false}};
    u.created_at = created_at;
    u.updated_at = created_at;
    return u;
}

AuthorizationCode make_code(std::string hash) {
    AuthorizationCode c;
    c.code_hash = std::move(hash);
    c.grant_id = "grant-" + c.code_hash;
    c.client_id = "client1";
    c.user_id = "auth0|abc";
    c.redirect_uri = "https://app.example/cb";
    c.scope = "openid profile offline_access";
    c.audience = "https://api.example/";
    c.nonce = "n-0S6_WzA2Mj";
    c.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    c.code_challenge_method = "S256";
    c.session_id = "sess";
    c.auth_time = 1000;
    c.expires_at = 1060;
    return c;
}

RefreshToken make_refresh(std::string hash, std::string grant_id = "g1") {
    RefreshToken t;
    t.token_hash = std::move(hash);
    t.grant_id = std::move(grant_id);
    t.client_id = "client1";
    t.user_id = "auth0|abc";
    t.scope = "openid offline_access";
    t.audience = "https://api.example/";
    t.session_id = "sess";
    t.auth_time = 1000;
    t.created_at = 1000;
    t.expires_at = 100000;
    return t;
}

SigningKey make_key(std::string kid, std::int64_t created_at) {
    SigningKey k;
    k.kid = std::move(kid);
    k.alg = "RS256";
    // Opaque bytes, deliberately not text: the store must carry them unchanged.
    k.private_key = std::string("\x00\x01\xff\xfe-encrypted-", 16) + k.kid;
    k.public_jwk = R"({"kty":"RSA","kid":")" + k.kid + R"(","n":"AQAB","e":"AQAB"})";
    k.created_at = created_at;
    return k;
}

// ---- schema and meta --------------------------------------------------------------------------

TEST_P(StoreConformance, MigrateIsIdempotentAndReportsLatestVersion) {
    auto v1 = s().migrate();
    ASSERT_TRUE(v1) << v1.error().message();
    EXPECT_EQ(*v1, latest_schema_version());
    auto v2 = s().migrate();
    ASSERT_TRUE(v2);
    EXPECT_EQ(*v2, latest_schema_version());
    if (GetParam().shared) {
        auto other = second_instance();  // open_store migrates again, on a migrated database
        auto v3 = other->migrate();
        ASSERT_TRUE(v3);
        EXPECT_EQ(*v3, latest_schema_version());
    }
}

// A database restart or failover ends the server side of every pooled connection while the
// instance is idle; the first request afterwards must not fail on a dead session (the hosted login
// page answered "Login expired" to a user whose login was intact).
TEST_P(StoreConformance, PooledSessionsTheServerEndedAreReplacedBeforeTheNextStatement) {
    if (!GetParam().end_sessions) GTEST_SKIP() << "an embedded database has no server sessions";
    ASSERT_TRUE(s().create_client(make_client("before-restart")));
    // Every pooled connection has a live, prepared session.
    std::vector<std::thread> warm;
    for (int t = 0; t < 8; ++t)
        warm.emplace_back([&] {
            for (int i = 0; i < 10; ++i) (void)s().get_client("before-restart");
        });
    for (auto& t : warm) t.join();

    GetParam().end_sessions(url_);

    auto first = s().get_client("before-restart");
    ASSERT_TRUE(first) << "the first statement after the restart: " << first.error().message();
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10; ++i)
                if (!s().get_client("before-restart")) ++failures;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0) << "statements on the other pooled connections";
    EXPECT_TRUE(s().create_client(make_client("after-restart")));
}

TEST_P(StoreConformance, InstancesStartingTogetherMigrateOnce) {
    if (!GetParam().shared) GTEST_SKIP() << "each in-memory store is its own database";
    auto url = GetParam().create();  // untouched: nobody has migrated it yet
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            try {
                auto st = open_store(url, 1);
                if (st->migrate().value() != latest_schema_version()) ++failures;
            } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
                ++failures;
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    {
        auto st = open_store(url, 1);
        EXPECT_TRUE(st->create_client(make_client("after-concurrent-migrate")));
    }
    GetParam().destroy(url);
}

TEST_P(StoreConformance, MetaSetGetOverwrite) {
    auto missing = s().get_meta("initialized");
    ASSERT_TRUE(missing);
    EXPECT_FALSE(missing->has_value());
    ASSERT_TRUE(s().set_meta("initialized", "1"));
    ASSERT_TRUE(s().set_meta("secret_hmac_key", "k1"));
    ASSERT_TRUE(s().set_meta("secret_hmac_key", "k2"));
    EXPECT_EQ(s().get_meta("initialized").value(), std::optional<std::string>("1"));
    EXPECT_EQ(s().get_meta("secret_hmac_key").value(), std::optional<std::string>("k2"));
}

TEST_P(StoreConformance, ConfigVersionBumpsOnEveryConfigWriteOnly) {
    auto v = s().config_version().value();
    auto bumped = [&](const char* what) {
        auto now = s().config_version().value();
        EXPECT_GT(now, v) << what << " did not bump config_version";
        v = now;
    };
    auto unchanged = [&](const char* what) { EXPECT_EQ(s().config_version().value(), v) << what; };

    ASSERT_TRUE(s().create_client(make_client("c1")));
    bumped("create_client");
    auto c = make_client("c1");
    c.doc["name"] = "Renamed";
    ASSERT_TRUE(s().update_client(c));
    bumped("update_client");
    ASSERT_TRUE(s().create_connection(make_connection("con_1", "db", "auth0")));
    bumped("create_connection");
    ASSERT_TRUE(s().update_connection(make_connection("con_1", "db", "auth0"), 1));
    bumped("update_connection");
    ASSERT_TRUE(s().create_resource_server(make_api("rs1", "https://api.example/")));
    bumped("create_resource_server");
    ASSERT_TRUE(s().update_resource_server(make_api("rs1", "https://api.example/")));
    bumped("update_resource_server");
    ASSERT_TRUE(s().create_client_grant(make_grant("cgr_1", "c1", "https://api.example/")));
    bumped("create_client_grant");
    ASSERT_TRUE(s().update_client_grant(make_grant("cgr_1", "c1", "https://api.example/")));
    bumped("update_client_grant");
    ASSERT_TRUE(s().add_key(make_key("k1", 10)));
    bumped("add_key");
    ASSERT_TRUE(s().rotate_key(make_key("k2", 20), 20, 1000));
    bumped("rotate_key");
    ASSERT_TRUE(s().delete_client_grant("cgr_1"));
    bumped("delete_client_grant");
    ASSERT_TRUE(s().delete_resource_server("rs1"));
    bumped("delete_resource_server");
    ASSERT_TRUE(s().delete_connection("con_1"));
    bumped("delete_connection");
    ASSERT_TRUE(s().delete_client("c1"));
    bumped("delete_client");

    // Failed writes roll back, bump included; protocol artefacts are not configuration.
    EXPECT_FALSE(s().delete_client("c1"));
    EXPECT_FALSE(s().update_connection(make_connection("con_1", "db", "auth0"), 1));
    unchanged("failed config writes");
    ASSERT_TRUE(s().create_user(make_user("auth0|1", "db", "a@example.com")));
    ASSERT_TRUE(s().create_code(make_code("code")));
    ASSERT_TRUE(s().set_meta("k", "v"));
    unchanged("user/code/meta writes");

    if (GetParam().shared) {
        auto other = second_instance();
        EXPECT_EQ(other->config_version().value(), v) << "another instance sees the same counter";
        ASSERT_TRUE(other->create_client(make_client("c2")));
        EXPECT_GT(s().config_version().value(), v) << "a write by another instance is visible here";
    }
}

// ---- tenant settings ------------------------------------------------------------------------

TEST_P(StoreConformance, TenantSettingsStartEmptyAndUpdatesAreOptimistic) {
    auto initial = s().get_tenant_settings();
    ASSERT_TRUE(initial) << initial.error().message();
    EXPECT_TRUE(initial->doc.empty());
    EXPECT_EQ(initial->version, 0);

    auto v = s().config_version().value();
    TenantSettings next{
        {{"friendly_name", "Acme"}, {"flags", json::object{{"enable_client_connections", false}}}}, 0, 50};
    ASSERT_TRUE(s().put_tenant_settings(next, 0));
    EXPECT_GT(s().config_version().value(), v) << "a settings write is a configuration write";
    auto stored = s().get_tenant_settings().value();
    EXPECT_EQ(stored.doc, next.doc);
    EXPECT_EQ(stored.version, 1);
    EXPECT_EQ(stored.updated_at, 50);

    // A writer that read version 0 lost the race: nothing changes, config_version included.
    v = s().config_version().value();
    TenantSettings stale{{{"friendly_name", "Stale"}}, 0, 60};
    expect_error(s().put_tenant_settings(stale, 0), store_errc::conflict);
    EXPECT_EQ(s().get_tenant_settings().value().doc, next.doc);
    EXPECT_EQ(s().config_version().value(), v);

    if (GetParam().shared) {
        auto other = second_instance();
        EXPECT_EQ(other->get_tenant_settings().value().doc, next.doc) << "another instance reads the same document";
    }
}

// ---- keys -----------------------------------------------------------------------------------

TEST_P(StoreConformance, KeysAreListedNewestFirstAndRotationKeepsOldUntilExpiry) {
    ASSERT_TRUE(s().add_key(make_key("k1", 100)));
    auto keys = s().list_keys(150).value();
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(keys[0].kid, "k1");
    EXPECT_EQ(keys[0].private_key, make_key("k1", 100).private_key) << "private key bytes round-trip";
    EXPECT_EQ(keys[0].public_jwk, make_key("k1", 100).public_jwk);
    EXPECT_EQ(keys[0].alg, "RS256");
    EXPECT_EQ(keys[0].retired_at, 0);
    EXPECT_EQ(keys[0].expires_at, 0);

    ASSERT_TRUE(s().rotate_key(make_key("k2", 200), 200, 500));
    ASSERT_TRUE(s().rotate_key(make_key("k3", 300), 300, 600));
    keys = s().list_keys(300).value();
    ASSERT_EQ(keys.size(), 3u);
    EXPECT_EQ(keys[0].kid, "k3");
    EXPECT_EQ(keys[1].kid, "k2");
    EXPECT_EQ(keys[2].kid, "k1");
    int signing = 0;
    for (const auto& k : keys) signing += k.retired_at == 0;
    EXPECT_EQ(signing, 1) << "exactly one signing key";
    EXPECT_EQ(keys[0].retired_at, 0);
    EXPECT_EQ(keys[1].retired_at, 300);
    EXPECT_EQ(keys[1].expires_at, 600);
    EXPECT_EQ(keys[2].retired_at, 200);
    EXPECT_EQ(keys[2].expires_at, 500);

    keys = s().list_keys(500).value();  // k1 expired at 500
    ASSERT_EQ(keys.size(), 2u);
    EXPECT_EQ(keys[1].kid, "k2");
    keys = s().list_keys(10'000).value();
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(keys[0].kid, "k3");

    expect_error(s().add_key(make_key("k3", 400)), store_errc::already_exists);
}

TEST_P(StoreConformance, RotationWithinTheSameSecondStillPutsTheSigningKeyFirst) {
    ASSERT_TRUE(s().add_key(make_key("a", 100)));
    ASSERT_TRUE(s().rotate_key(make_key("b", 100), 100, 1000));
    auto keys = s().list_keys(100).value();
    ASSERT_EQ(keys.size(), 2u);
    EXPECT_EQ(keys[0].kid, "b");
    EXPECT_EQ(keys[0].retired_at, 0);
    EXPECT_NE(keys[1].retired_at, 0);
}

TEST_P(StoreConformance, RotatingOneAlgorithmLeavesTheOtherAlgorithmsSigning) {
    auto es = make_key("es1", 100);
    es.alg = "ES256";
    ASSERT_TRUE(s().add_key(make_key("rs1", 100)));
    ASSERT_TRUE(s().add_key(es));
    auto next = make_key("es2", 200);
    next.alg = "ES256";
    ASSERT_TRUE(s().rotate_key(next, 200, 900));
    std::map<std::string, SigningKey> by_kid;
    for (auto& k : s().list_keys(200).value()) by_kid[k.kid] = k;
    ASSERT_EQ(by_kid.size(), 3u);
    EXPECT_EQ(by_kid["rs1"].retired_at, 0) << "the RS256 key still signs";
    EXPECT_EQ(by_kid["rs1"].expires_at, 0);
    EXPECT_EQ(by_kid["es1"].retired_at, 200);
    EXPECT_EQ(by_kid["es1"].expires_at, 900);
    EXPECT_EQ(by_kid["es2"].retired_at, 0);
}

TEST_P(StoreConformance, ARevokedKeyIsListedButNeverPublishedAndTheSigningKeyCannotBeRevoked) {
    ASSERT_TRUE(s().add_key(make_key("rs1", 100)));
    ASSERT_TRUE(s().rotate_key(make_key("rs2", 200), 200, 0));
    expect_error(s().revoke_key("rs2", 300), store_errc::not_found);  // it signs
    expect_error(s().revoke_key("nope", 300), store_errc::not_found);
    auto before = s().config_version().value();
    ASSERT_TRUE(s().revoke_key("rs1", 300));
    EXPECT_GT(s().config_version().value(), before) << "instances reload their keys";
    expect_error(s().revoke_key("rs1", 400), store_errc::not_found);  // once
    auto published = s().list_keys(300).value();
    ASSERT_EQ(published.size(), 1u);
    EXPECT_EQ(published[0].kid, "rs2");
    auto all = s().list_all_keys().value();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].kid, "rs2");
    EXPECT_EQ(all[1].kid, "rs1");
    EXPECT_EQ(all[1].revoked_at, 300);
    EXPECT_EQ(all[0].revoked_at, 0);
}

// ---- clients --------------------------------------------------------------------------------

TEST_P(StoreConformance, ClientCrud) {
    auto c = make_client("AbCdEfGhIjKlMnOpQrStUvWxYz012345");
    ASSERT_TRUE(s().create_client(c));
    expect_error(s().create_client(c), store_errc::already_exists);

    auto got = s().get_client(c.client_id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->client_id, c.client_id);
    EXPECT_EQ(got->secret_hash, c.secret_hash);
    EXPECT_EQ(got->doc, c.doc);
    EXPECT_EQ(got->created_at, 100);
    expect_error(s().get_client("nope"), store_errc::not_found);

    c.secret_hash = "rotated";
    c.doc["name"] = "Renamed";
    c.updated_at = 200;
    ASSERT_TRUE(s().update_client(c));
    got = s().get_client(c.client_id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->secret_hash, "rotated");
    EXPECT_EQ(got->doc.at("name"), "Renamed");
    EXPECT_EQ(got->created_at, 100);
    EXPECT_EQ(got->updated_at, 200);
    expect_error(s().update_client(make_client("nope")), store_errc::not_found);

    ASSERT_TRUE(s().delete_client(c.client_id));
    expect_error(s().get_client(c.client_id), store_errc::not_found);
    expect_error(s().delete_client(c.client_id), store_errc::not_found);
}

TEST_P(StoreConformance, DeletingAClientDeletesItsGrants) {
    ASSERT_TRUE(s().create_client(make_client("c1")));
    ASSERT_TRUE(s().create_client(make_client("c2")));
    ASSERT_TRUE(s().create_client_grant(make_grant("cgr_1", "c1", "https://a/")));
    ASSERT_TRUE(s().create_client_grant(make_grant("cgr_2", "c1", "https://b/")));
    ASSERT_TRUE(s().create_client_grant(make_grant("cgr_3", "c2", "https://a/")));
    ASSERT_TRUE(s().delete_client("c1"));
    expect_error(s().get_client_grant("cgr_1"), store_errc::not_found);
    expect_error(s().find_client_grant("c1", "https://b/"), store_errc::not_found);
    EXPECT_TRUE(s().get_client_grant("cgr_3"));
}

TEST_P(StoreConformance, ListClientsPagesOldestFirstWithTotal) {
    for (int i : {3, 0, 4, 1, 2}) ASSERT_TRUE(s().create_client(make_client("c" + std::to_string(i), 100 + i)));
    auto all = s().list_clients({}).value();
    EXPECT_EQ(all.total, 5u);
    ASSERT_EQ(all.items.size(), 5u);
    for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(all.items[i].client_id, "c" + std::to_string(i));

    auto page = s().list_clients({.offset = 1, .limit = 2}).value();
    EXPECT_EQ(page.total, 5u);
    ASSERT_EQ(page.items.size(), 2u);
    EXPECT_EQ(page.items[0].client_id, "c1");
    EXPECT_EQ(page.items[1].client_id, "c2");

    auto past = s().list_clients({.offset = 10, .limit = 2}).value();
    EXPECT_EQ(past.total, 5u);
    EXPECT_TRUE(past.items.empty());
}

// ---- connections ----------------------------------------------------------------------------

TEST_P(StoreConformance, ConnectionCrudAndUniqueness) {
    auto c = make_connection("con_aaaaaaaaaaaaaaaa", "Username-Password-Authentication", "auth0");
    ASSERT_TRUE(s().create_connection(c));
    expect_error(s().create_connection(c), store_errc::already_exists);
    expect_error(s().create_connection(make_connection("con_other", c.name, "oidc")), store_errc::already_exists);
    expect_error(s().create_connection(make_connection(c.id, "other-name", "oidc")), store_errc::already_exists);

    auto got = s().get_connection(c.id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->name, c.name);
    EXPECT_EQ(got->strategy, "auth0");
    EXPECT_EQ(got->doc, c.doc);
    EXPECT_EQ(got->version, 1);
    auto by_name = s().get_connection_by_name(c.name);
    ASSERT_TRUE(by_name);
    EXPECT_EQ(by_name->id, c.id);
    expect_error(s().get_connection("con_missing"), store_errc::not_found);
    expect_error(s().get_connection_by_name("missing"), store_errc::not_found);

    ASSERT_TRUE(s().delete_connection(c.id));
    expect_error(s().get_connection(c.id), store_errc::not_found);
    expect_error(s().delete_connection(c.id), store_errc::not_found);
    ASSERT_TRUE(s().create_connection(make_connection("con_new", c.name, "auth0"))) << "name is free again";
}

TEST_P(StoreConformance, ConnectionUpdateIsOptimistic) {
    auto c = make_connection("con_1", "gh", "oauth2");
    ASSERT_TRUE(s().create_connection(c));
    c.doc["display_name"] = "GitHub";
    c.version = 2;
    c.updated_at = 300;
    ASSERT_TRUE(s().update_connection(c, 1));
    auto got = s().get_connection("con_1").value();
    EXPECT_EQ(got.version, 2);
    EXPECT_EQ(got.doc.at("display_name"), "GitHub");
    EXPECT_EQ(got.updated_at, 300);
    EXPECT_EQ(got.created_at, 100);

    c.doc["display_name"] = "Stale writer";
    expect_error(s().update_connection(c, 1), store_errc::conflict);
    EXPECT_EQ(s().get_connection("con_1").value().doc.at("display_name"), "GitHub") << "conflict writes nothing";
    ASSERT_TRUE(s().update_connection(c, 2));
    EXPECT_EQ(s().get_connection("con_1").value().version, 3);
    expect_error(s().update_connection(make_connection("con_missing", "x", "oidc"), 1), store_errc::not_found);
}

TEST_P(StoreConformance, ConcurrentConnectionUpdatesHaveOneWinnerPerVersion) {
    ASSERT_TRUE(s().create_connection(make_connection("con_1", "gh", "oauth2")));
    std::atomic<int> wins{0}, conflicts{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            auto c = make_connection("con_1", "gh", "oauth2");
            c.doc["writer"] = t;
            auto r = s().update_connection(c, 1);
            if (r)
                ++wins;
            else if (r.error() == make_error_code(store_errc::conflict))
                ++conflicts;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(wins.load(), 1);
    EXPECT_EQ(conflicts.load(), 7);
    EXPECT_EQ(s().get_connection("con_1").value().version, 2);
}

TEST_P(StoreConformance, ListConnectionsFiltersByStrategiesAndName) {
    ASSERT_TRUE(s().create_connection(make_connection("con_1", "db", "auth0", 101)));
    ASSERT_TRUE(s().create_connection(make_connection("con_2", "gh", "oauth2", 102)));
    ASSERT_TRUE(s().create_connection(make_connection("con_3", "google", "oidc", 103)));
    ASSERT_TRUE(s().create_connection(make_connection("con_4", "wp", "wordpress", 104)));
    ASSERT_TRUE(s().create_connection(make_connection("con_5", "db2", "auth0", 105)));

    auto all = s().list_connections({}, {}, "").value();
    EXPECT_EQ(all.total, 5u);
    ASSERT_EQ(all.items.size(), 5u);
    EXPECT_EQ(all.items.front().id, "con_1");
    EXPECT_EQ(all.items.back().id, "con_5");

    auto db = s().list_connections({}, {"auth0"}, "").value();
    EXPECT_EQ(db.total, 2u);
    ASSERT_EQ(db.items.size(), 2u);
    EXPECT_EQ(db.items[0].id, "con_1");
    EXPECT_EQ(db.items[1].id, "con_5");

    auto social = s().list_connections({}, {"oidc", "oauth2"}, "").value();
    EXPECT_EQ(social.total, 2u);
    ASSERT_EQ(social.items.size(), 2u);
    EXPECT_EQ(social.items[0].id, "con_2");
    EXPECT_EQ(social.items[1].id, "con_3");

    // A strategy that is a substring of another must not match it.
    EXPECT_EQ(s().list_connections({}, {"oauth"}, "").value().total, 0u);
    EXPECT_EQ(s().list_connections({}, {"auth"}, "").value().total, 0u);

    auto named = s().list_connections({}, {}, "gh").value();
    EXPECT_EQ(named.total, 1u);
    ASSERT_EQ(named.items.size(), 1u);
    EXPECT_EQ(named.items[0].id, "con_2");
    EXPECT_EQ(s().list_connections({}, {"auth0"}, "gh").value().total, 0u);

    auto page = s().list_connections({.offset = 1, .limit = 1}, {"auth0"}, "").value();
    EXPECT_EQ(page.total, 2u);
    ASSERT_EQ(page.items.size(), 1u);
    EXPECT_EQ(page.items[0].id, "con_5");
}

// ---- resource servers -----------------------------------------------------------------------

TEST_P(StoreConformance, ResourceServerCrudAndIdentifierUniqueness) {
    auto r = make_api("0123456789abcdef01234567", "https://api.example/");
    ASSERT_TRUE(s().create_resource_server(r));
    expect_error(s().create_resource_server(make_api("other", r.identifier)), store_errc::already_exists);
    expect_error(s().create_resource_server(make_api(r.id, "https://other/")), store_errc::already_exists);

    auto got = s().get_resource_server(r.id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->identifier, r.identifier);
    EXPECT_EQ(got->doc, r.doc);
    EXPECT_EQ(s().get_resource_server_by_identifier(r.identifier).value().id, r.id);
    expect_error(s().get_resource_server("missing"), store_errc::not_found);
    expect_error(s().get_resource_server_by_identifier("https://missing/"), store_errc::not_found);

    r.doc["token_lifetime"] = 7200;
    r.updated_at = 500;
    ASSERT_TRUE(s().update_resource_server(r));
    got = s().get_resource_server(r.id);
    EXPECT_EQ(got->doc.at("token_lifetime"), 7200);
    EXPECT_EQ(got->updated_at, 500);
    expect_error(s().update_resource_server(make_api("missing", "https://missing/")), store_errc::not_found);

    ASSERT_TRUE(s().create_resource_server(make_api("second", "https://second/", 200)));
    auto list = s().list_resource_servers({.offset = 0, .limit = 1}).value();
    EXPECT_EQ(list.total, 2u);
    ASSERT_EQ(list.items.size(), 1u);
    EXPECT_EQ(list.items[0].id, r.id);

    ASSERT_TRUE(s().delete_resource_server(r.id));
    expect_error(s().get_resource_server(r.id), store_errc::not_found);
    expect_error(s().delete_resource_server(r.id), store_errc::not_found);
}

// ---- client grants --------------------------------------------------------------------------

TEST_P(StoreConformance, ClientGrantCrudUniquenessAndFilters) {
    ASSERT_TRUE(s().create_client_grant(make_grant("cgr_1", "c1", "https://a/", 101)));
    ASSERT_TRUE(s().create_client_grant(make_grant("cgr_2", "c1", "https://b/", 102)));
    ASSERT_TRUE(s().create_client_grant(make_grant("cgr_3", "c2", "https://a/", 103)));
    expect_error(s().create_client_grant(make_grant("cgr_4", "c1", "https://a/")), store_errc::already_exists);
    expect_error(s().create_client_grant(make_grant("cgr_1", "c9", "https://z/")), store_errc::already_exists);

    auto g = s().get_client_grant("cgr_2").value();
    EXPECT_EQ(g.client_id, "c1");
    EXPECT_EQ(g.audience, "https://b/");
    EXPECT_EQ(g.scope, (std::vector<std::string>{"read:things", "write:things"}));
    EXPECT_EQ(s().find_client_grant("c2", "https://a/").value().id, "cgr_3");
    expect_error(s().find_client_grant("c2", "https://b/"), store_errc::not_found);
    expect_error(s().get_client_grant("cgr_9"), store_errc::not_found);

    EXPECT_EQ(s().list_client_grants({}, "", "").value().total, 3u);
    auto by_client = s().list_client_grants({}, "c1", "").value();
    EXPECT_EQ(by_client.total, 2u);
    ASSERT_EQ(by_client.items.size(), 2u);
    EXPECT_EQ(by_client.items[0].id, "cgr_1");
    auto by_audience = s().list_client_grants({}, "", "https://a/").value();
    EXPECT_EQ(by_audience.total, 2u);
    auto both = s().list_client_grants({}, "c2", "https://a/").value();
    ASSERT_EQ(both.items.size(), 1u);
    EXPECT_EQ(both.items[0].id, "cgr_3");
    auto paged = s().list_client_grants({.offset = 2, .limit = 5}, "", "").value();
    EXPECT_EQ(paged.total, 3u);
    ASSERT_EQ(paged.items.size(), 1u);
    EXPECT_EQ(paged.items[0].id, "cgr_3");

    auto upd = make_grant("cgr_1", "c1", "https://a/");
    upd.scope = {};
    ASSERT_TRUE(s().update_client_grant(upd));
    EXPECT_TRUE(s().get_client_grant("cgr_1").value().scope.empty());
    expect_error(s().update_client_grant(make_grant("cgr_9", "c", "a")), store_errc::not_found);
    ASSERT_TRUE(s().delete_client_grant("cgr_1"));
    expect_error(s().delete_client_grant("cgr_1"), store_errc::not_found);
    ASSERT_TRUE(s().create_client_grant(make_grant("cgr_5", "c1", "https://a/"))) << "pair is free again";
}

// ---- users ----------------------------------------------------------------------------------

TEST_P(StoreConformance, UserCrudAndLookups) {
    auto u = make_user("auth0|0123456789abcdef01234567", "db", "Alice@Example.COM");
    u.username = "alice";
    ASSERT_TRUE(s().create_user(u));
    expect_error(s().create_user(make_user(u.user_id, "other", "x@example.com")), store_errc::already_exists);

    auto got = s().get_user(u.user_id).value();
    EXPECT_EQ(got.connection, "db");
    EXPECT_EQ(got.username, "alice");
    EXPECT_EQ(got.password_hash, u.password_hash);
    EXPECT_EQ(got.doc, u.doc);
    EXPECT_EQ(s().find_user_by_email("db", "alice@example.com").value().user_id, u.user_id);
    EXPECT_EQ(s().find_user_by_email("db", "ALICE@EXAMPLE.COM").value().user_id, u.user_id);
    expect_error(s().find_user_by_email("other", "alice@example.com"), store_errc::not_found);
    EXPECT_EQ(s().find_user_by_username("db", "alice").value().user_id, u.user_id);
    expect_error(s().find_user_by_username("db", "bob"), store_errc::not_found);
    expect_error(s().get_user("auth0|missing"), store_errc::not_found);

    u.doc["name"] = "Alice";
    u.password_hash = "new";
    u.updated_at = 900;
    ASSERT_TRUE(s().update_user(u));
    got = s().get_user(u.user_id).value();
    EXPECT_EQ(got.doc.at("name"), "Alice");
    EXPECT_EQ(got.password_hash, "new");
    EXPECT_EQ(got.updated_at, 900);
    expect_error(s().update_user(make_user("auth0|missing", "db", "m@example.com")), store_errc::not_found);

    ASSERT_TRUE(s().delete_user(u.user_id));
    expect_error(s().get_user(u.user_id), store_errc::not_found);
    expect_error(s().delete_user(u.user_id), store_errc::not_found);
    ASSERT_TRUE(s().create_user(make_user("auth0|again", "db", "alice@example.com"))) << "email is free again";
}

TEST_P(StoreConformance, PasswordHashIsReplacedOnlyWhileUnchanged) {
    auto u = make_user("auth0|rehash", "db", "rehash@example.com");
    u.password_hash = "$2b$10$old";
    ASSERT_TRUE(s().create_user(u));
    ASSERT_TRUE(s().replace_password_hash(u.user_id, "$2b$10$old", "$argon2id$new"));
    EXPECT_EQ(s().get_user(u.user_id).value().password_hash, "$argon2id$new");
    // A second upgrade from the old hash (a login that verified it before the first one wrote)
    // must not undo what happened since: here, an administrator's password change.
    u.password_hash = "$argon2id$set-by-admin";
    ASSERT_TRUE(s().update_user(u));
    expect_error(s().replace_password_hash(u.user_id, "$2b$10$old", "$argon2id$stale"), store_errc::not_found);
    EXPECT_EQ(s().get_user(u.user_id).value().password_hash, "$argon2id$set-by-admin");
    expect_error(s().replace_password_hash("auth0|missing", "", "x"), store_errc::not_found);
}

TEST_P(StoreConformance, UserEmailAndUsernameAreUniqueWithinAConnection) {
    ASSERT_TRUE(s().create_user(make_user("auth0|1", "db", "bob@example.com")));
    expect_error(s().create_user(make_user("auth0|2", "db", "BOB@example.com")), store_errc::already_exists);
    ASSERT_TRUE(s().create_user(make_user("oauth2|gh|2", "gh", "bob@example.com"))) << "other connection";
    // Social users may have no email (or username): those never collide.
    ASSERT_TRUE(s().create_user(make_user("twitter|1", "tw", "")));
    ASSERT_TRUE(s().create_user(make_user("twitter|2", "tw", "")));
    expect_error(s().find_user_by_email("tw", ""), store_errc::not_found);

    auto a = make_user("auth0|3", "db", "carol@example.com");
    a.username = "carol";
    ASSERT_TRUE(s().create_user(a));
    auto b = make_user("auth0|4", "db", "dave@example.com");
    b.username = "carol";
    expect_error(s().create_user(b), store_errc::already_exists);

    // Changing an email onto a taken one is refused and changes nothing.
    auto moved = make_user("auth0|3", "db", "Bob@Example.com");
    moved.username = "carol";
    expect_error(s().update_user(moved), store_errc::already_exists);
    EXPECT_EQ(s().get_user("auth0|3").value().email, "carol@example.com");
}

TEST_P(StoreConformance, ListUsersByEmailAcrossConnections) {
    ASSERT_TRUE(s().create_user(make_user("auth0|1", "db", "bob@example.com", 101)));
    ASSERT_TRUE(s().create_user(make_user("oauth2|gh|1", "gh", "Bob@Example.com", 102)));
    ASSERT_TRUE(s().create_user(make_user("auth0|2", "db", "eve@example.com", 103)));
    auto all = s().list_users({}, "").value();
    EXPECT_EQ(all.total, 3u);
    ASSERT_EQ(all.items.size(), 3u);
    EXPECT_EQ(all.items[0].user_id, "auth0|1");
    auto bobs = s().list_users({}, "BOB@example.com").value();
    EXPECT_EQ(bobs.total, 2u);
    ASSERT_EQ(bobs.items.size(), 2u);
    EXPECT_EQ(bobs.items[0].user_id, "auth0|1");
    EXPECT_EQ(bobs.items[1].user_id, "oauth2|gh|1");
    auto page = s().list_users({.offset = 1, .limit = 1}, "bob@example.com").value();
    EXPECT_EQ(page.total, 2u);
    ASSERT_EQ(page.items.size(), 1u);
    EXPECT_EQ(page.items[0].user_id, "oauth2|gh|1");
    EXPECT_EQ(s().list_users({}, "nobody@example.com").value().total, 0u);
}

// ---- user search (the filter tree composed into SQL) -------------------------------------------

UserFilter match(UserField field, UserMatch::op kind, std::string value = {}, std::vector<std::string> path = {}) {
    UserFilter f;
    f.match.field = field;
    f.match.kind = kind;
    f.match.value = std::move(value);
    f.match.path = std::move(path);
    return f;
}

UserFilter node(UserFilter::op kind, std::vector<UserFilter> children) {
    UserFilter f;
    f.kind = kind;
    f.children = std::move(children);
    return f;
}

class UserSearchConformance : public StoreConformance {
  protected:
    void seed() {
        auto jane = make_user("auth0|jane", "db", "Jane.Doe@Example.com", 101);
        jane.doc = {{"name", "Jane Doe"},
                    {"nickname", "JD"},
                    {"email_verified", true},
                    {"logins_count", 7},
                    {"last_login", "2024-03-01T10:00:00.000Z"},
                    {"app_metadata", {{"plan", "gold"}, {"seats", 5}, {"beta", true}, {"org", {{"tier", "x"}}}}}};
        auto janet = make_user("auth0|janet", "db", "janet@example.com", 102);
        janet.doc = {{"name", "Janet"}, {"logins_count", 2}, {"app_metadata", {{"plan", "5"}}}};
        janet.username = "janet";
        auto bob = make_user("oauth2|gh|bob", "gh", "bob@example.com", 103);
        bob.doc = {{"name", "Bob \xc3\xa9"}, {"blocked", true}, {"logins_count", 0}};
        auto quote = make_user("auth0|q'uote", "db", "o'hara@example.com", 104);
        quote.doc = {{"name", "x' OR '1'='1"}, {"user_metadata", {{"k'); DROP TABLE users; --", "v"}}}};
        for (auto* u : {&jane, &janet, &bob, &quote}) ASSERT_TRUE(s().create_user(*u));
    }
    std::vector<std::string> ids(UserSearch search) {
        search.page.limit = 100;
        auto r = s().search_users(search);
        EXPECT_TRUE(r) << r.error().message();
        std::vector<std::string> out;
        if (r)
            for (const auto& u : r->items) out.push_back(u.user_id);
        return out;
    }
    std::vector<std::string> ids(UserFilter f) {
        UserSearch search;
        search.filter = std::move(f);
        return ids(std::move(search));
    }
};

TEST_P(UserSearchConformance, EqualsPrefixAndCaseFolding) {
    seed();
    using V = std::vector<std::string>;
    EXPECT_EQ(ids(match(UserField::email, UserMatch::op::equals, "jane.doe@example.com")), V{"auth0|jane"});
    EXPECT_EQ(ids(match(UserField::email, UserMatch::op::prefix, "jane")), (V{"auth0|jane", "auth0|janet"}));
    EXPECT_EQ(ids(match(UserField::name, UserMatch::op::equals, "jane doe")), V{"auth0|jane"});
    EXPECT_EQ(ids(match(UserField::name, UserMatch::op::prefix, "jan")), (V{"auth0|jane", "auth0|janet"}));
    // Non-ASCII compares bytewise (no locale folding) on both backends.
    EXPECT_EQ(ids(match(UserField::name, UserMatch::op::prefix, "bob \xc3\xa9")), V{"oauth2|gh|bob"});
    EXPECT_EQ(ids(match(UserField::name, UserMatch::op::prefix, "bob \xc3\x89")), V{});
    EXPECT_EQ(ids(match(UserField::user_id, UserMatch::op::prefix, "auth0|")),
              (V{"auth0|jane", "auth0|janet", "auth0|q'uote"}));
    EXPECT_EQ(ids(match(UserField::user_id, UserMatch::op::equals, "AUTH0|jane")), V{});
    EXPECT_EQ(ids(match(UserField::connection, UserMatch::op::equals, "gh")), V{"oauth2|gh|bob"});
    EXPECT_EQ(ids(match(UserField::username, UserMatch::op::equals, "janet")), V{"auth0|janet"});
    EXPECT_EQ(ids(match(UserField::username, UserMatch::op::exists)), V{"auth0|janet"});
    EXPECT_EQ(ids(match(UserField::email_domain, UserMatch::op::equals, "example.com")),
              (V{"auth0|jane", "auth0|janet", "oauth2|gh|bob", "auth0|q'uote"}));
    EXPECT_EQ(ids(match(UserField::email_domain, UserMatch::op::equals, "xample.com")), V{});
    EXPECT_EQ(ids(match(UserField::email_domain, UserMatch::op::equals, "example.co")), V{});
}

TEST_P(UserSearchConformance, BooleansNumbersDatesAndMetadata) {
    seed();
    using V = std::vector<std::string>;
    EXPECT_EQ(ids(match(UserField::email_verified, UserMatch::op::equals, "true")), V{"auth0|jane"});
    EXPECT_EQ(ids(match(UserField::blocked, UserMatch::op::equals, "true")), V{"oauth2|gh|bob"});
    EXPECT_EQ(ids(match(UserField::blocked, UserMatch::op::equals, "false")),
              (V{"auth0|jane", "auth0|janet", "auth0|q'uote"}));
    EXPECT_EQ(ids(match(UserField::logins_count, UserMatch::op::equals, "7")), V{"auth0|jane"});
    auto range = match(UserField::logins_count, UserMatch::op::range);
    range.match.lower = RangeBound{"1", true};
    range.match.upper = RangeBound{"7", false};
    EXPECT_EQ(ids(range), V{"auth0|janet"});
    auto created = match(UserField::created_at, UserMatch::op::range);
    created.match.lower = RangeBound{"102", true};
    EXPECT_EQ(ids(created), (V{"auth0|janet", "oauth2|gh|bob", "auth0|q'uote"}));
    auto login = match(UserField::last_login, UserMatch::op::range);
    login.match.lower = RangeBound{"2024-03-01T00:00:00.000Z", true};
    login.match.upper = RangeBound{"2024-03-02T00:00:00.000Z", false};
    EXPECT_EQ(ids(login), V{"auth0|jane"});

    std::vector<std::string> plan = {"app_metadata", "plan"};
    EXPECT_EQ(ids(match(UserField::metadata, UserMatch::op::equals, "gold", plan)), V{"auth0|jane"});
    EXPECT_EQ(ids(match(UserField::metadata, UserMatch::op::equals, "Gold", plan)), V{});
    // "5" matches the string "5" and the number 5 alike.
    EXPECT_EQ(ids(match(UserField::metadata, UserMatch::op::equals, "5", plan)), V{"auth0|janet"});
    EXPECT_EQ(ids(match(UserField::metadata, UserMatch::op::equals, "5", {"app_metadata", "seats"})), V{"auth0|jane"});
    EXPECT_EQ(ids(match(UserField::metadata, UserMatch::op::equals, "5.0e0", {"app_metadata", "seats"})),
              V{"auth0|jane"});
    // Spellings only one backend would read as a number are text: no match on either.
    for (const char* v : {"inf", "nan", "Infinity", "0x5", " 5"})
        EXPECT_EQ(ids(match(UserField::metadata, UserMatch::op::equals, v, {"app_metadata", "seats"})), V{}) << v;
    EXPECT_EQ(ids(match(UserField::metadata, UserMatch::op::equals, "true", {"app_metadata", "beta"})),
              V{"auth0|jane"});
    EXPECT_EQ(ids(match(UserField::metadata, UserMatch::op::equals, "x", {"app_metadata", "org", "tier"})),
              V{"auth0|jane"});
    EXPECT_EQ(ids(match(UserField::metadata, UserMatch::op::exists, "", plan)), (V{"auth0|jane", "auth0|janet"}));
}

TEST_P(UserSearchConformance, BooleanOperatorsTreatMissingFieldsAsLuceneDoes) {
    seed();
    using V = std::vector<std::string>;
    auto plan_gold = match(UserField::metadata, UserMatch::op::equals, "gold", {"app_metadata", "plan"});
    // NOT of a field a user does not have is true (SQL's NULL must not drop the row).
    EXPECT_EQ(ids(node(UserFilter::op::negate, {plan_gold})), (V{"auth0|janet", "oauth2|gh|bob", "auth0|q'uote"}));
    EXPECT_EQ(ids(node(UserFilter::op::any_of, {plan_gold, match(UserField::connection, UserMatch::op::equals, "gh")})),
              (V{"auth0|jane", "oauth2|gh|bob"}));
    EXPECT_EQ(ids(node(UserFilter::op::all_of,
                       {match(UserField::email, UserMatch::op::prefix, "jane"),
                        node(UserFilter::op::negate, {match(UserField::name, UserMatch::op::equals, "janet")})})),
              V{"auth0|jane"});
}

TEST_P(UserSearchConformance, ValuesAndPathsAreParametersNotSql) {
    seed();
    using V = std::vector<std::string>;
    // Quotes, comment markers and statement separators are only ever data.
    EXPECT_EQ(ids(match(UserField::name, UserMatch::op::equals, "x' or '1'='1")), V{"auth0|q'uote"});
    EXPECT_EQ(ids(match(UserField::user_id, UserMatch::op::equals, "auth0|q'uote")), V{"auth0|q'uote"});
    EXPECT_EQ(ids(match(UserField::email, UserMatch::op::equals, "' OR 1=1 --")), V{});
    // The path is bound too: the key is looked up as written (the parser refuses such keys anyway).
    EXPECT_EQ(
        ids(match(UserField::metadata, UserMatch::op::equals, "v", {"user_metadata", "k'); DROP TABLE users; --"})),
        V{"auth0|q'uote"});
    EXPECT_EQ(ids(match(UserField::metadata, UserMatch::op::equals, "1) OR (1=1", {"app_metadata", "plan"})), V{});
    EXPECT_EQ(s().list_users({}, "").value().total, 4u);
}

TEST_P(UserSearchConformance, SortPagingTotalsAndConnection) {
    seed();
    using V = std::vector<std::string>;
    UserSearch search;
    search.sort = UserSort{UserField::logins_count, true};
    // Users without logins_count sort last in either direction.
    EXPECT_EQ(ids(search), (V{"auth0|jane", "auth0|janet", "oauth2|gh|bob", "auth0|q'uote"}));
    search.sort = UserSort{UserField::logins_count, false};
    EXPECT_EQ(ids(search), (V{"oauth2|gh|bob", "auth0|janet", "auth0|jane", "auth0|q'uote"}));
    search.sort = UserSort{UserField::email, true};
    EXPECT_EQ(ids(search), (V{"auth0|q'uote", "auth0|janet", "auth0|jane", "oauth2|gh|bob"}));

    UserSearch paged;
    paged.connection = "db";
    paged.page = Page{1, 1};
    paged.with_total = true;
    auto r = s().search_users(paged).value();
    EXPECT_EQ(r.total, 3u);
    ASSERT_EQ(r.items.size(), 1u);
    EXPECT_EQ(r.items[0].user_id, "auth0|janet");
    paged.filter = match(UserField::name, UserMatch::op::prefix, "jan");
    paged.page = Page{0, 10};
    EXPECT_EQ(s().search_users(paged).value().total, 2u);
}

// On SQLite a search in the default order either sorts every match or walks the created_at index,
// chosen by how many rows match (sql_store::search_users); both must give the same pages, and on
// PostgreSQL (one plan) the same again.
TEST_P(UserSearchConformance, DenseAndSparseMatchesPageAlikeWhicheverPlanRuns) {
    struct seeded {
        std::int64_t created_at;
        std::string user_id, connection, email;
    };
    std::vector<seeded> all;
    for (int k = 0; k < 400; ++k) {
        // created_at runs against the email order, so neither index gives the other's order.
        auto created = static_cast<std::int64_t>((k * 7919) % 400) + 1000;
        auto email = (k % 10 == 9 ? "zed" : "user") + std::to_string(k) + "@example.com";
        seeded u{created, "auth0|" + std::to_string(k), k % 3 == 0 ? "other" : "db", email};
        ASSERT_TRUE(s().create_user(make_user(u.user_id, u.connection, u.email, u.created_at)));
        all.push_back(std::move(u));
    }
    std::sort(all.begin(), all.end(), [](const seeded& a, const seeded& b) {
        return std::tie(a.created_at, a.user_id) < std::tie(b.created_at, b.user_id);
    });
    auto expected = [&](std::string_view prefix, std::string_view connection, Page page) {
        std::vector<std::string> out;
        std::size_t seen = 0;
        for (const auto& u : all) {
            if (!u.email.starts_with(prefix) || (!connection.empty() && u.connection != connection)) continue;
            if (seen++ >= page.offset && out.size() < page.limit) out.push_back(u.user_id);
        }
        return out;
    };
    // "user" matches 360 of 400 (dense), "user12" matches 11 (sparse).
    for (std::string prefix : {"user", "user12", "zed39"})
        for (std::string connection : {"", "db"})
            for (auto page : {Page{0, 10}, Page{30, 20}, Page{350, 50}}) {
                UserSearch search;
                search.filter = match(UserField::email, UserMatch::op::prefix, prefix);
                search.connection = connection;
                search.page = page;
                search.with_total = false;
                auto r = s().search_users(search);
                ASSERT_TRUE(r) << r.error().message();
                std::vector<std::string> got;
                for (const auto& u : r->items) got.push_back(u.user_id);
                EXPECT_EQ(got, expected(prefix, connection, page))
                    << prefix << " connection=" << connection << " offset " << page.offset;
            }
}

TEST_P(UserSearchConformance, TotalCountsMatchesUpToItsCap) {
    seed();
    UserSearch search;
    search.page = Page{0, 1};
    search.total_cap = 3;
    EXPECT_EQ(s().search_users(search).value().total, 3u);
    search.total_cap = 0;
    EXPECT_EQ(s().search_users(search).value().total, 4u);
    search.filter = match(UserField::name, UserMatch::op::prefix, "jan");
    search.total_cap = 3;
    EXPECT_EQ(s().search_users(search).value().total, 2u);
}

// Each $n keeps its number in SQLite's syntax; the next new number becomes a bare ? (no lookup in
// SQLite's code generator, which made a 1,100-parameter INSERT quadratic), any other stays ?n.
TEST(SqlitePlaceholders, NewNumbersInOrderAreBareRepeatsAndGapsKeepTheirNumber) {
    using sqlite::to_sqlite_placeholders;
    EXPECT_EQ(to_sqlite_placeholders("VALUES ($1, $2), ($3, $4)"), "VALUES (?, ?), (?, ?)");
    EXPECT_EQ(to_sqlite_placeholders("a = $1 AND b = $2 AND c = $1"), "a = ? AND b = ? AND c = ?1");
    EXPECT_EQ(to_sqlite_placeholders("a = $2 AND b = $1 AND c = $3"), "a = ?2 AND b = ?1 AND c = ?");
    EXPECT_EQ(to_sqlite_placeholders("x = $10 AND y = $11"), "x = ?10 AND y = ?");
    EXPECT_EQ(to_sqlite_placeholders("doc ->> '$.a' = $1 AND z = '$'"), "doc ->> '$.a' = ? AND z = '$'");
}

// Only SQLite (no statistics on ranges) gets the second plan, and only for the default order.
TEST(UserSearchSql, OnlySqliteDefaultOrderSearchesMayWalkTheOrderIndex) {
    UserSearch search;
    search.filter = match(UserField::email, UserMatch::op::prefix, "jane");
    auto sqlite = sql::compose_user_search(search, sql::dialect::sqlite, "user_id");
    EXPECT_NE(sqlite.select_in_index_order.find("INDEXED BY users_created_idx"), std::string::npos);
    search.connection = "db";
    EXPECT_NE(sql::compose_user_search(search, sql::dialect::sqlite, "user_id")
                  .select_in_index_order.find("INDEXED BY users_connection_created_idx"),
              std::string::npos);
    EXPECT_TRUE(sql::compose_user_search(search, sql::dialect::postgres, "user_id").select_in_index_order.empty());
    search.sort = UserSort{UserField::email, false};
    EXPECT_TRUE(sql::compose_user_search(search, sql::dialect::sqlite, "user_id").select_in_index_order.empty());
    search.sort.reset();
    search.filter.reset();
    EXPECT_TRUE(sql::compose_user_search(search, sql::dialect::sqlite, "user_id").select_in_index_order.empty());
    EXPECT_EQ(sqlite.count(0).find("LIMIT"), std::string::npos);
    EXPECT_NE(sqlite.count(1000).find("LIMIT 1000"), std::string::npos);

    // 50 rows of 1,000,000: walking wins from ~7,000 matches; tiny tables always sort.
    EXPECT_EQ(sql::dense_match_threshold(50, 1000000), 7071u);
    EXPECT_EQ(sql::dense_match_threshold(10, 10), 32u);
    EXPECT_EQ(sql::dense_match_threshold(1000, 100000000), 100000u);
}

// A trailing-wildcard search is the index range [prefix, prefix_upper_bound(prefix)): the bound must
// be valid UTF-8 (PostgreSQL refuses anything else) and above every string starting with the prefix.
TEST(UserSearchSql, PrefixUpperBoundIsTheNextCodePointString) {
    using sql::prefix_upper_bound;
    EXPECT_EQ(prefix_upper_bound("abc"), "abd");
    EXPECT_EQ(prefix_upper_bound("auth0|"), "auth0}");
    EXPECT_EQ(prefix_upper_bound("a\x7f"), "a\xc2\x80");                    // U+007F -> U+0080
    EXPECT_EQ(prefix_upper_bound("\xed\x9f\xbf"), "\xee\x80\x80");          // U+D7FF -> U+E000, past the surrogates
    EXPECT_EQ(prefix_upper_bound("a\xf4\x8f\xbf\xbf"), "b");                // U+10FFFF has no successor
    EXPECT_EQ(prefix_upper_bound("\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf"), "");  // nothing above: no upper bound
}

TEST_P(StoreConformance, ClientAndResourceServerListFiltersRunInTheStore) {
    auto spa = make_client("spa1", 101);
    spa.doc["app_type"] = "spa";
    spa.doc["is_first_party"] = true;
    auto m2m = make_client("m2m1", 102);
    m2m.doc["app_type"] = "non_interactive";
    m2m.doc["is_first_party"] = false;
    auto bare = make_client("bare1", 103);
    for (auto* c : {&spa, &m2m, &bare}) ASSERT_TRUE(s().create_client(*c));
    auto ids = [](const PageResult<Client>& p) {
        std::vector<std::string> out;
        for (const auto& c : p.items) out.push_back(c.client_id);
        return out;
    };
    using V = std::vector<std::string>;
    EXPECT_EQ(ids(s().list_clients_filtered({}, {"spa", "native"}, std::nullopt).value()), V{"spa1"});
    EXPECT_EQ(ids(s().list_clients_filtered({}, {}, false).value()), (V{"m2m1", "bare1"}));
    EXPECT_EQ(ids(s().list_clients_filtered({}, {}, true).value()), V{"spa1"});
    auto page = s().list_clients_filtered({.offset = 1, .limit = 1}, {"spa", "non_interactive"}, std::nullopt).value();
    EXPECT_EQ(page.total, 2u);
    EXPECT_EQ(ids(page), V{"m2m1"});
    EXPECT_EQ(s().list_clients_filtered({}, {"sp%"}, std::nullopt).value().total, 0u);

    for (auto [id, identifier] :
         {std::pair{"a", "https://a.example/"}, std::pair{"b", "https://b.example/,x"}, std::pair{"c", "urn:c"}}) {
        ResourceServer rs;
        rs.id = id;
        rs.identifier = identifier;
        rs.doc = {{"name", id}};
        ASSERT_TRUE(s().create_resource_server(rs));
    }
    auto found = s().list_resource_servers_by_identifier({}, {"https://b.example/,x", "urn:c", "\"]"}).value();
    EXPECT_EQ(found.total, 2u);
    ASSERT_EQ(found.items.size(), 2u);
    EXPECT_EQ(found.items[0].identifier, "https://b.example/,x");
    EXPECT_EQ(s().list_resource_servers_by_identifier({}, {"https://a.example"}).value().total, 0u);
}

// ---- authorization codes --------------------------------------------------------------------

TEST_P(StoreConformance, CodeConsumeIsSingleUseAndReturnsThePreImage) {
    auto code = make_code("h1");
    ASSERT_TRUE(s().create_code(code));
    expect_error(s().create_code(code), store_errc::already_exists);

    auto first = s().consume_code("h1", 1010);
    ASSERT_TRUE(first) << first.error().message();
    EXPECT_EQ(first->consumed_at, 0) << "the first caller wins";
    EXPECT_EQ(first->grant_id, code.grant_id);
    EXPECT_EQ(first->client_id, code.client_id);
    EXPECT_EQ(first->user_id, code.user_id);
    EXPECT_EQ(first->redirect_uri, code.redirect_uri);
    EXPECT_EQ(first->scope, code.scope);
    EXPECT_EQ(first->audience, code.audience);
    EXPECT_EQ(first->nonce, code.nonce);
    EXPECT_EQ(first->code_challenge, code.code_challenge);
    EXPECT_EQ(first->code_challenge_method, "S256");
    EXPECT_EQ(first->session_id, "sess");
    EXPECT_EQ(first->auth_time, 1000);
    EXPECT_EQ(first->expires_at, 1060);

    auto replay = s().consume_code("h1", 1020);
    ASSERT_TRUE(replay);
    EXPECT_EQ(replay->consumed_at, 1010) << "a replay sees when the code was redeemed";
    EXPECT_EQ(replay->grant_id, code.grant_id) << "so the caller can revoke the grant";

    expect_error(s().consume_code("unknown", 1010), store_errc::not_found);
}

TEST_P(StoreConformance, ExpiredCodeIsStillReturnedForTheCallerToJudge) {
    ASSERT_TRUE(s().create_code(make_code("h1")));
    auto late = s().consume_code("h1", 5000);
    ASSERT_TRUE(late);
    EXPECT_EQ(late->consumed_at, 0);
    EXPECT_EQ(late->expires_at, 1060);
}

// ---- refresh tokens -------------------------------------------------------------------------

TEST_P(StoreConformance, RefreshRotationAndReuseReporting) {
    ASSERT_TRUE(s().create_refresh_token(make_refresh("r1")));
    expect_error(s().create_refresh_token(make_refresh("r1")), store_errc::already_exists);
    auto r1 = s().get_refresh_token("r1").value();
    EXPECT_EQ(r1.grant_id, "g1");
    EXPECT_EQ(r1.scope, "openid offline_access");
    EXPECT_EQ(r1.expires_at, 100000);
    expect_error(s().get_refresh_token("missing"), store_errc::not_found);

    auto next = make_refresh("r2");
    next.created_at = 2000;
    auto won = s().exchange_refresh_token("r1", next, 2000, 0);
    ASSERT_TRUE(won) << won.error().message();
    EXPECT_EQ(won->outcome, RefreshExchange::rotated);
    EXPECT_EQ(won->before.rotated_at, 0);
    EXPECT_EQ(won->before.token_hash, "r1");
    EXPECT_EQ(s().get_refresh_token("r1").value().rotated_at, 2000);
    EXPECT_EQ(s().get_refresh_token("r2").value().created_at, 2000);

    auto reuse = s().exchange_refresh_token("r1", make_refresh("r3"), 3000, 0);
    ASSERT_TRUE(reuse);
    EXPECT_EQ(reuse->outcome, RefreshExchange::reuse) << "reuse is reported";
    EXPECT_EQ(reuse->before.rotated_at, 2000);
    expect_error(s().get_refresh_token("r3"), store_errc::not_found);  // and nothing written

    EXPECT_EQ(s().exchange_refresh_token("r2", make_refresh("r4"), 4000, 0).value().outcome, RefreshExchange::rotated);
    expect_error(s().exchange_refresh_token("missing", make_refresh("r5"), 4000, 0), store_errc::not_found);
}

TEST_P(StoreConformance, RevokeGrantRevokesTheFamily) {
    ASSERT_TRUE(s().create_refresh_token(make_refresh("a1", "fam")));
    ASSERT_TRUE(s().exchange_refresh_token("a1", make_refresh("a2", "fam"), 2000, 0));
    ASSERT_TRUE(s().create_refresh_token(make_refresh("b1", "other")));
    EXPECT_FALSE(s().is_grant_revoked("fam").value());

    ASSERT_TRUE(s().revoke_grant("fam", 3000));
    ASSERT_TRUE(s().revoke_grant("fam", 3500)) << "idempotent";
    EXPECT_TRUE(s().is_grant_revoked("fam").value());
    EXPECT_FALSE(s().is_grant_revoked("other").value());
    EXPECT_FALSE(s().is_grant_revoked("never-issued").value());
    EXPECT_EQ(s().get_refresh_token("a1").value().revoked_at, 3000);
    EXPECT_EQ(s().get_refresh_token("a2").value().revoked_at, 3000);
    EXPECT_EQ(s().get_refresh_token("b1").value().revoked_at, 0);

    auto after = s().exchange_refresh_token("a2", make_refresh("a3", "fam"), 4000, 0);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->outcome, RefreshExchange::revoked) << "a revoked token does not rotate";
    EXPECT_EQ(after->before.revoked_at, 3000);
    expect_error(s().get_refresh_token("a3"), store_errc::not_found);

    // A token of a revoked family stored afterwards (a rotation that raced the revocation)
    // still reads as revoked.
    ASSERT_TRUE(s().create_refresh_token(make_refresh("late", "fam")));
    EXPECT_NE(s().get_refresh_token("late").value().revoked_at, 0);
    EXPECT_EQ(s().exchange_refresh_token("late", make_refresh("late2", "fam"), 5000, 0).value().outcome,
              RefreshExchange::revoked);
    expect_error(s().get_refresh_token("late2"), store_errc::not_found);
}

TEST_P(StoreConformance, ExchangeRotatesACurrentTokenAndKeepsTheFamilyDeadlines) {
    auto first = make_refresh("e1", "fam-e");
    first.expires_at = 5000;
    first.idle_expires_at = 1500;
    ASSERT_TRUE(s().create_refresh_token(first));
    auto stored = s().get_refresh_token("e1").value();
    EXPECT_EQ(stored.idle_expires_at, 1500);
    EXPECT_EQ(stored.generation, 0);

    auto next = make_refresh("e2", "fam-e");
    next.created_at = 1200;
    next.expires_at = 5000;  // the family's deadline, copied by the caller
    next.idle_expires_at = 1700;
    auto done = s().exchange_refresh_token("e1", next, 1200, 0);
    ASSERT_TRUE(done) << done.error().message();
    EXPECT_EQ(done->outcome, RefreshExchange::rotated);
    EXPECT_EQ(done->before.token_hash, "e1");
    EXPECT_EQ(done->before.rotated_at, 0);
    auto e2 = s().get_refresh_token("e2").value();
    EXPECT_EQ(e2.generation, 1) << "the store numbers the rotations";
    EXPECT_EQ(e2.expires_at, 5000);
    EXPECT_EQ(e2.idle_expires_at, 1700);
    EXPECT_EQ(s().get_refresh_token("e1").value().rotated_at, 1200);

    auto reuse = s().exchange_refresh_token("e1", make_refresh("e3", "fam-e"), 1201, 0);
    ASSERT_TRUE(reuse);
    EXPECT_EQ(reuse->outcome, RefreshExchange::reuse) << "leeway 0: any reuse is reuse";
    expect_error(s().get_refresh_token("e3"), store_errc::not_found);
    expect_error(s().exchange_refresh_token("missing", make_refresh("e4"), 1200, 0), store_errc::not_found);

    ASSERT_TRUE(s().revoke_grant("fam-e", 1300));
    EXPECT_EQ(s().exchange_refresh_token("e2", make_refresh("e5", "fam-e"), 1301, 60).value().outcome,
              RefreshExchange::revoked);
    expect_error(s().get_refresh_token("e5"), store_errc::not_found);
}

TEST_P(StoreConformance, OnlyThePreviousTokenIsReusableAndOnlyWithinTheLeeway) {
    ASSERT_TRUE(s().create_refresh_token(make_refresh("l0", "fam-l")));
    ASSERT_EQ(s().exchange_refresh_token("l0", make_refresh("l1", "fam-l"), 2000, 5).value().outcome,
              RefreshExchange::rotated);

    // l0 is the previous token, rotated 4 s ago: reusable; the current l1 is retired in its place.
    auto again = s().exchange_refresh_token("l0", make_refresh("l2", "fam-l"), 2004, 5);
    ASSERT_TRUE(again) << again.error().message();
    EXPECT_EQ(again->outcome, RefreshExchange::leeway_reuse);
    EXPECT_EQ(s().get_refresh_token("l2").value().generation, 2);
    EXPECT_EQ(s().get_refresh_token("l1").value().rotated_at, 2004) << "one current token per family";

    // l0 is now older than the previous token (l1): reuse, even within its leeway; nothing written.
    EXPECT_EQ(s().exchange_refresh_token("l0", make_refresh("l3", "fam-l"), 2004, 5).value().outcome,
              RefreshExchange::reuse);
    expect_error(s().get_refresh_token("l3"), store_errc::not_found);
    EXPECT_EQ(s().get_refresh_token("l2").value().rotated_at, 0);

    // l1 (the holder of the other response of a race) is the previous token now.
    EXPECT_EQ(s().exchange_refresh_token("l1", make_refresh("l4", "fam-l"), 2006, 5).value().outcome,
              RefreshExchange::leeway_reuse);
    EXPECT_EQ(s().get_refresh_token("l4").value().generation, 3);

    // Outside the leeway the previous token is reuse too.
    EXPECT_EQ(s().exchange_refresh_token("l2", make_refresh("l5", "fam-l"), 2011, 5).value().outcome,
              RefreshExchange::reuse);
    expect_error(s().get_refresh_token("l5"), store_errc::not_found);
    EXPECT_EQ(s().exchange_refresh_token("l4", make_refresh("l6", "fam-l"), 2011, 5).value().outcome,
              RefreshExchange::rotated);
}

TEST_P(StoreConformance, TouchingAReusableTokenMovesItsIdleEndOnlyWhileCurrent) {
    auto t = make_refresh("t1", "fam-t");
    t.idle_expires_at = 1100;
    ASSERT_TRUE(s().create_refresh_token(t));
    EXPECT_TRUE(s().touch_refresh_token("t1", 1900).value());
    EXPECT_EQ(s().get_refresh_token("t1").value().idle_expires_at, 1900);
    EXPECT_EQ(s().get_refresh_token("t1").value().rotated_at, 0) << "a touch does not rotate";

    ASSERT_TRUE(s().exchange_refresh_token("t1", make_refresh("t2", "fam-t"), 1200, 0));
    EXPECT_FALSE(s().touch_refresh_token("t1", 2500).value()) << "a rotated token is not reusable";
    EXPECT_EQ(s().get_refresh_token("t1").value().idle_expires_at, 1900);
    ASSERT_TRUE(s().revoke_grant("fam-t", 1300));
    EXPECT_FALSE(s().touch_refresh_token("t2", 2500).value()) << "nor is a revoked one";
    expect_error(s().touch_refresh_token("missing", 2500), store_errc::not_found);
}

// A token of a family without an absolute end, idle after `idle_expires_at`.
RefreshToken make_idle_refresh(std::string hash, std::string grant_id, std::int64_t idle_expires_at) {
    auto t = make_refresh(std::move(hash), std::move(grant_id));
    t.expires_at = 0;
    t.idle_expires_at = idle_expires_at;
    return t;
}

TEST_P(StoreConformance, PurgeDropsAFamilyWhoseCurrentTokenWentIdle) {
    ASSERT_TRUE(s().create_refresh_token(make_idle_refresh("i0", "fam-idle", 300)));
    ASSERT_TRUE(s().exchange_refresh_token("i0", make_idle_refresh("i1", "fam-idle", 400), 200, 0));
    // Its rotated token went idle long ago: irrelevant.
    ASSERT_TRUE(s().create_refresh_token(make_idle_refresh("b0", "fam-busy", 100)));
    ASSERT_TRUE(s().exchange_refresh_token("b0", make_idle_refresh("b1", "fam-busy", 900), 90, 0));

    EXPECT_EQ(s().purge_expired(500).value(), 2u);
    expect_error(s().get_refresh_token("i0"), store_errc::not_found);
    expect_error(s().get_refresh_token("i1"), store_errc::not_found);
    EXPECT_TRUE(s().get_refresh_token("b0")) << "kept: its reuse must still revoke the family";
    EXPECT_TRUE(s().get_refresh_token("b1"));
}

// The purge runs every minute on the store's connections: however large the tables, it must not
// hold one for long. Returns how many rows it removed.
std::size_t purge_within_two_seconds(Store& store, std::int64_t now) {
    auto started = std::chrono::steady_clock::now();
    auto removed = store.purge_expired(now);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2)) << "purge_expired took that long";
    EXPECT_TRUE(removed) << removed.error().message();
    return removed ? *removed : 0;
}

// After a long stop the purge finds more expired rows than one of its statements takes: it takes
// them over several (see purge_expired), idle families whole, and leaves everything live.
TEST_P(StoreConformance, PurgeOfMoreExpiredRowsThanOneStatementTakesThemAll) {
    constexpr int expired = 12'345;
    for (int i = 0; i < expired; ++i) {
        ASSERT_TRUE(s().create_session(
            {.id_hash = "gone-" + std::to_string(i), .user_id = "u", .connection = "db", .expires_at = 1000}));
        ASSERT_TRUE(
            s().create_refresh_token(make_idle_refresh("idle-" + std::to_string(i), "fam-" + std::to_string(i), 300)));
    }
    ASSERT_TRUE(s().create_session({.id_hash = "live", .user_id = "u", .connection = "db", .expires_at = 900'000}));
    ASSERT_TRUE(s().create_refresh_token(make_idle_refresh("busy", "fam-busy", 900'000)));
    EXPECT_EQ(purge_within_two_seconds(s(), 100'000), static_cast<std::size_t>(2 * expired));
    EXPECT_TRUE(s().get_session("live", 100'000));
    expect_error(s().get_session("gone-0", 0), store_errc::not_found);
    expect_error(s().get_refresh_token("idle-12344"), store_errc::not_found);
    EXPECT_TRUE(s().get_refresh_token("busy"));
}

// A client may rotate one refresh token for as long as it likes. The purge looked for each rotated
// token's current one by grant_id alone: 20,000 rotations took it tens of seconds, holding SQLite's
// one connection (at 2,500 rotations/s the next logins failed with expired codes).
TEST_P(StoreConformance, PurgeStallThroughOneLongRefreshFamily) {
    constexpr int rotations = 20'000;
    for (int i = 0; i < rotations; ++i) {
        auto t = make_idle_refresh("long-" + std::to_string(i), "fam-long", 0);
        t.generation = i;
        t.rotated_at = 1000 + i;
        ASSERT_TRUE(s().create_refresh_token(t));
    }
    auto current = make_idle_refresh("long-current", "fam-long", 900'000);
    current.generation = rotations;
    ASSERT_TRUE(s().create_refresh_token(current));
    ASSERT_TRUE(s().create_refresh_token(make_idle_refresh("idle-0", "fam-idle", 300)));
    ASSERT_TRUE(s().exchange_refresh_token("idle-0", make_idle_refresh("idle-1", "fam-idle", 400), 200, 0));

    EXPECT_EQ(purge_within_two_seconds(s(), 100'000), 2u) << "the idle family, both of its tokens";
    expect_error(s().get_refresh_token("idle-0"), store_errc::not_found);
    EXPECT_TRUE(s().get_refresh_token("long-0")) << "kept: its reuse must still revoke the family";
    EXPECT_TRUE(s().get_refresh_token("long-current"));
}

// Organization logins leave a grant row each, purged an hour later unless a code or refresh token
// still holds the grant; looking for the code by grant_id without an index scanned every pending code
// once per grant row (12,000 x 12,000: seconds of SQLite's one connection, every minute).
TEST_P(StoreConformance, PurgeStallThroughManyOrganizationGrantsAndPendingCodes) {
    constexpr int rows = 12'000;
    for (int i = 0; i < rows; ++i) {
        auto code = make_code("pending-" + std::to_string(i));
        code.expires_at = 1'000'000;
        ASSERT_TRUE(s().create_code(code));
        ASSERT_TRUE(s().record_grant_organization("org-grant-" + std::to_string(i), "org_1", 0));
    }
    ASSERT_TRUE(s().record_grant_organization("grant-pending-7", "org_1", 0));

    EXPECT_EQ(purge_within_two_seconds(s(), 100'000), static_cast<std::size_t>(rows)) << "the unheld grant rows";
    EXPECT_EQ(s().grant_organization("grant-pending-7").value(), "org_1") << "its code still holds it";
    expect_error(s().grant_organization("org-grant-7"), store_errc::not_found);
}

TEST_P(StoreConformance, RevokingAUserEndsEveryFamilyAndCodeGrantOfThatUserOnly) {
    ASSERT_TRUE(s().create_refresh_token(make_refresh("u1", "fam-u1")));
    ASSERT_TRUE(s().exchange_refresh_token("u1", make_refresh("u2", "fam-u1"), 2000, 0));
    ASSERT_TRUE(s().create_refresh_token(make_refresh("u3", "fam-u2")));
    auto other = make_refresh("o1", "fam-other");
    other.user_id = "auth0|other";
    ASSERT_TRUE(s().create_refresh_token(other));
    ASSERT_TRUE(s().create_code(make_code("pending-code")));

    ASSERT_TRUE(s().revoke_user_grants("auth0|abc", 3000));
    ASSERT_TRUE(s().revoke_user_grants("auth0|abc", 3100)) << "idempotent";
    ASSERT_TRUE(s().revoke_user_grants("auth0|nobody", 3100));
    EXPECT_TRUE(s().is_grant_revoked("fam-u1").value());
    EXPECT_TRUE(s().is_grant_revoked("fam-u2").value());
    EXPECT_TRUE(s().is_grant_revoked("grant-pending-code").value()) << "a code redeemed later is refused";
    EXPECT_FALSE(s().is_grant_revoked("fam-other").value());
    EXPECT_NE(s().get_refresh_token("u2").value().revoked_at, 0);
    EXPECT_NE(s().get_refresh_token("u3").value().revoked_at, 0);
    EXPECT_EQ(s().get_refresh_token("o1").value().revoked_at, 0);
    EXPECT_EQ(s().exchange_refresh_token("u2", make_refresh("u4", "fam-u1"), 4000, 0).value().outcome,
              RefreshExchange::revoked);
    expect_error(s().get_refresh_token("u4"), store_errc::not_found);
}

TEST_P(StoreConformance, DeletingAUsersSessionsLeavesOtherUsersSessions) {
    ASSERT_TRUE(s().create_session({.id_hash = "s1", .user_id = "u", .connection = "db", .expires_at = 1000}));
    ASSERT_TRUE(s().create_session({.id_hash = "s2", .user_id = "u", .connection = "db", .expires_at = 1000}));
    ASSERT_TRUE(s().create_session({.id_hash = "s3", .user_id = "v", .connection = "db", .expires_at = 1000}));
    ASSERT_TRUE(s().delete_user_sessions("u"));
    ASSERT_TRUE(s().delete_user_sessions("u")) << "idempotent";
    expect_error(s().get_session("s1", 10), store_errc::not_found);
    expect_error(s().get_session("s2", 10), store_errc::not_found);
    EXPECT_TRUE(s().get_session("s3", 10));
}

// ---- sessions and interactions --------------------------------------------------------------

TEST_P(StoreConformance, SessionsExpireAndDeleteIsIdempotent) {
    Session sess{.id_hash = "sh",
                 .user_id = "auth0|1",
                 .connection = "db",
                 .auth_time = 100,
                 .created_at = 100,
                 .expires_at = 200};
    ASSERT_TRUE(s().create_session(sess));
    expect_error(s().create_session(sess), store_errc::already_exists);
    auto got = s().get_session("sh", 199);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->user_id, "auth0|1");
    EXPECT_EQ(got->connection, "db");
    EXPECT_EQ(got->auth_time, 100);
    EXPECT_EQ(got->expires_at, 200);
    expect_error(s().get_session("sh", 200), store_errc::not_found);
    expect_error(s().get_session("missing", 100), store_errc::not_found);
    ASSERT_TRUE(s().delete_session("sh"));
    expect_error(s().get_session("sh", 150), store_errc::not_found);
    ASSERT_TRUE(s().delete_session("sh"));
}

TEST_P(StoreConformance, InteractionsExpireAndTakeIsSingleUse) {
    Interaction in{
        .id = "state-1", .kind = "login", .doc = {{"client_id", "c1"}, {"scope", "openid"}}, .expires_at = 600};
    ASSERT_TRUE(s().create_interaction(in));
    expect_error(s().create_interaction(in), store_errc::already_exists);
    auto got = s().get_interaction("state-1", 500);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->kind, "login");
    EXPECT_EQ(got->doc, in.doc);
    EXPECT_TRUE(s().get_interaction("state-1", 550)) << "get does not consume";
    expect_error(s().get_interaction("state-1", 600), store_errc::not_found);
    expect_error(s().take_interaction("state-1", 600), store_errc::not_found);

    auto taken = s().take_interaction("state-1", 599);
    ASSERT_TRUE(taken);
    EXPECT_EQ(taken->doc, in.doc);
    EXPECT_EQ(taken->expires_at, 600);
    expect_error(s().take_interaction("state-1", 599), store_errc::not_found);
    expect_error(s().get_interaction("state-1", 500), store_errc::not_found);
}

TEST_P(StoreConformance, PurgeExpiredRemovesOnlyExpiredArtefacts) {
    auto code_old = make_code("c-old");
    code_old.expires_at = 100;
    auto code_new = make_code("c-new");
    code_new.expires_at = 1000;
    ASSERT_TRUE(s().create_code(code_old));
    ASSERT_TRUE(s().create_code(code_new));
    auto rt_old = make_refresh("r-old");
    rt_old.expires_at = 100;
    auto rt_new = make_refresh("r-new");
    rt_new.expires_at = 1000;
    auto rt_forever = make_refresh("r-forever");
    rt_forever.expires_at = 0;
    ASSERT_TRUE(s().create_refresh_token(rt_old));
    ASSERT_TRUE(s().create_refresh_token(rt_new));
    ASSERT_TRUE(s().create_refresh_token(rt_forever));
    ASSERT_TRUE(s().create_session({.id_hash = "s-old", .user_id = "u", .connection = "db", .expires_at = 100}));
    ASSERT_TRUE(s().create_session({.id_hash = "s-new", .user_id = "u", .connection = "db", .expires_at = 1000}));
    ASSERT_TRUE(s().create_interaction({.id = "i-old", .kind = "login", .doc = {}, .expires_at = 100}));
    ASSERT_TRUE(s().create_interaction({.id = "i-new", .kind = "login", .doc = {}, .expires_at = 1000}));

    auto removed = s().purge_expired(500);
    ASSERT_TRUE(removed);
    EXPECT_EQ(*removed, 4u);
    expect_error(s().consume_code("c-old", 500), store_errc::not_found);
    expect_error(s().get_refresh_token("r-old"), store_errc::not_found);
    EXPECT_TRUE(s().get_refresh_token("r-new"));
    EXPECT_TRUE(s().get_refresh_token("r-forever")) << "expires_at = 0 never expires";
    EXPECT_TRUE(s().get_session("s-new", 500));
    EXPECT_TRUE(s().get_interaction("i-new", 500));
    // Gone, not just filtered as expired: asked at a time it was still valid, it is not found.
    expect_error(s().get_interaction("i-old", 50), store_errc::not_found);
    expect_error(s().get_session("s-old", 50), store_errc::not_found);
    EXPECT_TRUE(s().consume_code("c-new", 500));
    EXPECT_EQ(s().purge_expired(500).value(), 0u);
}

TEST_P(StoreConformance, DataSurvivesReopening) {
    if (!GetParam().shared) GTEST_SKIP() << "an in-memory database lives only as long as its handle";
    ASSERT_TRUE(s().create_client(make_client("persisted")));
    ASSERT_TRUE(s().create_code(make_code("h1")));
    store_.reset();
    store_ = open_store(url_, 2);
    EXPECT_TRUE(s().get_client("persisted"));
    EXPECT_EQ(s().consume_code("h1", 1).value().consumed_at, 0);
}

// ---- races: exactly one winner ---------------------------------------------------------------

constexpr int kThreads = 8;
constexpr int kRounds = 200;

// Runs `attempt(thread, round)` from kThreads threads for kRounds rounds, all threads starting
// each round together; returns, per round, how many attempts won.
template <class F>
std::vector<int> race(F attempt) {
    std::vector<std::atomic<int>> wins(kRounds);
    std::barrier sync(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int r = 0; r < kRounds; ++r) {
                sync.arrive_and_wait();
                if (attempt(t, r)) ++wins[static_cast<std::size_t>(r)];
            }
        });
    for (auto& th : threads) th.join();
    std::vector<int> out;
    for (auto& w : wins) out.push_back(w.load());
    return out;
}

void expect_one_winner_each_round(const std::vector<int>& wins) {
    for (std::size_t r = 0; r < wins.size(); ++r) ASSERT_EQ(wins[r], 1) << "round " << r;
}

// Threads alternate between two instances when the backend has shared storage, so the race
// also crosses connections/processes-worth of state, not just one handle's lock.
Store& pick(Store& a, Store* b, int thread) { return b && thread % 2 ? *b : a; }

TEST_P(StoreConformance, ConcurrentCodeConsumeHasExactlyOneWinner) {
    auto other = GetParam().shared ? second_instance() : nullptr;
    for (int r = 0; r < kRounds; ++r) ASSERT_TRUE(s().create_code(make_code("code-" + std::to_string(r))));
    std::atomic<int> failures{0};
    auto wins = race([&](int t, int r) {
        auto got = pick(s(), other.get(), t).consume_code("code-" + std::to_string(r), 1000 + t);
        if (!got) ++failures;
        return got && got->consumed_at == 0;
    });
    EXPECT_EQ(failures.load(), 0);
    expect_one_winner_each_round(wins);
}

TEST_P(StoreConformance, ConcurrentRefreshRotationHasExactlyOneWinner) {
    auto other = GetParam().shared ? second_instance() : nullptr;
    for (int r = 0; r < kRounds; ++r)
        ASSERT_TRUE(s().create_refresh_token(make_refresh("rt-" + std::to_string(r), "g" + std::to_string(r))));
    std::atomic<int> failures{0};
    auto wins = race([&](int t, int r) {
        auto next = make_refresh("rt-" + std::to_string(r) + "-next-" + std::to_string(t), "g" + std::to_string(r));
        auto got = pick(s(), other.get(), t).exchange_refresh_token("rt-" + std::to_string(r), next, 2000, 0);
        if (!got) ++failures;
        return got && got->outcome == RefreshExchange::rotated;
    });
    EXPECT_EQ(failures.load(), 0);
    expect_one_winner_each_round(wins);
    // Exactly one successor was stored per round.
    for (int r = 0; r < kRounds; r += 37) {
        int stored = 0;
        for (int t = 0; t < kThreads; ++t)
            stored += s().get_refresh_token("rt-" + std::to_string(r) + "-next-" + std::to_string(t)).has_value();
        EXPECT_EQ(stored, 1) << "round " << r;
    }
}

TEST_P(StoreConformance, ConcurrentReuseOfThePreviousTokenWithinTheLeewayHasExactlyOneWinner) {
    auto other = GetParam().shared ? second_instance() : nullptr;
    for (int r = 0; r < kRounds; ++r) {
        auto g = "lg" + std::to_string(r);
        ASSERT_TRUE(s().create_refresh_token(make_refresh("lp-" + std::to_string(r), g)));
        ASSERT_TRUE(s().exchange_refresh_token("lp-" + std::to_string(r), make_refresh("lc-" + std::to_string(r), g),
                                               2000, 10));
    }
    std::atomic<int> failures{0};
    auto wins = race([&](int t, int r) {
        auto next = make_refresh("lp-" + std::to_string(r) + "-next-" + std::to_string(t), "lg" + std::to_string(r));
        auto got = pick(s(), other.get(), t).exchange_refresh_token("lp-" + std::to_string(r), next, 2005, 10);
        if (!got) ++failures;
        return got && got->outcome == RefreshExchange::leeway_reuse;
    });
    EXPECT_EQ(failures.load(), 0);
    expect_one_winner_each_round(wins);
}

TEST_P(StoreConformance, ConcurrentInteractionTakeHasExactlyOneWinner) {
    auto other = GetParam().shared ? second_instance() : nullptr;
    for (int r = 0; r < kRounds; ++r)
        ASSERT_TRUE(s().create_interaction(
            {.id = "ix-" + std::to_string(r), .kind = "upstream", .doc = {{"round", r}}, .expires_at = 10'000}));
    auto wins = race([&](int t, int r) {
        auto got = pick(s(), other.get(), t).take_interaction("ix-" + std::to_string(r), 100);
        return got.has_value() && got->doc.at("round") == r;
    });
    expect_one_winner_each_round(wins);
}

// ---- meta documents and the mail queue -----------------------------------------------------------

TEST_P(StoreConformance, CreateMetaRefusesAnExistingKeyAndDeleteIsIdempotent) {
    ASSERT_TRUE(s().create_meta("doc:a", "1"));
    auto again = s().create_meta("doc:a", "2");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error(), store_errc::already_exists);
    EXPECT_EQ(*s().get_meta("doc:a"), std::optional<std::string>("1"));
    ASSERT_TRUE(s().delete_meta("doc:a"));
    ASSERT_TRUE(s().delete_meta("doc:a"));
    EXPECT_FALSE(s().get_meta("doc:a")->has_value());
}

Mail make_mail(std::string id, std::int64_t due) {
    Mail m;
    m.id = std::move(id);
    m.recipient = "to@example.com";
    m.subject = "Hello \xc3\xa9";
    m.html_body = "<p>body</p>";
    m.created_at = 1000;
    m.next_attempt_at = due;
    return m;
}

// A claim takes at most its batch: the rest stays for the next claim (or another instance).
TEST_P(StoreConformance, MailClaimTakesAtMostItsBatchOldestFirst) {
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(s().enqueue_mail(make_mail("batch" + std::to_string(i), 100 + i)));
    std::vector<std::string> order;
    for (std::size_t expected : {2u, 2u, 1u, 0u}) {
        auto claimed = s().claim_due_mail(200, 260, 2);
        ASSERT_TRUE(claimed);
        ASSERT_EQ(claimed->size(), expected);
        std::vector<std::string> ids;  // RETURNING has no order: sort within each claim
        for (const auto& m : *claimed) ids.push_back(m.id);
        std::sort(ids.begin(), ids.end());
        order.insert(order.end(), ids.begin(), ids.end());
    }
    EXPECT_EQ(order, (std::vector<std::string>{"batch0", "batch1", "batch2", "batch3", "batch4"}));
}

TEST_P(StoreConformance, MailIsClaimedWhenDueAndLeasedUntilFinished) {
    ASSERT_TRUE(s().enqueue_mail(make_mail("m1", 100)));
    ASSERT_TRUE(s().enqueue_mail(make_mail("m2", 500)));
    auto none = s().claim_due_mail(50, 80, 10);
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
    auto due = s().claim_due_mail(100, 160, 10);
    ASSERT_TRUE(due);
    ASSERT_EQ(due->size(), 1u);
    EXPECT_EQ(due->front().id, "m1");
    EXPECT_EQ(due->front().subject, "Hello \xc3\xa9");
    EXPECT_EQ(due->front().lease_until, 160);
    // Leased: nobody else gets it before the lease ends, then it is claimable again (a crashed worker).
    EXPECT_TRUE(s().claim_due_mail(150, 200, 10)->empty());
    auto reclaimed = s().claim_due_mail(160, 220, 10);
    ASSERT_EQ(reclaimed->size(), 1u);
    // A failed attempt goes back to the queue for later; a sent one never comes back.
    auto m = reclaimed->front();
    m.attempts = 1;
    m.next_attempt_at = 400;
    m.last_error = "smtp.example:25: connection refused";
    ASSERT_TRUE(s().finish_mail(m));
    EXPECT_TRUE(s().claim_due_mail(399, 460, 10)->empty());
    auto retry = s().claim_due_mail(400, 460, 10);
    ASSERT_EQ(retry->size(), 1u);
    EXPECT_EQ(retry->front().attempts, 1);
    EXPECT_EQ(retry->front().last_error, "smtp.example:25: connection refused");
    m = retry->front();
    m.status = "sent";
    ASSERT_TRUE(s().finish_mail(m));
    auto later = s().claim_due_mail(10'000, 10'060, 10);
    ASSERT_EQ(later->size(), 1u);
    EXPECT_EQ(later->front().id, "m2");
    EXPECT_EQ(s().get_mail("m1")->status, "sent");
    EXPECT_EQ(s().get_mail("nope").error(), store_errc::not_found);
}

TEST_P(StoreConformance, ConcurrentMailClaimHasExactlyOneWinner) {
    auto other = GetParam().shared ? second_instance() : nullptr;
    for (int r = 0; r < kRounds; ++r) ASSERT_TRUE(s().enqueue_mail(make_mail("mail-" + std::to_string(r), r)));
    auto wins = race([&](int t, int r) {
        auto got = pick(s(), other.get(), t).claim_due_mail(r, 1'000'000, 1);
        return got.has_value() && got->size() == 1 && got->front().id == "mail-" + std::to_string(r);
    });
    expect_one_winner_each_round(wins);
}

// ---- jobs ---------------------------------------------------------------------------------------

Job make_job(std::string id, std::int64_t created_at) {
    Job j;
    j.id = std::move(id);
    j.type = "users_import";
    j.doc = {{"connection_id", "con_1"}, {"upsert", false}};
    j.input = "[{\"email\":\"a@example.com\"}]";
    j.created_at = j.updated_at = created_at;
    return j;
}

TEST_P(StoreConformance, JobIsClaimedOnceLeasedAndTakenOverAfterTheLeasePasses) {
    ASSERT_TRUE(s().create_job(make_job("job_b", 200)));
    ASSERT_TRUE(s().create_job(make_job("job_a", 100)));
    expect_error(s().create_job(make_job("job_a", 100)), store_errc::already_exists);
    EXPECT_EQ(s().count_active_jobs("users_import").value(), 2u);
    EXPECT_EQ(s().count_active_jobs("users_export").value(), 0u);

    auto first = s().claim_job(1000, 1100);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->id, "job_a");  // oldest first
    EXPECT_EQ(first->status, "processing");
    EXPECT_EQ(first->attempts, 1);
    EXPECT_EQ(first->lease_until, 1100);
    EXPECT_EQ(first->input, "[{\"email\":\"a@example.com\"}]");
    EXPECT_EQ(s().claim_job(1000, 1100)->id, "job_b");
    expect_error(s().claim_job(1050, 1150), store_errc::not_found);  // both leased

    // The worker renews its lease; a crashed one's job is taken over once the lease has passed, and
    // the old holder can then neither renew nor finish it.
    ASSERT_TRUE(s().renew_job_lease("job_a", 1100, 1200));
    expect_error(s().renew_job_lease("job_a", 1100, 1300), store_errc::conflict);
    // job_b's lease passed (its worker died): taken over, while job_a's renewed lease still holds.
    auto b = s().claim_job(1150, 1250);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->id, "job_b");
    EXPECT_EQ(b->attempts, 2);
    expect_error(s().claim_job(1199, 1250), store_errc::not_found);
    auto taken = s().claim_job(1200, 1300);
    ASSERT_TRUE(taken);
    EXPECT_EQ(taken->id, "job_a");
    EXPECT_EQ(taken->attempts, 2);
    auto stale = *taken;
    stale.status = "completed";
    expect_error(s().finish_job(stale, 1200), store_errc::conflict);
    EXPECT_EQ(s().get_job("job_a")->status, "processing");

    auto done = *taken;
    done.status = "completed";
    done.doc["summary"] = json::object{{"inserted", 1}};
    done.errors = "[{\"errors\":[]}]";
    done.updated_at = 1210;
    done.expires_at = 5000;
    ASSERT_TRUE(s().finish_job(done, 1300));
    auto read = s().get_job("job_a");
    ASSERT_TRUE(read);
    EXPECT_EQ(read->status, "completed");
    EXPECT_EQ(read->lease_until, 0);
    EXPECT_EQ(read->errors, "[{\"errors\":[]}]");
    EXPECT_EQ(read->doc.at("summary").at("inserted").as_int64(), 1);
    // A finished job is never claimed again.
    EXPECT_EQ(s().claim_job(10'000, 10'100)->id, "job_b");
    expect_error(s().claim_job(10'050, 10'150), store_errc::not_found);
    expect_error(s().get_job("job_zz"), store_errc::not_found);
}

TEST_P(StoreConformance, AJobWhoseLeaseIsGivenBackIsClaimableAtOnce) {
    ASSERT_TRUE(s().create_job(make_job("job_r", 100)));
    auto claimed = s().claim_job(1000, 2000);
    ASSERT_TRUE(claimed);
    // A worker that stops (shutdown) gives its lease back: lease_until 0.
    ASSERT_TRUE(s().renew_job_lease("job_r", 2000, 0));
    auto again = s().claim_job(1001, 3000);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->id, "job_r");
    EXPECT_EQ(again->attempts, 2);
    expect_error(s().renew_job_lease("job_r", 2000, 0), store_errc::conflict);  // no longer its holder's

    // A checkpoint saves the progress with the lease; the worker taking the job over reads it.
    auto progress = *again;
    progress.doc["progress"] = json::object{{"next_row", 200}};
    progress.errors = "[{\"errors\":[]}]";
    expect_error(s().checkpoint_job(progress, 2000, 4000), store_errc::conflict);
    EXPECT_FALSE(s().get_job("job_r")->doc.contains("progress"));
    ASSERT_TRUE(s().checkpoint_job(progress, 3000, 4000));
    auto taken_over = s().claim_job(4000, 5000);
    ASSERT_TRUE(taken_over);
    EXPECT_EQ(taken_over->doc.at("progress").at("next_row").as_int64(), 200);
    EXPECT_EQ(taken_over->errors, "[{\"errors\":[]}]");
}

TEST_P(StoreConformance, JobOutputChunksReadInOrderAndGoWithTheExpiredJob) {
    ASSERT_TRUE(s().create_job(make_job("job_x", 100)));
    ASSERT_TRUE(s().append_job_output("job_x", 1, "second"));
    ASSERT_TRUE(s().append_job_output("job_x", 0, "first"));
    EXPECT_EQ(s().job_output("job_x").value(), (std::vector<std::string>{"first", "second"}));
    expect_error(s().append_job_output("job_x", 0, "again"), store_errc::already_exists);
    ASSERT_TRUE(s().clear_job_output("job_x"));
    EXPECT_TRUE(s().job_output("job_x")->empty());
    ASSERT_TRUE(s().append_job_output("job_x", 0, "rerun"));

    // A running job (expires_at 0) is never purged; a finished one goes at its expiry, output too.
    ASSERT_TRUE(s().purge_expired(1'000'000));
    EXPECT_TRUE(s().get_job("job_x"));
    auto claimed = s().claim_job(200, 300);
    ASSERT_TRUE(claimed);
    claimed->status = "completed";
    claimed->expires_at = 400;
    ASSERT_TRUE(s().finish_job(*claimed, 300));
    ASSERT_TRUE(s().purge_expired(399));
    EXPECT_TRUE(s().get_job("job_x"));
    ASSERT_TRUE(s().purge_expired(400));
    expect_error(s().get_job("job_x"), store_errc::not_found);
    EXPECT_TRUE(s().job_output("job_x")->empty());
}

TEST_P(StoreConformance, ConcurrentJobClaimsRunEachJobExactlyOnce) {
    auto other = GetParam().shared ? second_instance() : nullptr;
    constexpr int kJobs = 100;
    for (int i = 0; i < kJobs; ++i) ASSERT_TRUE(s().create_job(make_job("job_" + std::to_string(i), i)));
    std::vector<std::atomic<int>> claims(kJobs);
    std::atomic<int> claimed{0};
    std::barrier sync(kThreads);
    std::vector<std::thread> threads;
    // A claimer that lost a race may see no job although others are left (PostgreSQL re-checks the
    // row it lost and finds nothing); the worker just polls again, and so do these threads.
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            sync.arrive_and_wait();
            for (int idle = 0; claimed.load() < kJobs && idle < 10'000;) {
                auto got = pick(s(), other.get(), t).claim_job(1000, 1'000'000);
                if (!got) {
                    ++idle;
                    continue;
                }
                ++claimed;
                ++claims[static_cast<std::size_t>(std::stoi(got->id.substr(4)))];
            }
        });
    for (auto& th : threads) th.join();
    for (int i = 0; i < kJobs; ++i) EXPECT_EQ(claims[static_cast<std::size_t>(i)].load(), 1) << "job " << i;
}

TEST_P(StoreConformance, UsersAfterWalksAConnectionByUserId) {
    ASSERT_TRUE(s().create_user(make_user("auth0|c", "db", "c@example.com")));
    ASSERT_TRUE(s().create_user(make_user("auth0|a", "db", "a@example.com")));
    ASSERT_TRUE(s().create_user(make_user("auth0|B", "db", "b@example.com")));
    ASSERT_TRUE(s().create_user(make_user("github|1", "github", "g@example.com")));
    auto first = s().users_after("db", "", 2);
    ASSERT_TRUE(first);
    ASSERT_EQ(first->size(), 2u);
    EXPECT_EQ((*first)[0].user_id, "auth0|B");  // bytewise: 'B' < 'a'
    EXPECT_EQ((*first)[1].user_id, "auth0|a");
    auto rest = s().users_after("db", (*first)[1].user_id, 2);
    ASSERT_EQ(rest->size(), 1u);
    EXPECT_EQ((*rest)[0].user_id, "auth0|c");
    EXPECT_EQ(s().users_after("", "", 10)->size(), 4u);
    EXPECT_TRUE(s().users_after("db", "auth0|c", 10)->empty());
}

// ---- organizations ----------------------------------------------------------------------------

Organization make_organization(std::string id, std::string name) {
    Organization o;
    o.id = std::move(id);
    o.name = std::move(name);
    o.display_name = "Org " + o.name;
    o.doc = {{"metadata", {{"tier", "gold"}}}};
    o.created_at = 100;
    o.updated_at = 100;
    return o;
}

TEST_P(StoreConformance, OrganizationCrudByIdAndNameListsByName) {
    ASSERT_TRUE(s().create_organization(make_organization("org_b", "beta")));
    ASSERT_TRUE(s().create_organization(make_organization("org_a", "acme")));
    ASSERT_TRUE(s().create_organization(make_organization("org_c", "Zeta")));
    expect_error(s().create_organization(make_organization("org_a", "other")), store_errc::already_exists);
    expect_error(s().create_organization(make_organization("org_x", "acme")), store_errc::already_exists);
    auto acme = s().get_organization_by_name("acme").value();
    EXPECT_EQ(acme.id, "org_a");
    EXPECT_EQ(acme.display_name, "Org acme");
    EXPECT_EQ(json::serialize(acme.doc), R"({"metadata":{"tier":"gold"}})");
    expect_error(s().get_organization_by_name("ACME"), store_errc::not_found);
    expect_error(s().get_organization("org_missing"), store_errc::not_found);

    auto page = s().list_organizations({.offset = 1, .limit = 2}).value();
    EXPECT_EQ(page.total, 3u);
    ASSERT_EQ(page.items.size(), 2u);  // bytewise: Zeta < acme < beta
    EXPECT_EQ(page.items[0].id, "org_a");
    EXPECT_EQ(page.items[1].id, "org_b");

    auto b = make_organization("org_b", "bravo");
    b.display_name = "Bravo Inc";
    ASSERT_TRUE(s().update_organization(b));
    EXPECT_EQ(s().get_organization("org_b").value().display_name, "Bravo Inc");
    expect_error(s().get_organization_by_name("beta"), store_errc::not_found);
    expect_error(s().update_organization(make_organization("org_b", "acme")), store_errc::already_exists);
    expect_error(s().update_organization(make_organization("org_missing", "x")), store_errc::not_found);
}

TEST_P(StoreConformance, OrganizationMembersAreAllOrNothingAndGoWithUserOrOrganization) {
    ASSERT_TRUE(s().create_organization(make_organization("org_a", "acme")));
    ASSERT_TRUE(s().create_organization(make_organization("org_b", "beta")));
    ASSERT_TRUE(s().create_user(make_user("auth0|1", "db", "one@example.com")));
    ASSERT_TRUE(s().create_user(make_user("auth0|2", "db", "two@example.com")));

    expect_error(s().add_organization_members("org_a", {"auth0|1", "auth0|missing"}), store_errc::not_found);
    EXPECT_FALSE(s().is_organization_member("org_a", "auth0|1").value()) << "nothing written";
    expect_error(s().add_organization_members("org_missing", {"auth0|1"}), store_errc::not_found);

    ASSERT_TRUE(s().add_organization_members("org_a", {"auth0|2", "auth0|1", "auth0|1"}));
    ASSERT_TRUE(s().add_organization_members("org_b", {"auth0|1"}));
    auto members = s().list_organization_members("org_a", {.offset = 0, .limit = 1}).value();
    EXPECT_EQ(members.total, 2u);
    ASSERT_EQ(members.items.size(), 1u);
    EXPECT_EQ(members.items[0].user_id, "auth0|1");
    EXPECT_FALSE(s().is_organization_member("org_b", "auth0|2").value());

    ASSERT_TRUE(s().remove_organization_members("org_a", {"auth0|2", "auth0|never"}));
    EXPECT_FALSE(s().is_organization_member("org_a", "auth0|2").value());

    ASSERT_TRUE(s().delete_user("auth0|1"));
    EXPECT_FALSE(s().is_organization_member("org_b", "auth0|1").value()) << "membership goes with the user";
    ASSERT_TRUE(s().create_user(make_user("auth0|1", "db", "one@example.com")));
    EXPECT_FALSE(s().is_organization_member("org_a", "auth0|1").value()) << "a new user with the id is no member";

    ASSERT_TRUE(s().add_organization_members("org_a", {"auth0|1"}));
    ASSERT_TRUE(s().delete_organization("org_a"));
    expect_error(s().delete_organization("org_a"), store_errc::not_found);
    ASSERT_TRUE(s().create_organization(make_organization("org_a", "acme")));
    EXPECT_EQ(s().list_organization_members("org_a", {}).value().total, 0u) << "members go with the organization";
}

TEST_P(StoreConformance, OrganizationMemberRolesNeedMembershipAndGoWithMemberRoleOrOrganization) {
    ASSERT_TRUE(s().create_organization(make_organization("org_a", "acme")));
    ASSERT_TRUE(s().create_organization(make_organization("org_b", "beta")));
    ASSERT_TRUE(s().create_user(make_user("auth0|1", "db", "one@example.com")));
    ASSERT_TRUE(s().create_role(Role{"rol_1", "admin", "", 1, 1}));
    ASSERT_TRUE(s().create_role(Role{"rol_2", "viewer", "", 1, 1}));
    expect_error(s().assign_organization_member_roles("org_a", "auth0|1", {"rol_1"}), store_errc::not_found);
    ASSERT_TRUE(s().add_organization_members("org_a", {"auth0|1"}));
    ASSERT_TRUE(s().add_organization_members("org_b", {"auth0|1"}));
    expect_error(s().assign_organization_member_roles("org_a", "auth0|1", {"rol_1", "rol_missing"}),
                 store_errc::not_found);
    EXPECT_TRUE(s().organization_member_role_ids("org_a", "auth0|1").value().empty()) << "nothing written";
    ASSERT_TRUE(s().assign_organization_member_roles("org_a", "auth0|1", {"rol_2", "rol_1", "rol_1"}));
    EXPECT_EQ(s().organization_member_role_ids("org_a", "auth0|1").value(),
              (std::vector<std::string>{"rol_1", "rol_2"}));
    EXPECT_TRUE(s().organization_member_role_ids("org_b", "auth0|1").value().empty()) << "roles are per organization";
    auto page = s().list_organization_member_roles("org_a", "auth0|1", {.offset = 1, .limit = 5}).value();
    EXPECT_EQ(page.total, 2u);
    ASSERT_EQ(page.items.size(), 1u);
    EXPECT_EQ(page.items[0].name, "viewer");

    ASSERT_TRUE(s().delete_role("rol_2"));
    EXPECT_EQ(s().organization_member_role_ids("org_a", "auth0|1").value(), (std::vector<std::string>{"rol_1"}));
    ASSERT_TRUE(s().remove_organization_members("org_a", {"auth0|1"}));
    ASSERT_TRUE(s().add_organization_members("org_a", {"auth0|1"}));
    EXPECT_TRUE(s().organization_member_role_ids("org_a", "auth0|1").value().empty()) << "roles go with membership";
    ASSERT_TRUE(s().assign_organization_member_roles("org_b", "auth0|1", {"rol_1"}));
    ASSERT_TRUE(s().delete_user("auth0|1"));
    EXPECT_TRUE(s().organization_member_role_ids("org_b", "auth0|1").value().empty()) << "roles go with the user";
}

TEST_P(StoreConformance, OrganizationConnectionsNeedBothSidesAndGoWithEither) {
    ASSERT_TRUE(s().create_organization(make_organization("org_a", "acme")));
    ASSERT_TRUE(s().create_connection(make_connection("con_1", "db", "auth0")));
    ASSERT_TRUE(s().create_connection(make_connection("con_2", "another", "auth0")));
    expect_error(s().enable_organization_connection("org_a", {"con_missing", false, true, false, "", ""}),
                 store_errc::not_found);
    expect_error(s().enable_organization_connection("org_missing", {"con_1", false, true, false, "", ""}),
                 store_errc::not_found);
    ASSERT_TRUE(s().enable_organization_connection("org_a", {"con_1", true, true, false, "", ""}));
    ASSERT_TRUE(s().enable_organization_connection("org_a", {"con_2", false, true, false, "", ""}));
    expect_error(s().enable_organization_connection("org_a", {"con_1", false, true, false, "", ""}),
                 store_errc::already_exists);
    auto one = s().get_organization_connection("org_a", "con_1").value();
    EXPECT_TRUE(one.assign_membership_on_login);
    EXPECT_EQ(one.name, "db");
    EXPECT_EQ(one.strategy, "auth0");
    auto page = s().list_organization_connections("org_a", {.offset = 0, .limit = 1}).value();
    EXPECT_EQ(page.total, 2u);
    ASSERT_EQ(page.items.size(), 1u);
    EXPECT_EQ(page.items[0].name, "another");
    ASSERT_TRUE(s().update_organization_connection("org_a", {"con_1", false, true, false, "", ""}));
    EXPECT_FALSE(s().get_organization_connection("org_a", "con_1").value().assign_membership_on_login);
    expect_error(s().update_organization_connection("org_a", {"con_missing", false, true, false, "", ""}),
                 store_errc::not_found);
    ASSERT_TRUE(s().delete_connection("con_1"));
    expect_error(s().get_organization_connection("org_a", "con_1"), store_errc::not_found);
    ASSERT_TRUE(s().disable_organization_connection("org_a", "con_2"));
    expect_error(s().disable_organization_connection("org_a", "con_2"), store_errc::not_found);
}

TEST_P(StoreConformance, GrantOrganizationIsWrittenOnceAndPurgedOnlyWithItsGrant) {
    ASSERT_TRUE(s().create_code(make_code("c1")));  // grant-c1, expires at 1060
    ASSERT_TRUE(s().record_grant_organization("grant-c1", "org_a", 1000));
    ASSERT_TRUE(s().record_grant_organization("grant-gone", "org_b", 1000));
    expect_error(s().record_grant_organization("grant-c1", "org_b", 1000), store_errc::already_exists);
    EXPECT_EQ(s().grant_organization("grant-c1").value(), "org_a");
    expect_error(s().grant_organization("grant-none"), store_errc::not_found);
    ASSERT_TRUE(s().purge_expired(1000 + 3600));  // the code is gone too (expired)
    expect_error(s().grant_organization("grant-gone"), store_errc::not_found);
    ASSERT_TRUE(s().create_refresh_token(make_refresh("r1", "grant-kept")));
    ASSERT_TRUE(s().record_grant_organization("grant-kept", "org_a", 1000));
    ASSERT_TRUE(s().purge_expired(1000 + 3600));
    EXPECT_EQ(s().grant_organization("grant-kept").value(), "org_a") << "a refresh token of the grant keeps it";
}

TEST_P(StoreConformance, OrganizationInvitationIsRedeemedOnceAndNotAfterExpiry) {
    ASSERT_TRUE(s().create_organization(make_organization("org_a", "acme")));
    OrganizationInvitation inv{"uinv_1", "org_a", "hash1", {{"invitee", {{"email", "a@example.com"}}}}, 100, 1000};
    expect_error(s().create_organization_invitation(OrganizationInvitation{"uinv_0", "org_missing", "h0", {}, 1, 1000}),
                 store_errc::not_found);
    ASSERT_TRUE(s().create_organization_invitation(inv));
    ASSERT_TRUE(s().create_organization_invitation(OrganizationInvitation{"uinv_2", "org_a", "hash2", {}, 200, 150}));
    auto page = s().list_organization_invitations("org_a", {}).value();
    EXPECT_EQ(page.total, 2u);
    ASSERT_EQ(page.items.size(), 2u);
    EXPECT_EQ(page.items[0].id, "uinv_2") << "newest first";
    EXPECT_EQ(s().get_organization_invitation("org_a", "uinv_1").value().doc.at("invitee").at("email"),
              "a@example.com");
    expect_error(s().get_organization_invitation("org_b", "uinv_1"), store_errc::not_found);
    expect_error(s().find_organization_invitation("hash2", 150), store_errc::not_found);  // expired
    EXPECT_EQ(s().find_organization_invitation("hash1", 150).value().id, "uinv_1");
    EXPECT_EQ(s().redeem_organization_invitation("hash1", 150).value().id, "uinv_1");
    expect_error(s().redeem_organization_invitation("hash1", 150), store_errc::not_found);  // single use
    ASSERT_TRUE(s().delete_organization("org_a"));
    EXPECT_EQ(s().list_organization_invitations("org_a", {}).value().total, 0u);
}

// ---- roles and permissions ------------------------------------------------------------------

Role make_role(std::string id, std::string name) {
    Role r;
    r.id = std::move(id);
    r.name = std::move(name);
    r.description = "Role " + r.name;
    r.created_at = 100;
    r.updated_at = 100;
    return r;
}

std::vector<std::string> role_ids(const std::vector<Role>& roles) {
    std::vector<std::string> out;
    for (const auto& r : roles) out.push_back(r.id);
    return out;
}

TEST_P(StoreConformance, RoleCrudListsByNameAndFiltersCaseInsensitively) {
    ASSERT_TRUE(s().create_role(make_role("rol_b", "Billing Admin")));
    ASSERT_TRUE(s().create_role(make_role("rol_a", "reader")));
    ASSERT_TRUE(s().create_role(make_role("rol_c", "admin_%")));
    expect_error(s().create_role(make_role("rol_a", "dup")), store_errc::already_exists);
    EXPECT_EQ(s().get_role("rol_b").value().description, "Role Billing Admin");
    expect_error(s().get_role("rol_missing"), store_errc::not_found);

    auto all = s().list_roles({.offset = 0, .limit = 2}, "").value();
    EXPECT_EQ(all.total, 3u);
    EXPECT_EQ(role_ids(all.items), (std::vector<std::string>{"rol_b", "rol_c"}));  // by name: B < a (binary)
    auto admins = s().list_roles({}, "ADMIN").value();
    EXPECT_EQ(admins.total, 2u);
    EXPECT_EQ(s().list_roles({}, "_%").value().total, 1u) << "LIKE wildcards are plain characters";

    auto r = make_role("rol_a", "writer");
    r.description = "";
    r.updated_at = 200;
    ASSERT_TRUE(s().update_role(r));
    EXPECT_EQ(s().get_role("rol_a").value().name, "writer");
    expect_error(s().update_role(make_role("rol_missing", "x")), store_errc::not_found);
    ASSERT_TRUE(s().delete_role("rol_a"));
    expect_error(s().delete_role("rol_a"), store_errc::not_found);
}

TEST_P(StoreConformance, UserPermissionsComeDirectlyAndThroughRolesEachOnce) {
    const std::string api = "https://api.example/";
    ASSERT_TRUE(s().create_user(make_user("auth0|u1", "db", "u1@example.com")));
    ASSERT_TRUE(s().create_user(make_user("auth0|u2", "db", "u2@example.com")));
    ASSERT_TRUE(s().create_role(make_role("rol_r", "reader")));
    ASSERT_TRUE(s().create_role(make_role("rol_w", "writer")));
    ASSERT_TRUE(s().add_role_permissions("rol_r", {{api, "read:things"}, {"https://other/", "read:other"}}));
    ASSERT_TRUE(s().add_role_permissions("rol_r", {{api, "read:things"}})) << "idempotent";
    ASSERT_TRUE(s().add_role_permissions("rol_w", {{api, "write:things"}, {api, "read:things"}}));
    expect_error(s().add_role_permissions("rol_missing", {{api, "x"}}), store_errc::not_found);
    EXPECT_EQ(s().list_role_permissions("rol_r", {}).value().total, 2u);

    expect_error(s().assign_user_roles("auth0|u1", {"rol_r", "rol_missing"}), store_errc::not_found);
    EXPECT_EQ(s().list_user_roles("auth0|u1", {}).value().total, 0u) << "all or nothing";
    expect_error(s().assign_user_roles("auth0|missing", {"rol_r"}), store_errc::not_found);
    ASSERT_TRUE(s().assign_user_roles("auth0|u1", {"rol_r", "rol_w"}));
    ASSERT_TRUE(s().assign_user_roles("auth0|u1", {"rol_r"})) << "idempotent";
    ASSERT_TRUE(s().assign_user_roles("auth0|u2", {"rol_r"}));
    ASSERT_TRUE(s().add_user_permissions("auth0|u1", {{api, "delete:things"}, {api, "read:things"}}));
    expect_error(s().add_user_permissions("auth0|missing", {{api, "x"}}), store_errc::not_found);

    EXPECT_EQ(role_ids(s().list_user_roles("auth0|u1", {}).value().items),
              (std::vector<std::string>{"rol_r", "rol_w"}));
    EXPECT_EQ(s().list_role_users("rol_r", {.offset = 1, .limit = 5}).value().items.at(0).user_id, "auth0|u2");
    EXPECT_EQ(s().list_role_users("rol_r", {}).value().total, 2u);

    EXPECT_EQ(s().user_api_permissions("auth0|u1", api, {}).value(),
              (std::vector<std::string>{"delete:things", "read:things", "write:things"}));
    EXPECT_EQ(s().user_api_permissions("auth0|u2", api, {}).value(), (std::vector<std::string>{"read:things"}));
    EXPECT_EQ(s().user_api_permissions("auth0|u2", api, {"rol_w"}).value(),
              (std::vector<std::string>{"read:things", "write:things"}))
        << "roles a login adds count too";
    auto page = s().list_user_permissions("auth0|u1", {.offset = 1, .limit = 2}).value();
    EXPECT_EQ(page.total, 4u);  // 3 for api + read:other
    ASSERT_EQ(page.items.size(), 2u);
    EXPECT_EQ(page.items[0], (Permission{api, "read:things"}));  // after delete:things
    EXPECT_EQ(page.items[1], (Permission{api, "write:things"}));
    EXPECT_EQ(s().user_permission_sources("auth0|u1").value().size(), 6u);  // 2 direct + 2 (r) + 2 (w)

    ASSERT_TRUE(s().remove_user_roles("auth0|u1", {"rol_w"}));
    ASSERT_TRUE(s().remove_user_permissions("auth0|u1", {{api, "delete:things"}}));
    EXPECT_EQ(s().user_api_permissions("auth0|u1", api, {}).value(), (std::vector<std::string>{"read:things"}));
    ASSERT_TRUE(s().remove_role_permissions("rol_r", {{api, "read:things"}}));
    EXPECT_EQ(s().user_api_permissions("auth0|u2", api, {}).value(), std::vector<std::string>{});
}

TEST_P(StoreConformance, PermissionsAndAssignmentsGoWithTheirUserRoleAndApi) {
    auto rs = make_api("rs1", "https://api.example/");
    rs.doc["scopes"] = json::array{json::object{{"value", "read:things"}}, json::object{{"value", "write:things"}}};
    ASSERT_TRUE(s().create_resource_server(rs));
    const auto& api = rs.identifier;
    ASSERT_TRUE(s().create_user(make_user("auth0|u1", "db", "u1@example.com")));
    ASSERT_TRUE(s().create_role(make_role("rol_r", "reader")));
    ASSERT_TRUE(s().add_role_permissions("rol_r", {{api, "read:things"}, {api, "write:things"}}));
    ASSERT_TRUE(s().assign_user_roles("auth0|u1", {"rol_r"}));
    ASSERT_TRUE(s().add_user_permissions("auth0|u1", {{api, "write:things"}}));

    // A scope removed from the API is nobody's permission any more.
    rs.doc["scopes"] = json::array{json::object{{"value", "read:things"}}};
    ASSERT_TRUE(s().update_resource_server(rs));
    EXPECT_EQ(s().user_api_permissions("auth0|u1", api, {}).value(), (std::vector<std::string>{"read:things"}));
    EXPECT_EQ(s().list_role_permissions("rol_r", {}).value().total, 1u);

    // Deleting the API deletes its permissions.
    ASSERT_TRUE(s().delete_resource_server(rs.id));
    EXPECT_EQ(s().list_role_permissions("rol_r", {}).value().total, 0u);
    ASSERT_TRUE(s().create_resource_server(rs));
    EXPECT_EQ(s().user_api_permissions("auth0|u1", api, {}).value(), std::vector<std::string>{})
        << "a new API with the same identifier inherits nothing";

    // Deleting a role unassigns it; deleting a user forgets its assignments.
    ASSERT_TRUE(s().add_role_permissions("rol_r", {{api, "read:things"}}));
    ASSERT_TRUE(s().delete_role("rol_r"));
    EXPECT_EQ(s().list_user_roles("auth0|u1", {}).value().total, 0u);
    ASSERT_TRUE(s().create_role(make_role("rol_r", "reader")));
    EXPECT_EQ(s().list_role_permissions("rol_r", {}).value().total, 0u) << "a re-used id inherits nothing";
    ASSERT_TRUE(s().assign_user_roles("auth0|u1", {"rol_r"}));
    ASSERT_TRUE(s().add_user_permissions("auth0|u1", {{api, "read:things"}}));
    ASSERT_TRUE(s().delete_user("auth0|u1"));
    ASSERT_TRUE(s().create_user(make_user("auth0|u1", "db", "u1@example.com")));
    EXPECT_EQ(s().list_user_roles("auth0|u1", {}).value().total, 0u);
    EXPECT_EQ(s().list_user_permissions("auth0|u1", {}).value().total, 0u);
    EXPECT_EQ(s().list_role_users("rol_r", {}).value().total, 0u);
}

UserTicket make_ticket(std::string hash, std::string user, std::string kind, std::int64_t expires_at) {
    UserTicket t;
    t.id_hash = std::move(hash);
    t.kind = std::move(kind);
    t.user_id = std::move(user);
    t.doc = json::object{{"result_url", "https://app.example.com/done"}};
    t.created_at = 100;
    t.expires_at = expires_at;
    return t;
}

TEST_P(StoreConformance, TicketIsReadableUntilRedeemedOrExpiredAndRedeemedOnce) {
    ASSERT_TRUE(s().create_ticket(make_ticket("h1", "auth0|u1", "password_change", 1000)));
    auto got = s().get_ticket("h1", 500);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->kind, "password_change");
    EXPECT_EQ(got->user_id, "auth0|u1");
    EXPECT_EQ(util::json_string(got->doc, "result_url"), "https://app.example.com/done");
    EXPECT_EQ(got->used_at, 0);
    EXPECT_EQ(s().get_ticket("h1", 1000).error(), store_errc::not_found) << "expired at expires_at";
    EXPECT_EQ(s().redeem_ticket("h1", 1000).error(), store_errc::not_found) << "an expired ticket is not redeemed";
    auto redeemed = s().redeem_ticket("h1", 600);
    ASSERT_TRUE(redeemed);
    EXPECT_EQ(redeemed->user_id, "auth0|u1");
    EXPECT_EQ(s().redeem_ticket("h1", 601).error(), store_errc::not_found);  // single use
    EXPECT_EQ(s().get_ticket("h1", 601).error(), store_errc::not_found);
    EXPECT_EQ(s().get_ticket("unknown", 1).error(), store_errc::not_found);
    EXPECT_EQ(s().create_ticket(make_ticket("h1", "auth0|u1", "password_change", 1000)).error(),
              store_errc::already_exists);
}

TEST_P(StoreConformance, RetiringAUsersTicketsEndsOnlyThatKindOfThatUser) {
    ASSERT_TRUE(s().create_ticket(make_ticket("a1", "auth0|a", "password_change", 1000)));
    ASSERT_TRUE(s().create_ticket(make_ticket("a2", "auth0|a", "password_change", 1000)));
    ASSERT_TRUE(s().create_ticket(make_ticket("a3", "auth0|a", "email_verification", 1000)));
    ASSERT_TRUE(s().create_ticket(make_ticket("b1", "auth0|b", "password_change", 1000)));
    ASSERT_TRUE(s().retire_user_tickets("auth0|a", "password_change", 500));
    EXPECT_EQ(s().redeem_ticket("a1", 501).error(), store_errc::not_found);
    EXPECT_EQ(s().redeem_ticket("a2", 501).error(), store_errc::not_found);
    EXPECT_TRUE(s().redeem_ticket("a3", 501));
    EXPECT_TRUE(s().redeem_ticket("b1", 501));
}

TEST_P(StoreConformance, ExpiredTicketsArePurged) {
    ASSERT_TRUE(s().create_ticket(make_ticket("old", "auth0|a", "email_verification", 100)));
    ASSERT_TRUE(s().create_ticket(make_ticket("new", "auth0|a", "email_verification", 10'000)));
    ASSERT_TRUE(s().purge_expired(200));
    EXPECT_TRUE(s().get_ticket("new", 300));
    ASSERT_TRUE(s().create_ticket(make_ticket("old", "auth0|a", "email_verification", 10'000)))
        << "the purged row is gone, so its key is free again";
}

TEST_P(StoreConformance, ConcurrentTicketRedeemHasExactlyOneWinner) {
    auto other = GetParam().shared ? second_instance() : nullptr;
    for (int r = 0; r < kRounds; ++r)
        ASSERT_TRUE(s().create_ticket(make_ticket("t-" + std::to_string(r), "auth0|u", "password_change", 1'000'000)));
    auto wins = race([&](int t, int r) {
        return pick(s(), other.get(), t).redeem_ticket("t-" + std::to_string(r), 10).has_value();
    });
    expect_one_winner_each_round(wins);
}

LogEvent make_log(std::int64_t date_ms, std::string type, std::string user_id, std::string client_id) {
    LogEvent e;
    e.date_ms = date_ms;
    e.log_id = new_log_id(date_ms);
    e.type = std::move(type);
    e.description = "Wrong email or password.";
    e.user_id = std::move(user_id);
    e.client_id = std::move(client_id);
    e.client_name = "App \xc3\xa9";
    e.ip = "127.0.0.1";
    e.connection = "Username-Password-Authentication";
    e.details = json::object{{"error", {{"message", "x"}}}};
    return e;
}

std::vector<std::string> types_of(const PageResult<LogEvent>& page) {
    std::vector<std::string> out;
    for (const auto& e : page.items) out.push_back(e.type);
    return out;
}

// Every event (at most `limit`), oldest first, with their total.
result<PageResult<LogEvent>> all_logs_oldest_first(Store& store, std::size_t limit = 50) {
    LogQuery q;
    q.limit = limit;
    q.oldest_first = true;
    q.with_total = true;
    return store.list_logs(q);
}

TEST_P(StoreConformance, LogsAreListedNewestFirstAndReadBackWhole) {
    std::vector<LogEvent> batch{make_log(1000, "s", "auth0|a", "c1"), make_log(2000, "fp", "auth0|a", "c1"),
                                make_log(3000, "seacft", "auth0|b", "c2")};
    ASSERT_TRUE(s().append_logs(batch));
    LogQuery q;
    q.with_total = true;
    auto page = s().list_logs(q);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->total, 3u);
    EXPECT_EQ(types_of(*page), (std::vector<std::string>{"seacft", "fp", "s"}));
    auto one = s().get_log(batch[1].log_id);
    ASSERT_TRUE(one);
    EXPECT_EQ(one->date_ms, 2000);
    EXPECT_EQ(one->client_name, "App \xc3\xa9");
    EXPECT_EQ(one->details, batch[1].details);
    expect_error(s().get_log("00000000000000"), store_errc::not_found);
    // A batch with a taken id writes nothing.
    std::vector<LogEvent> clash{make_log(4000, "f", "", ""), batch[0]};
    EXPECT_FALSE(s().append_logs(clash));
    EXPECT_EQ(s().list_logs(q)->total, 3u);
}

// The writer sends a batch as multi-row INSERTs of at most 100 events: a batch spanning several
// statements is written whole, every field in its own row, or not at all.
TEST_P(StoreConformance, BatchesLongerThanOneStatementAreWrittenWholeOrNotAtAll) {
    std::vector<LogEvent> batch;
    for (int i = 0; i < 250; ++i) {
        batch.push_back(make_log(1000 + i, i % 2 ? "s" : "f", "auth0|u" + std::to_string(i), "c" + std::to_string(i)));
        batch.back().user_name = "user " + std::to_string(i);
        batch.back().details = json::object{{"n", i}};
    }
    auto clashing = batch;
    clashing.back().log_id = clashing.front().log_id;  // in the third statement
    EXPECT_FALSE(s().append_logs(clashing));
    LogQuery q;
    q.with_total = true;
    EXPECT_EQ(s().list_logs(q)->total, 0u);

    ASSERT_TRUE(s().append_logs(batch));
    EXPECT_EQ(s().list_logs(q)->total, 250u);
    for (int i : {0, 99, 100, 101, 249}) {
        const auto& want = batch[static_cast<std::size_t>(i)];
        auto got = s().get_log(want.log_id);
        ASSERT_TRUE(got) << i;
        auto columns = [](const LogEvent& e) {
            return std::tie(e.date_ms, e.type, e.description, e.client_id, e.client_name, e.ip, e.user_id, e.user_name,
                            e.connection);
        };
        EXPECT_EQ(columns(*got), columns(want)) << i;
        EXPECT_EQ(got->details, want.details) << i;
    }
}

// SQLite keeps composed statements prepared by their text: the same text runs again with new values,
// and more shapes than the cache holds (one per batch length here) start it over without losing a row.
TEST_P(StoreConformance, ComposedStatementsKeptPreparedBindEachCallsOwnValues) {
    std::vector<std::string> ids;
    for (int round = 0; round < 2; ++round)
        for (int length = 1; length <= 40; ++length) {
            std::vector<LogEvent> batch;
            for (int i = 0; i < length; ++i) {
                batch.push_back(make_log(1000 * round + length, "s", "auth0|r" + std::to_string(round), "c"));
                batch.back().user_name = std::to_string(round) + "/" + std::to_string(length) + "/" + std::to_string(i);
                ids.push_back(batch.back().log_id);
            }
            ASSERT_TRUE(s().append_logs(batch)) << round << "/" << length;
        }
    LogQuery q;
    q.with_total = true;
    q.filter = log_equals(LogFilter::kind::user_id, "auth0|r1");
    EXPECT_EQ(s().list_logs(q)->total, 820u);
    for (std::size_t i : {std::size_t{0}, std::size_t{819}, std::size_t{820}, ids.size() - 1}) {
        auto got = s().get_log(ids[i]);
        ASSERT_TRUE(got) << i;
        EXPECT_EQ(got->log_id, ids[i]);
    }
    EXPECT_EQ(s().get_log(ids.back())->user_name, "1/40/39");
    EXPECT_EQ(s().get_log(ids.front())->user_name, "0/1/0");
}

TEST_P(StoreConformance, LogFiltersCombineWithAndOrAndDateRangesAndPageInSql) {
    std::vector<LogEvent> batch;
    for (int i = 0; i < 10; ++i)
        batch.push_back(
            make_log(1000 * (i + 1), i % 2 ? "s" : "f", i < 5 ? "auth0|a" : "auth0|b", "c" + std::to_string(i % 3)));
    ASSERT_TRUE(s().append_logs(batch));
    LogQuery q;
    q.with_total = true;
    q.filter.op = LogFilter::kind::both;
    q.filter.operands = {log_equals(LogFilter::kind::type, "s"), log_equals(LogFilter::kind::user_id, "auth0|a")};
    auto page = s().list_logs(q);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->total, 2u);  // i = 1, 3
    ASSERT_EQ(page->items.size(), 2u);
    EXPECT_EQ(page->items[0].date_ms, 4000);

    LogFilter range;
    range.op = LogFilter::kind::date;
    range.from_ms = 3000;
    range.to_ms = 6000;
    q.filter.op = LogFilter::kind::either;
    q.filter.operands = {range, log_equals(LogFilter::kind::client_id, "c2")};  // 3..6 s, or i = 2, 5, 8
    auto either = s().list_logs(q);
    ASSERT_TRUE(either);
    EXPECT_EQ(either->total, 5u);  // dates 3000, 4000, 5000, 6000 and 9000

    // A value that looks like SQL is only ever a value.
    q.filter = log_equals(LogFilter::kind::type, "s' OR '1'='1");
    EXPECT_EQ(s().list_logs(q)->total, 0u);

    // Offset paging, newest first.
    q.filter = LogFilter{};
    q.offset = 2;
    q.limit = 3;
    auto window = s().list_logs(q);
    ASSERT_EQ(window->items.size(), 3u);
    EXPECT_EQ(window->items[0].date_ms, 8000);
    EXPECT_EQ(window->total, 10u);

    // Checkpoint paging: after a log_id, oldest first.
    LogQuery cp;
    cp.checkpoint = true;
    cp.after_log_id = batch[6].log_id;
    cp.limit = 2;
    auto next = s().list_logs(cp);
    ASSERT_EQ(next->items.size(), 2u);
    EXPECT_EQ(next->items[0].log_id, batch[7].log_id);
    EXPECT_EQ(next->items[1].log_id, batch[8].log_id);
}

// Date ranges run on log_id (it begins with the date): both ends are kept to the millisecond, and
// dates beyond log_id's 14 digits or before 1970 still bound nothing wrongly.
TEST_P(StoreConformance, LogDateRangesIncludeBothEndsToTheMillisecond) {
    std::vector<LogEvent> batch;
    for (std::int64_t date : {2999, 3000, 3001, 5999, 6000, 6001}) batch.push_back(make_log(date, "s", "", ""));
    ASSERT_TRUE(s().append_logs(batch));
    auto dates_between = [&](std::int64_t from, std::int64_t to) {
        LogQuery q;
        q.oldest_first = true;
        q.filter.op = LogFilter::kind::date;
        q.filter.from_ms = from;
        q.filter.to_ms = to;
        auto page = s().list_logs(q);
        std::vector<std::int64_t> out;
        for (const auto& e : page->items) out.push_back(e.date_ms);
        return out;
    };
    EXPECT_EQ(dates_between(3000, 6000), (std::vector<std::int64_t>{3000, 3001, 5999, 6000}));
    EXPECT_EQ(dates_between(3001, 3001), (std::vector<std::int64_t>{3001}));
    EXPECT_EQ(dates_between(-5, 2999), (std::vector<std::int64_t>{2999}));
    EXPECT_EQ(dates_between(6001, 253'402'300'799'999), (std::vector<std::int64_t>{6001}));  // 9999-12-31
    EXPECT_EQ(dates_between(INT64_MIN, 3000), (std::vector<std::int64_t>{2999, 3000}));
    EXPECT_EQ(dates_between(6000, INT64_MAX), (std::vector<std::int64_t>{6000, 6001}));
}

// user_id and client_id are indexed only where they are set (client credentials have no user): events
// without one are still found by every other filter, and by an explicit empty value.
TEST_P(StoreConformance, LogsWithoutUserOrClientAreFoundByTheOtherFilters) {
    ASSERT_TRUE(
        s().append_logs(std::vector<LogEvent>{make_log(1000, "seccft", "", "c1"), make_log(2000, "s", "auth0|a", "c1"),
                                              make_log(3000, "f", "auth0|a", ""), make_log(4000, "f", "", "")}));
    auto matching = [&](LogFilter f) {
        LogQuery q;
        q.with_total = true;
        q.filter = std::move(f);
        return types_of(*s().list_logs(q));
    };
    using strings = std::vector<std::string>;
    EXPECT_EQ(matching(log_equals(LogFilter::kind::user_id, "auth0|a")), (strings{"f", "s"}));
    EXPECT_EQ(matching(log_equals(LogFilter::kind::client_id, "c1")), (strings{"s", "seccft"}));
    EXPECT_EQ(matching(log_equals(LogFilter::kind::user_id, "")), (strings{"f", "seccft"}));
    EXPECT_EQ(matching(log_equals(LogFilter::kind::client_id, "")), (strings{"f", "f"}));
    EXPECT_EQ(matching(log_equals(LogFilter::kind::type, "f")), (strings{"f", "f"}));
    LogFilter either;
    either.op = LogFilter::kind::either;
    either.operands = {log_equals(LogFilter::kind::user_id, "auth0|a"), log_equals(LogFilter::kind::type, "seccft")};
    EXPECT_EQ(matching(either), (strings{"f", "s", "seccft"}));
}

TEST_P(StoreConformance, RetentionPurgesOldLogsAndFinishedMailButNeverPendingMail) {
    ASSERT_TRUE(s().append_logs(std::vector<LogEvent>{make_log(1000, "s", "", ""), make_log(5000, "s", "", "")}));
    auto sent = make_mail("sent", 0);
    sent.created_at = 10;
    sent.status = "sent";
    auto pending = make_mail("pending", 0);
    pending.created_at = 10;
    ASSERT_TRUE(s().enqueue_mail(sent));
    ASSERT_TRUE(s().enqueue_mail(pending));
    auto removed = s().purge_history(2000, 20);
    ASSERT_TRUE(removed);
    EXPECT_EQ(*removed, 2u);
    LogQuery q;
    q.with_total = true;
    EXPECT_EQ(s().list_logs(q)->total, 1u);
    expect_error(s().get_mail("sent"), store_errc::not_found);
    EXPECT_TRUE(s().get_mail("pending"));
}

// The retention purge deletes in bounded statements (see purge_history): after a long stop it takes
// every old event over several of them, and nothing newer.
TEST_P(StoreConformance, RetentionPurgeOfMoreEventsThanOneStatementTakesThemAll) {
    constexpr int old_events = 12'345;
    std::vector<LogEvent> batch;
    for (int i = 0; i < old_events + 3; ++i) {
        batch.push_back(make_log(i < old_events ? 1000 + i : 900'000 + i, "s", "", ""));
        if (batch.size() == 100 || i == old_events + 2) {
            ASSERT_TRUE(s().append_logs(batch));
            batch.clear();
        }
    }
    auto removed = s().purge_history(500'000, 0);
    ASSERT_TRUE(removed);
    EXPECT_EQ(*removed, static_cast<std::size_t>(old_events));
    LogQuery q;
    q.with_total = true;
    EXPECT_EQ(s().list_logs(q)->total, 3u);
}

TEST_P(StoreConformance, BatchedEventLogWritesEverythingQueuedAndDropsBeyondCapacity) {
    {
        // No batch fills and the interval is long: nothing is written before flush(), so exactly the
        // events beyond the capacity are dropped.
        BatchedEventLog log(s(), {.capacity = 5, .batch_size = 100, .flush_interval = std::chrono::seconds(60)});
        for (int i = 0; i < 8; ++i) {
            auto e = make_log(0, "s", "auth0|a", "c");
            e.log_id.clear();
            log.record(std::move(e));
        }
        log.flush();
        EXPECT_EQ(log.dropped(), 3u);
    }
    LogQuery q;
    q.with_total = true;
    auto page = s().list_logs(q);
    EXPECT_EQ(page->total, 5u);
    EXPECT_GT(page->items.front().date_ms, 0);  // dated by record()
}

// Queue slots are reused: an event written into a slot another event left (owned or borrowed,
// shorter or longer, with or without details) is stored exactly as recorded, nothing of the slot's
// earlier event left in it.
TEST_P(StoreConformance, BatchedEventLogStoresEveryEventExactlyThroughReusedSlots) {
    constexpr int kEvents = 700;  // several batches of 100
    std::vector<LogEvent> recorded;
    {
        BatchedEventLog log(s(), {.capacity = 1000, .batch_size = 100, .flush_interval = std::chrono::milliseconds(5)});
        for (int i = 0; i < kEvents; ++i) {
            LogEvent e;
            e.type = i % 3 == 0 ? "seccft" : "s";
            e.description = std::string(static_cast<std::size_t>(i % 40), 'd') + std::to_string(i);
            e.client_id = "client-" + std::to_string(i * 7919 % 1000);
            e.client_name =
                i % 2 ? "" : "A client with a name longer than the small-string buffer " + std::to_string(i);
            e.ip = "10.0.0." + std::to_string(i % 256);
            e.user_id = i % 3 == 0 ? "" : "auth0|" + std::to_string(i);
            if (i % 5 == 0) e.details = json::object{{"error", json::object{{"message", "no " + std::to_string(i)}}}};
            recorded.push_back(e);
            if (i % 2) {
                log.record(std::move(e));
            } else {
                log.record_borrowed({.type = e.type,
                                     .description = e.description,
                                     .client_id = e.client_id,
                                     .client_name = e.client_name,
                                     .ip = e.ip,
                                     .user_id = e.user_id,
                                     .details = e.details.empty() ? nullptr : &e.details});
            }
            if (i % 150 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));  // let batches go
        }
        log.flush();
        EXPECT_EQ(log.dropped(), 0u);
    }
    auto page = all_logs_oldest_first(s(), kEvents);
    ASSERT_TRUE(page);
    ASSERT_EQ(page->items.size(), recorded.size());
    std::set<std::string> ids;
    for (std::size_t i = 0; i < recorded.size(); ++i) {
        const auto& got = page->items[i];
        const auto& want = recorded[i];
        ids.insert(got.log_id);
        EXPECT_EQ(got.type, want.type) << i;
        EXPECT_EQ(got.description, want.description) << i;
        EXPECT_EQ(got.client_id, want.client_id) << i;
        EXPECT_EQ(got.client_name, want.client_name) << i;
        EXPECT_EQ(got.ip, want.ip) << i;
        EXPECT_EQ(got.user_id, want.user_id) << i;
        EXPECT_EQ(got.user_name, "") << i;
        EXPECT_EQ(got.details, want.details) << i;
    }
    EXPECT_EQ(ids.size(), recorded.size()) << "every event has its own log_id";
}

// Events are stored as runs (one row for up to 256 events of one type, client and user within a
// second; see append_logs): whatever a query cuts through a run, or however two writers' runs
// interleave, every list, count, checkpoint and lookup answers exactly what per-event rows would.
// The expectations come from a plain model of the events.
bool model_matches(const LogFilter& f, const LogEvent& e) {
    using k = LogFilter::kind;
    switch (f.op) {
        case k::all:
            return true;
        case k::type:
            return e.type == f.value;
        case k::user_id:
            return e.user_id == f.value;
        case k::client_id:
            return e.client_id == f.value;
        case k::date:
            return e.date_ms >= f.from_ms && e.date_ms <= f.to_ms;
        case k::both:
            return std::all_of(f.operands.begin(), f.operands.end(),
                               [&](const auto& o) { return model_matches(o, e); });
        case k::either:
            return std::any_of(f.operands.begin(), f.operands.end(),
                               [&](const auto& o) { return model_matches(o, e); });
    }
    return false;
}

std::vector<std::string> model_page(const std::vector<LogEvent>& events, const LogQuery& q, std::size_t& total) {
    std::vector<std::string> ids;  // events is in log_id order
    for (const auto& e : events)
        if (model_matches(q.filter, e) && (!q.checkpoint || e.log_id > q.after_log_id)) ids.push_back(e.log_id);
    total = ids.size();
    if (!q.checkpoint && !q.oldest_first) std::reverse(ids.begin(), ids.end());
    const auto skip = q.checkpoint ? 0 : std::min(q.offset, ids.size());
    return {ids.begin() + static_cast<std::ptrdiff_t>(skip),
            ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), skip + q.limit))};
}

TEST_P(StoreConformance, LogRunsCutByPagingFiltersAndInterleavedWritersAnswerEventByEvent) {
    constexpr int kEvents = 2000;
    std::vector<LogEvent> events;
    std::uint32_t rng = 12345;
    auto next = [&] { return rng = rng * 1103515245u + 12345u, (rng >> 16) % 100; };
    std::int64_t date = 10'000;
    for (int i = 0; i < kEvents; ++i) {
        date += static_cast<std::int64_t>(next() % 8);  // ~7 s in all: runs end by size and by span
        auto pick = next();
        // Mostly one kind of event (a busy client-credentials client), as a real log is.
        auto e = pick < 70   ? make_log(date, "seccft", "", "c1")
                 : pick < 85 ? make_log(date, "s", "auth0|a", "c2")
                 : pick < 95 ? make_log(date, "f", "auth0|b", "c2")
                             : make_log(date, "sapi", "", "");
        e.description = "event " + std::to_string(i);
        if (i % 3)
            e.details = json::object{{"n", i}};
        else
            e.details.clear();
        events.push_back(std::move(e));
    }
    // Two writers (two instances) take alternate events, so their runs overlap in log_id; each
    // appends in batches of 300.
    for (std::size_t start = 0; start < events.size(); start += 600)
        for (std::size_t writer = 0; writer < 2; ++writer) {
            std::vector<LogEvent> batch;
            for (auto i = start + writer; i < std::min(events.size(), start + 600); i += 2) batch.push_back(events[i]);
            ASSERT_TRUE(s().append_logs(batch));
        }

    auto expect_like_model = [&](LogQuery q, const std::string& what) {
        q.with_total = true;
        std::size_t total = 0;
        auto want = model_page(events, q, total);
        auto page = s().list_logs(q);
        ASSERT_TRUE(page) << what;
        std::vector<std::string> got;
        for (const auto& e : page->items) got.push_back(e.log_id);
        EXPECT_EQ(got, want) << what;
        if (!q.checkpoint) {
            EXPECT_EQ(page->total, total) << what;
        }
    };
    auto at = [&](int i) { return events[static_cast<std::size_t>(i)]; };
    LogFilter mid_run_dates;
    mid_run_dates.op = LogFilter::kind::date;
    mid_run_dates.from_ms = at(301).date_ms;
    mid_run_dates.to_ms = at(1299).date_ms;
    LogFilter busy_in_range;
    busy_in_range.op = LogFilter::kind::both;
    busy_in_range.operands = {log_equals(LogFilter::kind::type, "seccft"), mid_run_dates};
    LogFilter user_or_api;
    user_or_api.op = LogFilter::kind::either;
    user_or_api.operands = {log_equals(LogFilter::kind::user_id, "auth0|a"), log_equals(LogFilter::kind::type, "sapi")};
    const std::vector<std::pair<std::string, LogFilter>> filters{
        {"all", LogFilter{}},
        {"type", log_equals(LogFilter::kind::type, "seccft")},
        {"no user", log_equals(LogFilter::kind::user_id, "")},
        {"client", log_equals(LogFilter::kind::client_id, "c2")},
        {"dates", mid_run_dates},
        {"type and dates", busy_in_range},
        {"user or type", user_or_api}};
    for (const auto& [name, filter] : filters) {
        for (bool oldest_first : {false, true})
            for (std::size_t offset : {0, 1, 255, 256, 257, 700, 1999})
                for (std::size_t limit : {1, 100}) {
                    LogQuery q;
                    q.filter = filter;
                    q.oldest_first = oldest_first;
                    q.offset = offset;
                    q.limit = limit;
                    expect_like_model(q, name + (oldest_first ? " oldest" : " newest") + " from " +
                                             std::to_string(offset) + " take " + std::to_string(limit));
                }
        for (int after : {0, 299, 300, 1234, kEvents - 1}) {
            LogQuery q;
            q.filter = filter;
            q.checkpoint = true;
            q.after_log_id = at(after).log_id;
            q.limit = 100;
            expect_like_model(q, name + " after event " + std::to_string(after));
        }
    }
    for (int i = 0; i < kEvents; i += 97) {
        auto got = s().get_log(at(i).log_id);
        ASSERT_TRUE(got) << i;
        EXPECT_EQ(got->description, at(i).description);
        EXPECT_EQ(got->date_ms, at(i).date_ms);
        EXPECT_EQ(got->details, at(i).details) << i;
    }
    expect_error(s().get_log(at(5).log_id + "0"), store_errc::not_found);
    expect_error(s().get_log(log_id_floor(at(5).date_ms)), store_errc::not_found);

    // The purge takes a run once its last event is older than the floor: what it keeps older than
    // the floor is within one run's span of it, and nothing at or after the floor goes.
    const auto floor_ms = at(1000).date_ms;
    auto removed = s().purge_history(floor_ms, 0);
    ASSERT_TRUE(removed);
    auto kept = all_logs_oldest_first(s(), kEvents);
    ASSERT_TRUE(kept);
    EXPECT_EQ(*removed + kept->total, static_cast<std::size_t>(kEvents));
    EXPECT_GT(*removed, 0u);
    std::size_t at_or_after_floor = 0;
    for (const auto& e : events) at_or_after_floor += e.date_ms >= floor_ms;
    std::size_t kept_at_or_after_floor = 0;
    for (const auto& e : kept->items) {
        EXPECT_GE(e.date_ms, floor_ms - 1000) << e.description;
        kept_at_or_after_floor += e.date_ms >= floor_ms;
    }
    EXPECT_EQ(kept_at_or_after_floor, at_or_after_floor);
}

// Event fields come from what clients send (a login's username, a token request's client_id): a
// value made to break its run's JSON or the SQL around it (quotes, brackets, backslashes, control
// characters, NUL, bytes that are not UTF-8) is stored as text in its own event, and neither loses
// the batch nor stops the events around it from being read. NUL and bytes that are not UTF-8 are
// stored as U+FFFD, the one form both backends' JSON and text keep.
TEST_P(StoreConformance, LogFieldsCraftedToBreakARunsJsonStayTextOfTheirOwnEvent) {
    const std::string crafted = std::string("a\"],[\"x\",1],[\"\\'); DROP TABLE log_runs;--\x01\n\t") + '\0' +
                                "z\xff\xc3(\xe2\x82 \xf0\x9f\x94\x91";
    const std::string stored = std::string("a\"],[\"x\",1],[\"\\'); DROP TABLE log_runs;--\x01\n\t") +
                               "\xEF\xBF\xBDz\xEF\xBF\xBD\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD \xf0\x9f\x94\x91";
    std::vector<LogEvent> batch;
    for (int i = 0; i < 6; ++i) {
        auto e = make_log(1000 + i, "fu", "", "c1");  // one run
        e.description = "event " + std::to_string(i);
        batch.push_back(e);
    }
    batch[2].user_name = batch[2].description = batch[2].client_name = batch[2].connection = crafted;
    batch[2].ip = crafted;
    batch[2].details = json::object{{"error", {{"message", crafted}}}};
    auto other = make_log(1010, "fu", crafted, crafted);  // a run keyed by crafted text
    other.type = crafted;
    batch.push_back(other);
    ASSERT_TRUE(s().append_logs(batch));

    auto page = all_logs_oldest_first(s());
    ASSERT_TRUE(page);
    ASSERT_EQ(page->items.size(), batch.size());
    EXPECT_EQ(page->total, batch.size());
    const auto& got = page->items[2];
    EXPECT_EQ(got.description, stored);
    EXPECT_EQ(got.user_name, stored);
    EXPECT_EQ(got.client_name, stored);
    EXPECT_EQ(got.connection, stored);
    EXPECT_EQ(got.ip, stored);
    EXPECT_EQ(got.details.at("error").at("message").as_string(), stored);
    for (int i : {1, 3, 5})
        EXPECT_EQ(page->items[static_cast<std::size_t>(i)].description, "event " + std::to_string(i));
    auto keyed = s().get_log(other.log_id);
    ASSERT_TRUE(keyed);
    EXPECT_EQ(keyed->type, stored);
    EXPECT_EQ(keyed->user_id, stored);
    EXPECT_EQ(keyed->client_id, stored);
    LogQuery by_user;
    by_user.with_total = true;
    by_user.filter = log_equals(LogFilter::kind::user_id, stored);
    EXPECT_EQ(s().list_logs(by_user)->total, 1u);
}

std::string backend_name(const ::testing::TestParamInfo<backend>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance,
                         ::testing::Values(test_backends::sqlite_file_backend(), test_backends::sqlite_memory_backend(),
                                           test_backends::postgres_backend()),
                         backend_name);
INSTANTIATE_TEST_SUITE_P(Backends, UserSearchConformance,
                         ::testing::Values(test_backends::sqlite_file_backend(), test_backends::sqlite_memory_backend(),
                                           test_backends::postgres_backend()),
                         backend_name);

}  // namespace
}  // namespace gatehouse::store
