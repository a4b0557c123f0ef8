// TokenService and AuthorizationService driven directly (no HTTP), with a real SQLite store and
// explicit clocks, for what the wire tests cannot reach in reasonable time (expiry) or cannot see
// (which branch refused a request).
#include "connections/database.hpp"
#include "jose/jose.hpp"
#include "mgmt/bootstrap.hpp"
#include "oauth/grants/registry.hpp"
#include "oauth/oauth.hpp"
#include "unit/oauth/test_config.hpp"
#include "util/util.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace gatehouse::oauth {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

struct World {
    std::unique_ptr<store::Store> store = store::open_store("sqlite::memory:");
    TenantConfig config = test_tenant_config();
    mgmt::BootstrapResult boot;
    std::unique_ptr<Catalog> catalog;
    std::unique_ptr<AuthorizationService> authz;
    std::unique_ptr<TokenService> tokens;
    store::User user;

    World() {
        boot = mgmt::bootstrap_tenant(
                   *store, {config.issuer, config.secret_hash_key, {}, {}, true, {"http://localhost:3000/cb"}})
                   .value();
        auto key = jose::PrivateKey::generate(jose::Alg::RS256);
        store::SigningKey row{key.kid(),
                              "RS256",
                              jose::seal(key.to_pem(), config.sealing_key).value(),
                              boost::json::serialize(key.public_jwk()),
                              kNow,
                              0,
                              0};
        EXPECT_TRUE(store->add_key(row));
        catalog = std::make_unique<Catalog>(*store, config);
        authz = std::make_unique<AuthorizationService>(*catalog, *store);
        tokens = std::make_unique<TokenService>(*catalog, *store);
        connections::DatabaseConnection db(*store, "Username-Password-Authentication");
        user = db.signup("bob@example.com", "a long enough password", {}).value();
    }

    // A code for the demo client, as the hosted login would issue it at `now`.
    std::string code(const std::string& verifier, std::int64_t now) {
        PendingAuthorization pending;
        pending.client_id = boot.demo_client_id;
        pending.target.redirect_uri = "http://localhost:3000/cb";
        pending.scope = "openid offline_access";
        pending.code_challenge = s256_challenge(verifier);
        pending.code_challenge_method = "S256";
        std::string token;
        auto session = authz->create_session(user, "Username-Password-Authentication", token, now);
        auto response = authz->complete(pending, user, session, now);
        for (auto& [k, v] : response.params)
            if (k == "code") return v;
        return {};
    }

    // Replaces fields of the demo client's refresh_token object, as PATCH /api/v2/clients would.
    void refresh_settings(const boost::json::object& fields) {
        auto client = store->get_client(boot.demo_client_id).value();
        auto& rt = client.doc["refresh_token"].as_object();
        for (const auto& [k, v] : fields) rt[k] = v;
        EXPECT_TRUE(store->update_client(client));
        catalog->invalidate();
    }

    oauth_result<boost::json::object> refresh(const std::string& token, std::int64_t now) {
        util::Params params({{"refresh_token", token}});
        return tokens->exchange({"refresh_token", {boot.demo_client_id, std::nullopt, false}, params, {}}, now);
    }

    std::string first_refresh_token(std::int64_t now) {
        return std::string(exchange(code(kVerifier, now), kVerifier, now).value().at("refresh_token").as_string());
    }

    oauth_result<boost::json::object> exchange(const std::string& code, const std::string& verifier, std::int64_t now) {
        util::Params params(
            {{"code", code}, {"code_verifier", verifier}, {"redirect_uri", "http://localhost:3000/cb"}});
        return tokens->exchange({"authorization_code", {boot.demo_client_id, std::nullopt, false}, params, {}}, now);
    }
};

TEST(TokenService, CodeIsValidForSixtySecondsOnly) {
    World w;
    auto fresh = w.code(kVerifier, kNow);
    EXPECT_TRUE(w.exchange(fresh, kVerifier, kNow + 59));
    auto stale = w.code(kVerifier, kNow);
    auto late = w.exchange(stale, kVerifier, kNow + 60);
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().code, oauth_errc::invalid_grant);
    EXPECT_EQ(late.error().detail, "code expired");
}

TEST(TokenService, PkceVerifierMustMatchTheChallenge) {
    World w;
    auto c = w.code(kVerifier, kNow);
    auto wrong = w.exchange(c, std::string(43, 'a'), kNow);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().description, "Invalid authorization code or code verifier");
}

std::string refresh_token_of(const oauth_result<boost::json::object>& r) {
    if (!r || !r->contains("refresh_token")) return {};
    return std::string(r->at("refresh_token").as_string());
}

void expect_refused(const oauth_result<boost::json::object>& r, std::string_view detail) {
    ASSERT_FALSE(r) << "accepted";
    EXPECT_EQ(r.error().code, oauth_errc::invalid_grant);
    EXPECT_NE(r.error().description.find("invalid refresh token"), std::string::npos);
    EXPECT_EQ(r.error().detail, detail);
}

TEST(TokenService, TheDemoSpaHasAuth0sSpaRefreshDefaults) {
    World w;
    auto settings = w.catalog->client(w.boot.demo_client_id)->refresh_token;
    EXPECT_TRUE(settings.rotating);
    EXPECT_TRUE(settings.expiring);
    EXPECT_EQ(settings.token_lifetime, 2592000);
    EXPECT_EQ(settings.idle_token_lifetime, 1296000);
}

TEST(TokenService, AnExpiringFamilyEndsTokenLifetimeAfterItsFirstIssueWhateverTheRotations) {
    World w;
    w.refresh_settings({{"token_lifetime", 100}, {"idle_token_lifetime", 60}});
    auto token = w.first_refresh_token(kNow);
    for (std::int64_t t = kNow + 50; t < kNow + 100; t += 40) {  // each within the idle lifetime
        auto r = w.refresh(token, t);
        ASSERT_TRUE(r) << r.error().detail;
        token = refresh_token_of(r);
    }
    expect_refused(w.refresh(token, kNow + 100), "refresh token family expired");
}

TEST(TokenService, AnExpiringTokenUnusedForTheIdleLifetimeIsRefused) {
    World w;
    w.refresh_settings({{"idle_token_lifetime", 30}});
    auto token = w.first_refresh_token(kNow);
    auto r = w.refresh(token, kNow + 29);
    ASSERT_TRUE(r);
    expect_refused(w.refresh(refresh_token_of(r), kNow + 29 + 30), "refresh token idle too long");
}

TEST(TokenService, NonExpiringFamiliesHaveNoEnd) {
    World w;
    w.refresh_settings({{"expiration_type", "non-expiring"}, {"rotation_type", "non-rotating"}});
    auto token = w.first_refresh_token(kNow);
    auto later = w.refresh(token, kNow + 10LL * 365 * 24 * 3600);
    ASSERT_TRUE(later) << later.error().detail;
    EXPECT_FALSE(later->contains("refresh_token")) << "non-rotating: no new refresh token";
}

TEST(TokenService, AReusableTokenUsedWithinItsIdleLifetimeStaysUsable) {
    World w;
    w.refresh_settings({{"rotation_type", "non-rotating"}, {"idle_token_lifetime", 30}, {"token_lifetime", 1000}});
    auto token = w.first_refresh_token(kNow);
    for (std::int64_t t = kNow + 20; t <= kNow + 100; t += 20) ASSERT_TRUE(w.refresh(token, t)) << t - kNow;
    expect_refused(w.refresh(token, kNow + 100 + 30), "refresh token idle too long");
}

TEST(TokenService, ThePreviousRotatingTokenIsReusableWithinTheLeewayOnly) {
    World w;
    w.refresh_settings({{"leeway", 5}});
    auto first = w.first_refresh_token(kNow);
    auto second = refresh_token_of(w.refresh(first, kNow + 10));
    ASSERT_FALSE(second.empty());
    auto within = w.refresh(first, kNow + 14);
    ASSERT_TRUE(within) << within.error().detail;
    auto third = refresh_token_of(within);
    EXPECT_FALSE(third.empty());
    EXPECT_NE(third, second);
    // The first token is now older than the previous one: reuse, and the family is revoked.
    expect_refused(w.refresh(first, kNow + 14), "refresh token reused; family revoked");
    expect_refused(w.refresh(third, kNow + 15), "refresh token revoked");
}

TEST(TokenService, SwitchingToRotationExchangesTheReusableTokenOnce) {
    World w;
    w.refresh_settings({{"rotation_type", "non-rotating"}});
    auto old = w.first_refresh_token(kNow);
    ASSERT_TRUE(w.refresh(old, kNow + 1));
    w.refresh_settings({{"rotation_type", "rotating"}});
    auto rotating = refresh_token_of(w.refresh(old, kNow + 2));
    ASSERT_FALSE(rotating.empty());
    EXPECT_NE(rotating, old);
    auto next = refresh_token_of(w.refresh(rotating, kNow + 3));
    EXPECT_FALSE(next.empty());
    expect_refused(w.refresh(old, kNow + 4), "refresh token reused; family revoked");
}

TEST(TokenService, AccessTokensOfARevokedGrantAreRefused) {
    World w;
    auto tokens = w.exchange(w.code(kVerifier, kNow), kVerifier, kNow).value();
    auto access = std::string(tokens.at("access_token").as_string());
    auto verified = w.tokens->verify_access_token(access, w.config.userinfo_audience(), kNow + 1);
    ASSERT_TRUE(verified);
    ASSERT_TRUE(w.store->revoke_grant(verified->grant_id, kNow + 2));
    auto after = w.tokens->verify_access_token(access, w.config.userinfo_audience(), kNow + 3);
    ASSERT_FALSE(after);
    EXPECT_EQ(after.error().code, oauth_errc::invalid_token);
}

TEST(TokenService, AccessTokenForAnotherAudienceIsRefused) {
    World w;
    auto tokens = w.exchange(w.code(kVerifier, kNow), kVerifier, kNow).value();
    auto access = std::string(tokens.at("access_token").as_string());
    EXPECT_FALSE(w.tokens->verify_access_token(access, w.config.management_audience(), kNow + 1));
}

TEST(GrantRegistry, DiscoveryListsEveryRegisteredGrantAndTheTokenEndpointOnlyTheOnesWithAStep) {
    std::vector<std::string> listed;
    for (const auto& name : grants::grant_types_supported()) listed.emplace_back(name.as_string());
    std::vector<std::string> registered;
    for (const auto& grant : grants::registered_grants()) {
        registered.emplace_back(grant.name);
        EXPECT_EQ(grants::find_grant(grant.name), &grant) << grant.name << " is registered once";
    }
    EXPECT_EQ(listed, registered);
    EXPECT_EQ(grants::find_grant("urn:ietf:params:oauth:grant-type:device_code"), nullptr);

    World w;
    auto demo = [&](std::string grant_type) {
        return w.tokens->exchange({std::move(grant_type), {w.boot.demo_client_id, std::nullopt, false}, {}, {}}, kNow);
    };
    // implicit is used at /authorize only.
    EXPECT_EQ(demo("implicit").error().code, oauth_errc::unsupported_grant_type);
    EXPECT_EQ(demo("").error().code, oauth_errc::invalid_request);
    // A registered grant the client lacks is refused before its step runs.
    auto password = demo("password");
    EXPECT_EQ(password.error().code, oauth_errc::unauthorized_client);
    EXPECT_EQ(password.error().description, "Grant type 'password' not allowed for the client.");
}

TEST(ErrorTable, EveryCodeHasAWireNameAStatusAndADescription) {
    for (int i = 1; i <= int(oauth_errc::too_many_requests); ++i) {
        const auto& info = error_info(static_cast<oauth_errc>(i));
        EXPECT_EQ(int(info.code), i);
        EXPECT_FALSE(info.wire.empty());
        EXPECT_FALSE(info.description.empty());
        EXPECT_GE(int(info.status), 400);
    }
    // Auth0's statuses (wire contract §2.4).
    EXPECT_EQ(error_info(oauth_errc::invalid_grant).status, boost::beast::http::status::forbidden);
    EXPECT_EQ(error_info(oauth_errc::invalid_client).status, boost::beast::http::status::unauthorized);
}

TEST(Pkce, VerifierRulesOfRfc7636) {
    EXPECT_TRUE(valid_code_verifier(kVerifier));
    EXPECT_FALSE(valid_code_verifier(std::string(42, 'a')));
    EXPECT_TRUE(valid_code_verifier(std::string(128, '~')));
    EXPECT_FALSE(valid_code_verifier(std::string(129, 'a')));
    EXPECT_FALSE(valid_code_verifier(std::string(42, 'a') + "+"));
    // RFC 7636 Appendix B.
    EXPECT_EQ(s256_challenge(kVerifier), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    EXPECT_TRUE(verify_pkce(kVerifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "S256"));
    EXPECT_FALSE(verify_pkce(kVerifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN", "S256"));
    EXPECT_FALSE(valid_code_challenge("short", "S256"));
}

TEST(GrantScope, KeepsOidcScopesAndWhatTheApiDefines) {
    ClientView client;
    client.grant_types = {"authorization_code", "refresh_token"};
    ApiView api;
    api.scopes = {"read:messages"};
    EXPECT_EQ(grant_scope("openid profile read:messages write:all offline_access", client, &api),
              "openid profile read:messages");
    api.allow_offline_access = true;
    EXPECT_EQ(grant_scope("openid offline_access offline_access", client, &api), "openid offline_access");
    EXPECT_EQ(grant_scope("openid read:messages", client, nullptr), "openid");
    client.grant_types = {"authorization_code"};
    EXPECT_EQ(grant_scope("openid offline_access", client, nullptr), "openid");
}

}  // namespace
}  // namespace gatehouse::oauth
