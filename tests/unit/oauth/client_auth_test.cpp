// oauth/client_auth: which credentials a request presents (Basic vs body) and whether they
// authenticate the client under its token_endpoint_auth_method, with one answer for every failure.
#include "oauth/client_auth.hpp"
#include "unit/oauth/test_config.hpp"

#include "mgmt/bootstrap.hpp"
#include "util/util.hpp"

#include <gtest/gtest.h>

namespace gatehouse::oauth {
namespace {

struct TenantWithBasicClient {
    std::unique_ptr<store::Store> store = store::open_store("sqlite::memory:");
    TenantConfig config = test_tenant_config();
    mgmt::BootstrapResult boot;  // its management client is client_secret_post, the demo SPA none
    std::unique_ptr<Catalog> catalog;
    const std::string basic_client_id = "basicClient";
    const std::string basic_secret = "the-basic-client-secret";

    TenantWithBasicClient() {
        boot = mgmt::bootstrap_tenant(
                   *store, {config.issuer, config.secret_hash_key, {}, {}, true, {"http://localhost:3000/cb"}})
                   .value();
        store::Client basic;
        basic.client_id = basic_client_id;
        basic.secret_hash = util::hash_secret(config.secret_hash_key, basic_secret);
        basic.doc = {
            {"name", "Basic"}, {"app_type", "regular_web"}, {"token_endpoint_auth_method", "client_secret_basic"}};
        EXPECT_TRUE(store->create_client(basic));
        catalog = std::make_unique<Catalog>(*store, config);
    }

    oauth_result<std::shared_ptr<const ClientView>> authenticate(
        std::string_view authorization, std::vector<std::pair<std::string, std::string>> body) {
        auto credentials = presented_credentials(authorization, util::Params(std::move(body)));
        if (!credentials) return credentials.error();
        return authenticate_client(*catalog, *credentials);
    }
};

using Items = std::vector<std::pair<std::string, std::string>>;

std::string basic(std::string_view id, std::string_view secret) {
    return "Basic " + util::base64_encode(std::string(id) + ":" + std::string(secret));
}

TEST(PresentedCredentials, BodyOrBasicNeverBoth) {
    auto body = presented_credentials("", util::Params(Items{{"client_id", "a"}, {"client_secret", "s"}}));
    ASSERT_TRUE(body);
    EXPECT_EQ(body->client_id, "a");
    EXPECT_EQ(body->client_secret, "s");
    EXPECT_FALSE(body->via_basic);

    // RFC 6749 §2.3.1: the id and secret are form-urlencoded inside the Basic header.
    auto header = presented_credentials(basic("my%20app", "s%3Acr+t"), util::Params(Items{{"client_id", "my app"}}));
    ASSERT_TRUE(header);
    EXPECT_EQ(header->client_id, "my app");
    EXPECT_EQ(header->client_secret, "s:cr t");
    EXPECT_TRUE(header->via_basic);

    auto both = presented_credentials(basic("a", "s"), util::Params(Items{{"client_secret", "s"}}));
    ASSERT_FALSE(both);
    EXPECT_EQ(both.error().code, oauth_errc::invalid_request);
    auto mismatch = presented_credentials(basic("a", "s"), util::Params(Items{{"client_id", "b"}}));
    ASSERT_FALSE(mismatch);
    EXPECT_EQ(mismatch.error().code, oauth_errc::invalid_request);
    auto malformed = presented_credentials("Basic !!!", util::Params());
    ASSERT_FALSE(malformed);
    EXPECT_EQ(malformed.error().code, oauth_errc::invalid_client);
    auto bearer = presented_credentials("Bearer abc", util::Params(Items{{"client_id", "a"}}));
    ASSERT_FALSE(bearer);
    EXPECT_EQ(bearer.error().code, oauth_errc::invalid_client);
}

TEST(AuthenticateClient, EachClientUsesItsOwnMethod) {
    TenantWithBasicClient t;
    const auto& post_id = t.boot.mgmt_client_id;
    const auto& post_secret = t.boot.mgmt_client_secret;
    EXPECT_TRUE(t.authenticate("", {{"client_id", post_id}, {"client_secret", post_secret}}));
    EXPECT_TRUE(t.authenticate(basic(t.basic_client_id, t.basic_secret), {}));
    EXPECT_TRUE(t.authenticate("", {{"client_id", t.boot.demo_client_id}}));

    // Downgrades and side-grades: the right secret, the wrong method.
    EXPECT_FALSE(t.authenticate(basic(post_id, post_secret), {}));
    EXPECT_FALSE(t.authenticate("", {{"client_id", t.basic_client_id}, {"client_secret", t.basic_secret}}));
    EXPECT_FALSE(t.authenticate("", {{"client_id", t.basic_client_id}}));
    EXPECT_FALSE(t.authenticate("", {{"client_id", post_id}}));
    // A public client that sends a secret, in the body or with Basic, even an empty one.
    EXPECT_FALSE(t.authenticate("", {{"client_id", t.boot.demo_client_id}, {"client_secret", "anything"}}));
    EXPECT_FALSE(t.authenticate("", {{"client_id", t.boot.demo_client_id}, {"client_secret", ""}}));
    EXPECT_FALSE(t.authenticate(basic(t.boot.demo_client_id, "x"), {}));

    auto missing = t.authenticate("", {});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, oauth_errc::invalid_request);
}

TEST(AuthenticateClient, UnknownClientWrongSecretAndWrongMethodAreOneAnswer) {
    TenantWithBasicClient t;
    const auto& id = t.boot.mgmt_client_id;
    std::vector<OAuthError> failures;
    for (auto r :
         {t.authenticate("", {{"client_id", "noSuchClient"}, {"client_secret", "x"}}),
          t.authenticate("", {{"client_id", "noSuchClient"}}),
          t.authenticate("", {{"client_id", id}, {"client_secret", "wrong"}}), t.authenticate("", {{"client_id", id}}),
          t.authenticate(basic(id, t.boot.mgmt_client_secret), {}), t.authenticate(basic("noSuchClient", "x"), {}),
          t.authenticate(basic(t.basic_client_id, "wrong"), {})}) {
        ASSERT_FALSE(r);
        failures.push_back(r.error());
    }
    for (const auto& e : failures) {
        EXPECT_EQ(e.code, oauth_errc::invalid_client);
        EXPECT_EQ(e.status(), boost::beast::http::status::unauthorized);
        EXPECT_EQ(e.description, "Client authentication failed.");
        EXPECT_FALSE(e.detail.empty()) << "the log says which";
    }
    EXPECT_EQ(failures[0].detail, "unknown client");
    EXPECT_EQ(failures[2].detail, "client secret mismatch");
}

TEST(AuthenticateClient, SecretsAreStoredKeyedAndNeverInClear) {
    TenantWithBasicClient t;
    auto row = t.store->get_client(t.boot.mgmt_client_id).value();
    EXPECT_EQ(row.secret_hash, util::hash_secret(t.config.secret_hash_key, t.boot.mgmt_client_secret));
    EXPECT_EQ(boost::json::serialize(row.doc).find(t.boot.mgmt_client_secret), std::string::npos);
}

}  // namespace
}  // namespace gatehouse::oauth
