// The upstream leg's protocol logic against a fake provider behind a fake HttpClient: state, PKCE,
// nonce, ID token validation, profile mapping and the error each fault gives the client.
#include "oauth/federation.hpp"
#include "mgmt/bootstrap.hpp"
#include "oauth/pkce.hpp"
#include "unit/oauth/test_config.hpp"
#include "util/util.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/url.hpp>

#include <algorithm>
#include <functional>
#include <map>

namespace gatehouse::oauth {
namespace {

namespace net = boost::asio;
namespace json = boost::json;
using connections::HttpRequest;
using connections::HttpResponse;

constexpr std::string_view kOp = "https://op.example";

template <class T>
T run(net::awaitable<T> op) {
    net::io_context io;
    std::optional<T> out;
    net::co_spawn(io, std::move(op), [&](std::exception_ptr e, T v) {
        if (e) std::rethrow_exception(e);
        out = std::move(v);
    });
    io.run();
    return std::move(*out);
}

// Answers by URL without query; records every request.
class FakeHttp final : public connections::HttpClient {
  public:
    std::map<std::string, std::function<boost::system::result<HttpResponse>(const HttpRequest&)>> routes;
    std::vector<HttpRequest> requests;

    net::awaitable<boost::system::result<HttpResponse>> send(HttpRequest request) override {
        requests.push_back(request);
        auto base = request.url.substr(0, request.url.find('?'));
        auto it = routes.find(base);
        if (it == routes.end()) co_return HttpResponse{404, "application/json", R"({"error":"not_found"})"};
        co_return it->second(request);
    }
};

HttpResponse json_ok(const json::value& v) { return {200, "application/json", json::serialize(v)}; }

std::map<std::string, std::string> query_of(std::string_view url) {
    std::map<std::string, std::string> out;
    auto u = boost::urls::parse_uri_reference(url).value();
    for (auto p : u.params()) out[p.key] = p.value;
    return out;
}

struct Fixture : ::testing::Test {
    std::unique_ptr<store::Store> store = store::open_store("sqlite::memory:");
    TenantConfig config = test_tenant_config();
    mgmt::BootstrapResult boot;
    std::unique_ptr<Catalog> catalog;
    std::unique_ptr<AuthorizationService> authorization;
    FakeHttp http;
    std::unique_ptr<FederationService> federation;
    jose::PrivateKey op_key = jose::PrivateKey::generate(jose::Alg::RS256, "op-key");
    std::string browser = util::random_token(24);
    std::int64_t now = util::unix_now();
    // What the fake provider's token endpoint puts in the ID token; tests tweak it.
    json::object id_claims;
    // What its discovery document adds (e.g. the RFC 9207 announcement).
    json::object discovery_extra;
    std::string last_nonce, last_challenge;
    const jose::PrivateKey* signer = &op_key;

    void SetUp() override {
        mgmt::BootstrapOptions options{config.issuer, config.secret_hash_key,      {}, {},
                                       true,          {"http://localhost:3000/cb"}};
        boot = mgmt::bootstrap_tenant(*store, options).value();
        catalog = std::make_unique<Catalog>(*store, config);
        authorization = std::make_unique<AuthorizationService>(*catalog, *store);
        federation = std::make_unique<FederationService>(*catalog, *store, *authorization, http);

        store::Connection c;
        c.id = "con_op00000000000000";
        c.name = "op";
        c.strategy = "oidc";
        c.doc["options"] = json::object{{"client_id", "rp"}, {"client_secret", "rp-secret"}, {"issuer", kOp}};
        c.doc["enabled_clients"] = json::array{boot.demo_client_id};
        ASSERT_TRUE(store->create_connection(c));
        catalog->invalidate();

        std::string op(kOp);
        http.routes[op + "/.well-known/openid-configuration"] = [this, op](const HttpRequest&) {
            json::object doc{{"issuer", op},
                             {"authorization_endpoint", op + "/authorize"},
                             {"token_endpoint", op + "/token"},
                             {"userinfo_endpoint", op + "/userinfo"},
                             {"jwks_uri", op + "/jwks"},
                             {"code_challenge_methods_supported", json::array{"S256"}},
                             {"id_token_signing_alg_values_supported", json::array{"RS256"}}};
            for (const auto& [k, v] : discovery_extra) doc[k] = v;
            return json_ok(doc);
        };
        http.routes[op + "/jwks"] = [this](const HttpRequest&) {
            return json_ok(json::object{{"keys", json::array{op_key.public_jwk()}}});
        };
        http.routes[op + "/token"] = [this](const HttpRequest& r) -> boost::system::result<HttpResponse> {
            auto form = query_of("?" + r.body);
            if (s256_challenge(form["code_verifier"]) != last_challenge)
                return HttpResponse{400, "application/json", R"({"error":"invalid_grant"})"};
            json::object claims{{"iss", kOp},          {"aud", "rp"}, {"sub", "alice"},
                                {"nonce", last_nonce}, {"iat", now},  {"exp", now + 300}};
            for (const auto& [k, v] : id_claims) claims[k] = v;
            return json_ok(json::object{
                {"access_token", "at"}, {"token_type", "Bearer"}, {"id_token", jose::sign_jwt(*signer, claims)}});
        };
        http.routes[op + "/userinfo"] = [](const HttpRequest& r) -> boost::system::result<HttpResponse> {
            for (const auto& [k, v] : r.headers)
                if (k == "Authorization" && v == "Bearer at")
                    return json_ok(json::object{
                        {"sub", "alice"}, {"email", "alice@example.com"}, {"email_verified", true}, {"name", "Alice"}});
            return HttpResponse{401, "application/json", R"({"error":"invalid_token"})"};
        };
    }

    // /authorize?connection=op, then /u/connection: returns the upstream URL.
    std::string start(std::string_view extra_hint = {}) {
        util::Params params;
        params.set("client_id", boot.demo_client_id);
        params.set("redirect_uri", "http://localhost:3000/cb");
        params.set("response_type", "code");
        params.set("scope", "openid profile");
        params.set("state", "client-state");
        params.set("code_challenge", s256_challenge(std::string(43, 'v')));
        params.set("code_challenge_method", "S256");
        params.set("connection", "op");
        if (!extra_hint.empty()) params.set("login_hint", std::string(extra_hint));
        auto outcome = authorization->authorize(params, std::nullopt, browser, now);
        auto* hop = std::get_if<UpstreamRedirect>(&outcome);
        EXPECT_TRUE(hop);
        if (!hop) return {};
        auto q = query_of(hop->url);
        EXPECT_EQ(q["connection"], "op");
        auto started = run(federation->start(q["state"], "op", browser, now));
        auto* up = std::get_if<UpstreamRedirect>(&started);
        EXPECT_TRUE(up);
        if (!up) return {};
        auto uq = query_of(up->url);
        last_nonce = uq["nonce"];
        last_challenge = uq["code_challenge"];
        return up->url;
    }

    // The provider's answer to `upstream_url`, delivered at the redirect_uri it names (or at
    // `callback_path`), with `extra` response parameters (iss).
    FederationCallback finish(const std::string& upstream_url, std::string_view browser_id = {},
                              const std::map<std::string, std::string>& extra = {}, std::string callback_path = {}) {
        util::Params q;
        auto uq = query_of(upstream_url);
        q.set("state", uq["state"]);
        q.set("code", "upstream-code");
        for (const auto& [k, v] : extra) q.set(k, v);
        if (callback_path.empty()) callback_path = uq["redirect_uri"].substr(config.issuer.size());
        return run(federation->callback(q, callback_path, std::string(browser_id.empty() ? browser : browser_id), now));
    }

    std::size_t token_requests() const {
        return std::count_if(http.requests.begin(), http.requests.end(),
                             [](const HttpRequest& r) { return r.url.ends_with("/token"); });
    }

    static std::map<std::string, std::string> params_of(const FederationCallback& r) {
        std::map<std::string, std::string> out;
        if (auto* a = std::get_if<AuthorizationResponse>(&r.outcome))
            for (const auto& [k, v] : a->params) out[k] = v;
        return out;
    }
};

TEST_F(Fixture, upstream_url_carries_our_client_state_nonce_and_pkce_from_discovery) {
    auto url = start();
    auto q = query_of(url);
    EXPECT_TRUE(url.starts_with("https://op.example/authorize?"));
    EXPECT_EQ(q["client_id"], "rp");
    // No RFC 9207 announcement: the connection's own callback (mix-up defence by redirect URI).
    EXPECT_EQ(q["redirect_uri"], "http://127.0.0.1:8080/login/callback/op");
    EXPECT_EQ(q["response_type"], "code");
    EXPECT_EQ(q["code_challenge_method"], "S256");
    EXPECT_EQ(q["scope"], "openid profile email");
    EXPECT_GE(q["state"].size(), 40u);
    EXPECT_FALSE(q["nonce"].empty());
    EXPECT_NE(q["state"], "client-state");
}

TEST_F(Fixture, succeeds_and_creates_the_oidc_user_with_userinfo_claims) {
    auto result = finish(start());
    auto p = params_of(result);
    ASSERT_TRUE(p.contains("code")) << p["error_description"];
    EXPECT_EQ(p["state"], "client-state");
    EXPECT_FALSE(result.session_token.empty());
    auto user = store->get_user("oidc|op|alice");
    ASSERT_TRUE(user);
    EXPECT_EQ(user->doc.at("email").as_string(), "alice@example.com");
    EXPECT_EQ(user->doc.at("logins_count").as_int64(), 1);
    // Client authentication: the OIDC default, HTTP Basic.
    auto token_request = *std::find_if(http.requests.begin(), http.requests.end(),
                                       [](const HttpRequest& r) { return r.url.ends_with("/token"); });
    bool basic = false;
    for (const auto& [k, v] : token_request.headers) basic = basic || (k == "Authorization" && v.starts_with("Basic "));
    EXPECT_TRUE(basic);
    EXPECT_EQ(token_request.body.find("rp-secret"), std::string::npos) << "the secret is not in the body";
}

TEST_F(Fixture, fails_because_the_nonce_does_not_match) {
    id_claims["nonce"] = "another";
    auto p = params_of(finish(start()));
    EXPECT_EQ(p["error"], "server_error");
    EXPECT_NE(p["error_description"].find("nonce"), std::string::npos);
}

TEST_F(Fixture, fails_because_the_audience_is_another_client) {
    id_claims["aud"] = "someone-else";
    EXPECT_EQ(params_of(finish(start()))["error"], "server_error");
}

TEST_F(Fixture, fails_because_the_issuer_is_another) {
    id_claims["iss"] = "https://evil.example";
    EXPECT_EQ(params_of(finish(start()))["error"], "server_error");
}

TEST_F(Fixture, fails_because_the_id_token_expired) {
    id_claims["exp"] = now - 3600;
    EXPECT_EQ(params_of(finish(start()))["error"], "server_error");
}

TEST_F(Fixture, fails_because_the_signature_is_by_another_key_with_the_same_kid) {
    auto forger = jose::PrivateKey::generate(jose::Alg::RS256, "op-key");
    signer = &forger;
    auto p = params_of(finish(start()));
    EXPECT_EQ(p["error"], "server_error");
    EXPECT_NE(p["error_description"].find("ID token"), std::string::npos);
}

TEST_F(Fixture, fails_because_the_state_is_replayed) {
    auto url = start();
    ASSERT_TRUE(params_of(finish(url)).contains("code"));
    auto again = finish(url);
    auto* page = std::get_if<ErrorPage>(&again.outcome);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 400);
}

TEST_F(Fixture, fails_because_the_callback_comes_from_another_browser) {
    auto again = finish(start(), util::random_token(24));
    auto* page = std::get_if<ErrorPage>(&again.outcome);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 403);
}

TEST_F(Fixture, user_cancel_upstream_is_access_denied_for_the_client) {
    auto url = start();
    util::Params q;
    q.set("state", query_of(url)["state"]);
    q.set("error", "access_denied");
    auto p = params_of(run(federation->callback(q, "login/callback/op", browser, now)));
    EXPECT_EQ(p["error"], "access_denied");
    EXPECT_EQ(p["state"], "client-state");
}

TEST_F(Fixture, transport_timeout_is_temporarily_unavailable) {
    auto url = start();
    http.routes[std::string(kOp) + "/token"] = [](const HttpRequest&) -> boost::system::result<HttpResponse> {
        return connections::upstream_errc::timeout;
    };
    EXPECT_EQ(params_of(finish(url))["error"], "temporarily_unavailable");
}

TEST_F(Fixture, discovery_failure_is_an_error_for_the_client_not_a_page) {
    http.routes.erase(std::string(kOp) + "/.well-known/openid-configuration");
    util::Params params;
    params.set("client_id", boot.demo_client_id);
    params.set("redirect_uri", "http://localhost:3000/cb");
    params.set("response_type", "code");
    params.set("code_challenge", s256_challenge(std::string(43, 'v')));
    params.set("code_challenge_method", "S256");
    params.set("connection", "op");
    auto outcome = authorization->authorize(params, std::nullopt, browser, now);
    auto q = query_of(std::get<UpstreamRedirect>(outcome).url);
    auto started = run(federation->start(q["state"], "op", browser, now));
    auto* r = std::get_if<AuthorizationResponse>(&started);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->params.front().second, "server_error");
}

TEST_F(Fixture, a_provider_announcing_iss_uses_the_shared_callback_and_its_iss_is_accepted) {
    discovery_extra["authorization_response_iss_parameter_supported"] = true;
    auto url = start();
    EXPECT_EQ(query_of(url)["redirect_uri"], "http://127.0.0.1:8080/login/callback");
    auto p = params_of(finish(url, {}, {{"iss", std::string(kOp)}}));
    EXPECT_TRUE(p.contains("code")) << p["error_description"];
    auto token_request = *std::find_if(http.requests.begin(), http.requests.end(),
                                       [](const HttpRequest& r) { return r.url.ends_with("/token"); });
    EXPECT_EQ(query_of("?" + token_request.body)["redirect_uri"], "http://127.0.0.1:8080/login/callback");
}

TEST_F(Fixture, mix_up_a_response_naming_another_issuer_is_refused_before_any_token_request) {
    discovery_extra["authorization_response_iss_parameter_supported"] = true;
    auto p = params_of(finish(start(), {}, {{"iss", "https://attacker.example"}}));
    EXPECT_EQ(p["error"], "server_error");
    EXPECT_EQ(p["error_description"].find("attacker"), std::string::npos);
    EXPECT_EQ(token_requests(), 0u);
}

TEST_F(Fixture, mix_up_a_response_without_the_announced_iss_is_refused_before_any_token_request) {
    discovery_extra["authorization_response_iss_parameter_supported"] = true;
    EXPECT_EQ(params_of(finish(start()))["error"], "server_error");
    EXPECT_EQ(token_requests(), 0u);
}

TEST_F(Fixture, mix_up_an_iss_is_checked_even_when_the_provider_does_not_announce_it) {
    EXPECT_EQ(params_of(finish(start(), {}, {{"iss", "https://attacker.example"}}))["error"], "server_error");
    EXPECT_EQ(token_requests(), 0u);
}

TEST_F(Fixture, mix_up_a_response_at_another_callback_than_its_leg_named_is_refused) {
    for (std::string path : {"login/callback", "login/callback/other", "login/callback/op/"}) {
        EXPECT_EQ(params_of(finish(start(), {}, {}, path))["error"], "server_error") << path;
        EXPECT_EQ(token_requests(), 0u) << path;
    }
}

TEST_F(Fixture, takeover_a_user_of_another_connection_with_the_same_user_id_is_never_logged_in) {
    store::User other;
    other.user_id = "oidc|op|alice";
    other.connection = "Username-Password-Authentication";
    other.email = "victim@example.com";
    other.doc["email"] = "victim@example.com";
    ASSERT_TRUE(store->create_user(other));
    auto result = finish(start());
    EXPECT_EQ(params_of(result)["error"], "server_error");
    EXPECT_TRUE(result.session_token.empty());
    auto kept = store->get_user("oidc|op|alice");
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->connection, "Username-Password-Authentication");
    EXPECT_EQ(kept->doc.at("email").as_string(), "victim@example.com");
}

TEST(MapProfile, maps_each_strategy_to_auth0_user_ids_and_root_attributes) {
    using connections::strategy_kind;
    auto wp =
        map_profile(strategy_kind::wordpress, "wp",
                    json::parse(R"({"ID":42,"display_name":"W P","username":"wp","avatar_URL":"u"})").as_object());
    ASSERT_TRUE(wp);
    EXPECT_EQ(wp->user_id, "wordpress|42");
    EXPECT_EQ(wp->fallback_user_id, "wordpress|wp|42");
    EXPECT_EQ(wp->attributes.at("nickname").as_string(), "wp");
    EXPECT_EQ(wp->attributes.at("picture").as_string(), "u");
    auto x =
        map_profile(strategy_kind::twitter, "tw", json::parse(R"({"id":"7","name":"X","username":"x"})").as_object());
    ASSERT_TRUE(x);
    EXPECT_EQ(x->user_id, "twitter|7");
    EXPECT_EQ(x->fallback_user_id, "twitter|tw|7");
    EXPECT_EQ(x->attributes.at("screen_name").as_string(), "x");
    auto o = map_profile(strategy_kind::oauth2, "corp", json::parse(R"({"id":9,"email":"a@b.c"})").as_object());
    ASSERT_TRUE(o);
    EXPECT_EQ(o->user_id, "oauth2|corp|9");
    EXPECT_TRUE(o->fallback_user_id.empty()) << "already namespaced";
    EXPECT_EQ(o->attributes.at("nickname").as_string(), "a");
    EXPECT_EQ(o->attributes.at("email_verified").as_bool(), false);
    EXPECT_FALSE(map_profile(strategy_kind::oidc, "op", json::object{}));
}

}  // namespace
}  // namespace gatehouse::oauth
