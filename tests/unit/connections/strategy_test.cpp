#include "connections/strategy.hpp"

#include <gtest/gtest.h>
#include <boost/url.hpp>

namespace gatehouse::connections {
namespace {

util::Params authorize_params(std::vector<std::pair<std::string, std::string>> items) {
    return util::Params(std::move(items));
}

store::Connection make(std::string strategy, std::string_view options) {
    store::Connection c;
    c.id = "con_AAAAAAAAAAAAAAAA";
    c.name = "test-" + strategy;
    c.strategy = std::move(strategy);
    c.doc["options"] = json::parse(options);
    return c;
}

const AuthorizationLeg leg{"https://id.example.com/login/callback", "st+ate/=", "n0nce", "chal-lenge_"};

// The decoded query of `url` as (name, value) pairs, in order.
std::vector<std::pair<std::string, std::string>> query_of(const std::string& url) {
    auto u = boost::urls::parse_absolute_uri(url);
    EXPECT_TRUE(u.has_value()) << url;
    std::vector<std::pair<std::string, std::string>> out;
    for (auto p : u->params()) out.emplace_back(p.key, p.value);
    return out;
}

std::string base_of(const std::string& url) { return url.substr(0, url.find('?')); }

TEST(BuildAuthorizationUrl, WordpressSeedExampleSendsBlogStatically) {
    auto c = make("wordpress", R"({"client_id":"wp-client","client_secret":"s","scope":["auth"],
                                   "upstream_params":{"blog":{"value":"myblog.wordpress.com"}}})");
    auto url = build_authorization_url(c, util::Params(), leg);
    ASSERT_TRUE(url) << url.error().message();
    EXPECT_EQ(base_of(*url), "https://public-api.wordpress.com/oauth2/authorize");
    auto q = query_of(*url);
    std::vector<std::pair<std::string, std::string>> expected = {
        {"client_id", "wp-client"}, {"redirect_uri", leg.callback_url}, {"response_type", "code"}, {"scope", "auth"},
        {"state", leg.state},       {"blog", "myblog.wordpress.com"}};
    EXPECT_EQ(q, expected);
    // No PKCE for WordPress, and values are encoded exactly once.
    EXPECT_EQ(url->find("code_challenge"), std::string::npos);
    EXPECT_NE(url->find("redirect_uri=https%3A%2F%2Fid.example.com%2Flogin%2Fcallback"), std::string::npos) << *url;
    EXPECT_NE(url->find("state=st%2Bate%2F%3D"), std::string::npos) << *url;
}

TEST(BuildAuthorizationUrl, TwitterSeedExampleAliasesLoginHintWhenPresent) {
    auto c = make("twitter", R"({"client_id":"tw","upstream_params":{"screen_name":{"alias":"login_hint"}}})");
    auto url = build_authorization_url(c, authorize_params({{"login_hint", "jack+1@example.com"}}), leg);
    ASSERT_TRUE(url);
    EXPECT_EQ(base_of(*url), "https://twitter.com/i/oauth2/authorize");
    auto q = query_of(*url);
    std::vector<std::pair<std::string, std::string>> expected = {{"client_id", "tw"},
                                                                 {"redirect_uri", leg.callback_url},
                                                                 {"response_type", "code"},
                                                                 {"scope", "tweet.read users.read"},
                                                                 {"state", leg.state},
                                                                 {"code_challenge", leg.code_challenge},
                                                                 {"code_challenge_method", "S256"},
                                                                 {"screen_name", "jack+1@example.com"}};
    EXPECT_EQ(q, expected);
    EXPECT_NE(url->find("screen_name=jack%2B1%40example.com"), std::string::npos) << *url;
}

TEST(BuildAuthorizationUrl, TwitterAliasAbsentAddsNothing) {
    auto c = make("twitter", R"({"client_id":"tw","upstream_params":{"screen_name":{"alias":"login_hint"}}})");
    auto url = build_authorization_url(c, authorize_params({{"prompt", "login"}}), leg);
    ASSERT_TRUE(url);
    EXPECT_EQ(url->find("screen_name"), std::string::npos);
    EXPECT_NE(url->find("code_challenge_method=S256"), std::string::npos);
}

TEST(BuildAuthorizationUrl, PresetEndpointsCanBeOverridden) {
    auto c =
        make("wordpress", R"({"client_id":"x","authorizationURL":"http://127.0.0.1:9000/oauth/authorize?tenant=a"})");
    auto url = build_authorization_url(c, util::Params(), leg);
    ASSERT_TRUE(url);
    EXPECT_TRUE(url->starts_with("http://127.0.0.1:9000/oauth/authorize?tenant=a&client_id=x&")) << *url;
    auto ep = upstream_endpoints(c);
    ASSERT_TRUE(ep);
    EXPECT_EQ(ep->token_url, "https://public-api.wordpress.com/oauth2/token");
    EXPECT_EQ(ep->userinfo_url, "https://public-api.wordpress.com/rest/v1.1/me");
    auto t = upstream_endpoints(make("twitter", "{}"));
    EXPECT_EQ(t->token_url, "https://api.twitter.com/2/oauth2/token");
    EXPECT_EQ(t->userinfo_url, "https://api.twitter.com/2/users/me");
}

TEST(BuildAuthorizationUrl, Oauth2UsesPkceOnlyWhenEnabledAndJoinsScopeArrays) {
    auto plain = make("oauth2", R"({"client_id":"c","authorizationURL":"https://idp.test/authorize",
                                    "tokenURL":"https://idp.test/token","scope":["read","write"]})");
    auto url = build_authorization_url(plain, util::Params(), leg);
    ASSERT_TRUE(url);
    EXPECT_EQ(url->find("code_challenge"), std::string::npos);
    EXPECT_NE(url->find("scope=read%20write"), std::string::npos) << *url;
    EXPECT_EQ(url->find("nonce"), std::string::npos);

    auto pkce = make("oauth2", R"({"client_id":"c","authorizationURL":"https://idp.test/authorize",
                                   "tokenURL":"https://idp.test/token","pkce_enabled":true})");
    url = build_authorization_url(pkce, util::Params(), leg);
    ASSERT_TRUE(url);
    EXPECT_NE(url->find("code_challenge=chal-lenge_&code_challenge_method=S256"), std::string::npos) << *url;
}

TEST(BuildAuthorizationUrl, OidcSendsNonceOpenidAndPkceUnlessDisabled) {
    auto c = make("oidc", R"({"client_id":"o","issuer":"https://op.test/","scope":"profile",
                              "oidc_metadata":{"authorization_endpoint":"https://op.test/auth"}})");
    auto url = build_authorization_url(c, util::Params(), leg);
    ASSERT_TRUE(url);
    EXPECT_TRUE(url->starts_with("https://op.test/auth?")) << *url;
    EXPECT_NE(url->find("scope=openid%20profile"), std::string::npos) << *url;
    EXPECT_NE(url->find("nonce=n0nce"), std::string::npos);
    EXPECT_NE(url->find("code_challenge_method=S256"), std::string::npos);

    auto off =
        make("oidc", R"({"client_id":"o","issuer":"https://op.test/","authorization_endpoint":"https://op.test/a2",
                                "connection_settings":{"pkce":"disabled"}})");
    url = build_authorization_url(off, util::Params(), leg);
    ASSERT_TRUE(url);
    EXPECT_TRUE(url->starts_with("https://op.test/a2?")) << *url;  // explicit option wins
    EXPECT_EQ(url->find("code_challenge"), std::string::npos);
    EXPECT_NE(url->find("scope=openid%20profile%20email"), std::string::npos) << *url;
}

TEST(BuildAuthorizationUrl, FailsForDatabaseAndUndiscoveredOidc) {
    auto db = build_authorization_url(make("auth0", "{}"), util::Params(), leg);
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error(), connection_errc::not_federated);
    auto oidc = build_authorization_url(make("oidc", R"({"client_id":"o","discovery_url":"https://op.test/x"})"),
                                        util::Params(), leg);
    ASSERT_FALSE(oidc);
    EXPECT_EQ(oidc.error(), connection_errc::missing_endpoint);
}

TEST(ValidateOptions, PerStrategyRules) {
    auto check = [](std::string_view strategy, std::string_view options) {
        return validate_options(strategy, json::parse(options).as_object());
    };
    EXPECT_FALSE(check("auth0", "{}"));
    // Stored (Auth0 does too), still validated.
    EXPECT_FALSE(check("auth0", R"({"upstream_params":{"a":{"value":"b"}}})"));
    EXPECT_TRUE(check("auth0", R"({"upstream_params":{"a":{"value":1}}})"));
    EXPECT_TRUE(check("nope", "{}"));
    EXPECT_FALSE(check("wordpress", "{}"));
    EXPECT_FALSE(check("twitter", R"({"authorizationURL":null,"tokenURL":null})"));
    EXPECT_TRUE(check("twitter", R"({"authorizationURL":"not a url"})"));
    auto missing = check("oauth2", R"({"authorizationURL":"https://a.test/x","client_id":"c"})");
    ASSERT_TRUE(missing);
    EXPECT_NE(missing->find("tokenURL"), std::string::npos);
    EXPECT_FALSE(
        check("oauth2", R"({"authorizationURL":"https://a.test/x","tokenURL":"https://a.test/t","client_id":"c"})"));
    EXPECT_TRUE(check("oauth2", R"({"authorizationURL":"https://a.test/x","tokenURL":"https://a.test/t"})"));
    EXPECT_TRUE(check("oidc", R"({"client_id":"c"})"));
    EXPECT_FALSE(check("oidc", R"({"client_id":"c","issuer":"https://op.test/"})"));
    EXPECT_FALSE(
        check("oidc", R"({"client_id":"c","discovery_url":"https://op.test/.well-known/openid-configuration"})"));
    EXPECT_TRUE(check("oidc", R"({"issuer":"https://op.test/"})"));
    auto up = check("wordpress", R"({"upstream_params":{"blog":{"value":1}}})");
    ASSERT_TRUE(up);
    EXPECT_NE(up->find("blog"), std::string::npos);
    EXPECT_TRUE(check("wordpress", R"({"scope":42})"));
}

TEST(ValidateOptions, EndpointsMustBeHttpUrlsEvenInsideOidcMetadata) {
    auto check = [](std::string_view strategy, std::string_view options) {
        return validate_options(strategy, json::parse(options).as_object());
    };
    for (auto url : {"file:///etc/passwd", "gopher://127.0.0.1:6379/_x", "//host/x", "https://a.test/x#f"})
        EXPECT_TRUE(check("wordpress", R"({"tokenURL":")" + std::string(url) + R"("})")) << url;
    auto nested = check("oidc", R"({"client_id":"c","issuer":"https://op.test/",
                                    "oidc_metadata":{"token_endpoint":"file:///etc/passwd"}})");
    ASSERT_TRUE(nested);
    EXPECT_EQ(*nested, "options.oidc_metadata.token_endpoint must be an absolute http(s) URL");
    EXPECT_FALSE(check("oidc", R"({"client_id":"c","issuer":"https://op.test/",
                                   "oidc_metadata":{"token_endpoint":"https://op.test/token","grant_types_supported":[]}})"));
}

TEST(ValidateOptions, CaFileMustBeAnAbsolutePath) {
    auto check = [](std::string_view options) { return validate_options("oauth2", json::parse(options).as_object()); };
    std::string base = R"("authorizationURL":"https://a.test/x","tokenURL":"https://a.test/t","client_id":"c")";
    EXPECT_FALSE(check("{" + base + R"(,"ca_file":"/etc/gatehouse/idp-ca.pem"})"));
    EXPECT_FALSE(check("{" + base + R"(,"ca_file":null})"));
    for (auto bad : {R"("ca/idp.pem")", R"("")", "42", R"("/etc/x\u0000y")"})
        EXPECT_EQ(check("{" + base + R"(,"ca_file":)" + bad + "}").value_or(""),
                  std::string(bad) == "42" ? "options.ca_file must be a string"
                                           : "options.ca_file must be an absolute file path")
            << bad;
}

TEST(UpstreamCallbackUrl, SharedOnlyForProvidersThatAnnounceIss) {
    EXPECT_EQ(upstream_callback_url("https://id.example.com/", make("wordpress", "{}")),
              "https://id.example.com/login/callback/test-wordpress");
    EXPECT_EQ(upstream_callback_url("https://id.example.com/", make("oidc", R"({"oidc_metadata":{}})")),
              "https://id.example.com/login/callback/test-oidc");
    auto announcing = make("oidc", R"({"oidc_metadata":{"authorization_response_iss_parameter_supported":true}})");
    EXPECT_TRUE(upstream_announces_iss(announcing));
    EXPECT_EQ(upstream_callback_url("https://id.example.com/", announcing), "https://id.example.com/login/callback");
    // Only oidc has a discovery document to announce it in.
    EXPECT_FALSE(upstream_announces_iss(
        make("oauth2", R"({"oidc_metadata":{"authorization_response_iss_parameter_supported":true}})")));
}

}  // namespace
}  // namespace gatehouse::connections
