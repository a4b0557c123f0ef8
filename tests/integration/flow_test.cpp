// The seed's five steps over real HTTP against the real binary: authorize -> hosted login ->
// code -> token exchange with PKCE -> tokens verified with the published JWKS; plus every failure
// the foundation issue names.
#include "integration/gatehouse_process.hpp"
#include "jose/jose.hpp"
#include "oauth/pkce.hpp"
#include "util/util.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <algorithm>
#include <regex>

namespace gatehouse::testing {
namespace {

namespace json = boost::json;
using Params = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kEmail = "alice@example.com";
constexpr const char* kPassword = "correct horse battery staple";
constexpr const char* kCallback = "http://localhost:3000/callback";

class Flow : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        server_ = new GatehouseProcess();
        auto [code, out] = server_->cli({"user", "add", "--email", kEmail, "--password", kPassword});
        ASSERT_EQ(code, 0) << out;
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }

    const TenantFixture& tenant() const { return server_->tenant(); }
    HttpClient browser() const { return server_->client(); }

    struct Pkce {
        std::string verifier = util::random_token(32);
        std::string challenge = oauth::s256_challenge(verifier);
        std::string state = util::random_token(16);
        std::string nonce = util::random_token(16);
    };

    Params authorize_params(const Pkce& p, std::string scope = "openid profile email offline_access") const {
        return {{"response_type", "code"},
                {"client_id", tenant().demo_client_id},
                {"redirect_uri", kCallback},
                {"scope", scope},
                {"state", p.state},
                {"nonce", p.nonce},
                {"code_challenge", p.challenge},
                {"code_challenge_method", "S256"}};
    }

    static std::string extract(const std::string& html, const std::string& name) {
        std::smatch m;
        std::regex re("name=\"" + name + "\" value=\"([^\"]*)\"");
        return std::regex_search(html, m, re) ? m[1].str() : "";
    }

    // Steps 1-3 as a browser does them; returns the final redirect's Location.
    std::string login(HttpClient& b, const Params& params, const std::string& email = kEmail,
                      const std::string& password = kPassword) {
        auto r = b.get("/authorize?" + form_encode(params));
        EXPECT_EQ(r.status, 302) << r.body;
        auto location = r.header("location");
        EXPECT_TRUE(location.starts_with("/u/login?state=")) << location;
        auto page = b.get(location);
        EXPECT_EQ(page.status, 200);
        auto done = b.post_form("/u/login", {{"state", extract(page.body, "state")},
                                             {"csrf", extract(page.body, "csrf")},
                                             {"username", email},
                                             {"password", password}});
        EXPECT_EQ(done.status, 302) << done.body;
        return done.header("location");
    }

    json::object exchange(const std::string& code, const Pkce& p, int expected_status = 200) {
        auto r = browser().post_form("/oauth/token", {{"grant_type", "authorization_code"},
                                                      {"client_id", tenant().demo_client_id},
                                                      {"code", code},
                                                      {"code_verifier", p.verifier},
                                                      {"redirect_uri", kCallback}});
        EXPECT_EQ(r.status, expected_status) << r.body;
        EXPECT_EQ(r.header("cache-control"), "no-store");
        return r.json().as_object();
    }

    jose::KeySet jwks() {
        auto r = browser().get("/.well-known/jwks.json");
        EXPECT_EQ(r.status, 200);
        return jose::KeySet::from_jwks(r.body).value();
    }

    json::object verify(const std::string& token, const std::string& audience) {
        auto keys = jwks();
        auto jwt = jose::verify_jwt(token, keys, {jose::Alg::RS256});
        EXPECT_TRUE(jwt) << (jwt ? "" : jwt.error().message());
        if (!jwt) return {};
        EXPECT_EQ(json::value_to<std::string>(jwt->header.at("alg")), "RS256");
        jose::ClaimChecks checks;
        checks.issuer = tenant().issuer;
        checks.audiences = {audience};
        auto ok = jose::check_claims(jwt->claims, checks);
        EXPECT_TRUE(ok) << (ok ? "" : ok.error().message());
        return jwt->claims;
    }

    json::object client_credentials(const Params& extra, int expected_status) {
        Params form = {{"grant_type", "client_credentials"},
                       {"client_id", tenant().mgmt_client_id},
                       {"client_secret", tenant().mgmt_client_secret}};
        form.insert(form.end(), extra.begin(), extra.end());
        auto r = browser().post_form("/oauth/token", form);
        EXPECT_EQ(r.status, expected_status) << r.body;
        return r.json().as_object();
    }

    static GatehouseProcess* server_;
};

GatehouseProcess* Flow::server_ = nullptr;

std::string str(const json::object& o, std::string_view key) {
    auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

TEST_F(Flow, DiscoveryAdvertisesTheEndpointsAndS256) {
    auto r = browser().get("/.well-known/openid-configuration");
    ASSERT_EQ(r.status, 200);
    auto d = r.json().as_object();
    EXPECT_EQ(str(d, "issuer"), tenant().issuer);
    EXPECT_EQ(str(d, "authorization_endpoint"), tenant().issuer + "authorize");
    EXPECT_EQ(str(d, "token_endpoint"), tenant().issuer + "oauth/token");
    EXPECT_EQ(str(d, "jwks_uri"), tenant().issuer + ".well-known/jwks.json");
    EXPECT_NE(json::serialize(d.at("code_challenge_methods_supported")).find("S256"), std::string::npos);
}

TEST_F(Flow, JwksPublishesPublicKeysOnly) {
    auto r = browser().get("/.well-known/jwks.json");
    ASSERT_EQ(r.status, 200);
    auto keys = r.json().as_object().at("keys").as_array();
    ASSERT_GE(keys.size(), 1u);
    bool rsa = false;
    for (const auto& k : keys) {
        EXPECT_FALSE(k.as_object().contains("d")) << "private key material published";
        rsa = rsa || str(k.as_object(), "alg") == "RS256";
    }
    EXPECT_TRUE(rsa);
}

TEST_F(Flow, FullPkceFlowIssuesVerifiableTokens) {
    Pkce p;
    auto b = browser();
    auto location = login(b, authorize_params(p));
    ASSERT_TRUE(location.starts_with(std::string(kCallback) + "?")) << location;
    auto q = query_of(location);
    EXPECT_EQ(q.get("state"), p.state);
    EXPECT_EQ(q.get("iss"), tenant().issuer);  // RFC 9207
    auto tokens = exchange(q.get("code"), p);
    EXPECT_EQ(str(tokens, "token_type"), "Bearer");
    EXPECT_GT(tokens.at("expires_in").to_number<double>(), 60);
    EXPECT_FALSE(str(tokens, "refresh_token").empty());
    EXPECT_EQ(str(tokens, "scope"), "openid profile email offline_access");

    auto id = verify(str(tokens, "id_token"), tenant().demo_client_id);
    EXPECT_EQ(str(id, "nonce"), p.nonce);
    EXPECT_EQ(str(id, "email"), kEmail);
    EXPECT_TRUE(str(id, "sub").starts_with("auth0|"));
    EXPECT_TRUE(id.contains("auth_time"));
    // No audience: Auth0's opaque access token, a JWE ("dir"/"A256GCM") good only for /userinfo.
    const std::string access = str(tokens, "access_token");
    ASSERT_EQ(std::count(access.begin(), access.end(), '.'), 4) << access;
    auto header = boost::json::parse(util::base64url_decode(access.substr(0, access.find('.'))).value()).as_object();
    EXPECT_EQ(str(header, "alg"), "dir");
    EXPECT_EQ(str(header, "enc"), "A256GCM");
    EXPECT_EQ(str(header, "iss"), tenant().issuer);

    auto info = browser().get("/userinfo", {{"Authorization", "Bearer " + access}});
    ASSERT_EQ(info.status, 200) << info.body;
    EXPECT_EQ(str(info.json().as_object(), "email"), kEmail);
    EXPECT_EQ(str(info.json().as_object(), "sub"), str(id, "sub"));

    // One flipped character of the ciphertext: the GCM tag no longer verifies.
    std::string tampered = access;
    auto at = tampered.rfind('.') - 2;
    tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
    auto refused = browser().get("/userinfo", {{"Authorization", "Bearer " + tampered}});
    EXPECT_EQ(refused.status, 401) << refused.body;
    EXPECT_NE(refused.header("www-authenticate").find("invalid_token"), std::string::npos);
}

TEST_F(Flow, JsonTokenRequestsAreAccepted) {
    Pkce p;
    auto b = browser();
    auto q = query_of(login(b, authorize_params(p, "openid")));
    auto r = browser().post_json("/oauth/token", json::object{{"grant_type", "authorization_code"},
                                                              {"client_id", tenant().demo_client_id},
                                                              {"code", q.get("code")},
                                                              {"code_verifier", p.verifier},
                                                              {"redirect_uri", kCallback}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_FALSE(r.json().as_object().contains("refresh_token"));  // no offline_access requested
}

TEST_F(Flow, ReplayedCodeFailsAndRevokesTheTokensItIssued) {
    Pkce p;
    auto b = browser();
    auto code = query_of(login(b, authorize_params(p))).get("code");
    auto first = exchange(code, p);
    auto replay = exchange(code, p, 403);
    EXPECT_EQ(str(replay, "error"), "invalid_grant");
    auto info = browser().get("/userinfo", {{"Authorization", "Bearer " + str(first, "access_token")}});
    EXPECT_EQ(info.status, 401) << "access token from a replayed code must be revoked";
    auto refresh = browser().post_form("/oauth/token", {{"grant_type", "refresh_token"},
                                                        {"client_id", tenant().demo_client_id},
                                                        {"refresh_token", str(first, "refresh_token")}});
    EXPECT_EQ(refresh.status, 403) << refresh.body;
}

TEST_F(Flow, CodeIsBoundToVerifierClientAndRedirectUri) {
    Pkce p;
    auto b = browser();
    auto code = query_of(login(b, authorize_params(p))).get("code");
    Pkce other;
    auto wrong = exchange(code, other, 403);
    EXPECT_EQ(str(wrong, "error"), "invalid_grant");
    EXPECT_EQ(str(wrong, "error_description"), "Invalid authorization code or code verifier");

    auto b2 = browser();
    auto code2 = query_of(login(b2, authorize_params(p))).get("code");
    auto r = browser().post_form("/oauth/token", {{"grant_type", "authorization_code"},
                                                  {"client_id", tenant().demo_client_id},
                                                  {"code", code2},
                                                  {"code_verifier", p.verifier},
                                                  {"redirect_uri", "http://127.0.0.1:3000/callback"}});
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(str(r.json().as_object(), "error"), "invalid_grant");

    auto b3 = browser();
    auto code3 = query_of(login(b3, authorize_params(p))).get("code");
    auto by_other_client = browser().post_form("/oauth/token", {{"grant_type", "authorization_code"},
                                                                {"client_id", tenant().mgmt_client_id},
                                                                {"client_secret", tenant().mgmt_client_secret},
                                                                {"code", code3},
                                                                {"code_verifier", p.verifier},
                                                                {"redirect_uri", kCallback}});
    EXPECT_GE(by_other_client.status, 400);
}

TEST_F(Flow, RefreshRotatesAndReuseRevokesTheFamily) {
    Pkce p;
    auto b = browser();
    auto tokens = exchange(query_of(login(b, authorize_params(p))).get("code"), p);
    auto refresh = [&](const std::string& token) {
        return browser().post_form("/oauth/token", {{"grant_type", "refresh_token"},
                                                    {"client_id", tenant().demo_client_id},
                                                    {"refresh_token", token},
                                                    {"redirect_uri", kCallback}});
    };
    auto first = refresh(str(tokens, "refresh_token"));
    ASSERT_EQ(first.status, 200) << first.body;
    auto rotated = first.json().as_object();
    EXPECT_NE(str(rotated, "refresh_token"), str(tokens, "refresh_token"));
    EXPECT_FALSE(str(rotated, "id_token").empty()) << "spa-js validates an id_token on every response";

    auto reuse = refresh(str(tokens, "refresh_token"));
    EXPECT_EQ(reuse.status, 403);
    EXPECT_NE(str(reuse.json().as_object(), "error_description").find("invalid refresh token"), std::string::npos);
    auto after = refresh(str(rotated, "refresh_token"));
    EXPECT_EQ(after.status, 403) << "the whole family must be revoked after reuse";
}

TEST_F(Flow, PromptNoneUsesTheSessionOrAnswersLoginRequired) {
    Pkce p;
    auto params = authorize_params(p);
    params.emplace_back("prompt", "none");
    auto anonymous = browser().get("/authorize?" + form_encode(params));
    ASSERT_EQ(anonymous.status, 302);
    EXPECT_EQ(query_of(anonymous.header("location")).get("error"), "login_required");
    EXPECT_EQ(query_of(anonymous.header("location")).get("state"), p.state);

    auto b = browser();
    login(b, authorize_params(p));
    auto silent = b.get("/authorize?" + form_encode(params));
    ASSERT_EQ(silent.status, 302);
    EXPECT_FALSE(query_of(silent.header("location")).get("code").empty()) << silent.header("location");
}

TEST_F(Flow, ResponseModesFormPostAndWebMessage) {
    Pkce p;
    auto b = browser();
    login(b, authorize_params(p));
    auto params = authorize_params(p);
    params.emplace_back("response_mode", "form_post");
    auto form = b.get("/authorize?" + form_encode(params));
    ASSERT_EQ(form.status, 200);
    EXPECT_NE(form.body.find("action=\"http://localhost:3000/callback\""), std::string::npos);
    EXPECT_FALSE(extract(form.body, "code").empty());

    params = authorize_params(p);
    params.emplace_back("response_mode", "web_message");
    params.emplace_back("prompt", "none");
    auto message = b.get("/authorize?" + form_encode(params));
    ASSERT_EQ(message.status, 200);
    EXPECT_NE(message.body.find("authorization_response"), std::string::npos);
    EXPECT_NE(message.body.find("\"http://localhost:3000\""), std::string::npos);
    EXPECT_EQ(message.header("x-frame-options"), "") << "web_message runs in the client's iframe";
    // ...and only in the client's: no other site may frame it (RFC 9700 §4.16, clickjacking).
    EXPECT_NE(message.header("content-security-policy").find("frame-ancestors http://localhost:3000;"),
              std::string::npos)
        << message.header("content-security-policy");
    EXPECT_EQ(form.header("x-frame-options"), "DENY");
    EXPECT_NE(form.header("content-security-policy").find("frame-ancestors 'none'"), std::string::npos);
    auto fresh = browser();  // no session: /authorize sends it to the login page
    auto login_page = fresh.get(fresh.get("/authorize?" + form_encode(authorize_params(p))).header("location"));
    ASSERT_EQ(login_page.status, 200);
    EXPECT_EQ(login_page.header("x-frame-options"), "DENY");
    EXPECT_NE(login_page.header("content-security-policy").find("frame-ancestors 'none'"), std::string::npos);
}

TEST_F(Flow, UntrustedRedirectsShowAnErrorPageAndNeverRedirect) {
    Pkce p;
    auto params = authorize_params(p);
    params[2].second = "https://evil.example/callback";
    auto r = browser().get("/authorize?" + form_encode(params));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.header("location"), "");
    EXPECT_NE(r.body.find("Callback URL mismatch"), std::string::npos);
    EXPECT_NE(r.header("content-type").find("text/html"), std::string::npos);

    params = authorize_params(p);
    params[1].second = "no-such-client";
    auto unknown = browser().get("/authorize?" + form_encode(params));
    EXPECT_EQ(unknown.status, 400);
    EXPECT_EQ(unknown.header("location"), "");
}

TEST_F(Flow, PkceIsRequiredForPublicClientsAndPlainIsRefused) {
    Pkce p;
    auto params = authorize_params(p);
    params.erase(params.end() - 2, params.end());
    auto r = browser().get("/authorize?" + form_encode(params));
    ASSERT_EQ(r.status, 302);
    EXPECT_EQ(query_of(r.header("location")).get("error"), "invalid_request");

    params = authorize_params(p);
    params.back().second = "plain";
    params[params.size() - 2].second = p.verifier;
    auto plain = browser().get("/authorize?" + form_encode(params));
    ASSERT_EQ(plain.status, 302);
    EXPECT_EQ(query_of(plain.header("location")).get("error"), "invalid_request");
}

TEST_F(Flow, RepeatedParametersAreInvalidRequest) {
    Pkce p;
    auto r = browser().get("/authorize?" + form_encode(authorize_params(p)) + "&scope=openid");
    EXPECT_EQ(r.status, 400);
    auto t = browser().post_form("/oauth/token", {{"grant_type", "client_credentials"}, {"grant_type", "password"}});
    EXPECT_EQ(t.status, 400);
    EXPECT_EQ(str(t.json().as_object(), "error"), "invalid_request");
}

TEST_F(Flow, LoginFormErrorsAreTheSameForUnknownUserAndWrongPassword) {
    Pkce p;
    auto attempt = [&](const std::string& email, const std::string& password) {
        auto b = browser();
        auto r = b.get("/authorize?" + form_encode(authorize_params(p)));
        auto page = b.get(r.header("location"));
        EXPECT_NE(page.body.find("name=\"username\""), std::string::npos);
        EXPECT_NE(page.body.find("name=\"password\""), std::string::npos);
        EXPECT_NE(page.body.find("/assets/gatehouse.css"), std::string::npos);
        return b.post_form("/u/login", {{"state", extract(page.body, "state")},
                                        {"csrf", extract(page.body, "csrf")},
                                        {"username", email},
                                        {"password", password}});
    };
    auto wrong = attempt(kEmail, "not the password");
    auto unknown = attempt("nobody@example.com", "not the password");
    EXPECT_EQ(wrong.status, unknown.status);
    EXPECT_NE(wrong.body.find("Wrong email or password."), std::string::npos);
    EXPECT_NE(unknown.body.find("Wrong email or password."), std::string::npos);
    EXPECT_EQ(wrong.header("location"), "");
}

TEST_F(Flow, LoginWithoutCsrfOrFromAnotherBrowserIsRefused) {
    Pkce p;
    auto b = browser();
    auto r = b.get("/authorize?" + form_encode(authorize_params(p)));
    auto page = b.get(r.header("location"));
    auto no_csrf = b.post_form("/u/login",
                               {{"state", extract(page.body, "state")}, {"username", kEmail}, {"password", kPassword}});
    EXPECT_EQ(no_csrf.status, 403);
    auto other = browser();  // no cookies: not the browser that started the login
    auto stolen = other.post_form("/u/login", {{"state", extract(page.body, "state")},
                                               {"csrf", extract(page.body, "csrf")},
                                               {"username", kEmail},
                                               {"password", kPassword}});
    EXPECT_EQ(stolen.status, 403);
}

TEST_F(Flow, StylesheetIsServed) {
    auto r = browser().get("/assets/gatehouse.css");
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.header("content-type").find("text/css"), std::string::npos);
    EXPECT_NE(r.body.find("@media"), std::string::npos);
}

TEST_F(Flow, ClientCredentialsForTheManagementApi) {
    auto ok = client_credentials({{"audience", tenant().issuer + "api/v2/"}}, 200);
    auto claims = verify(str(ok, "access_token"), tenant().issuer + "api/v2/");
    EXPECT_EQ(str(claims, "gty"), "client-credentials");
    EXPECT_EQ(str(claims, "sub"), tenant().mgmt_client_id + "@clients");
    EXPECT_NE(str(ok, "scope").find("read:connections"), std::string::npos);
    // Auth0's Node SDK always asks for https://<domain>/api/v2/.
    auto https = "https://" + tenant().issuer.substr(7) + "api/v2/";
    client_credentials({{"audience", https}}, 200);

    // The management client is client_secret_post: the right secret over HTTP Basic is refused
    // (token_endpoint_auth_method is enforced), with RFC 6749 §5.2's challenge.
    auto basic = browser().post_form(
        "/oauth/token", {{"grant_type", "client_credentials"}, {"audience", tenant().issuer + "api/v2/"}},
        {{"Authorization",
          "Basic " + util::base64_encode(tenant().mgmt_client_id + ":" + tenant().mgmt_client_secret)}});
    EXPECT_EQ(basic.status, 401) << basic.body;
    EXPECT_EQ(str(basic.json().as_object(), "error"), "invalid_client");
    EXPECT_EQ(basic.header("www-authenticate"), "Basic realm=\"gatehouse\"");
}

TEST_F(Flow, ClientCredentialsFailures) {
    auto no_api = client_credentials({{"audience", "https://unknown.example/api"}}, 403);
    EXPECT_EQ(str(no_api, "error"), "access_denied");
    auto bad_secret = browser().post_form("/oauth/token", {{"grant_type", "client_credentials"},
                                                           {"client_id", tenant().mgmt_client_id},
                                                           {"client_secret", "wrong"},
                                                           {"audience", tenant().issuer + "api/v2/"}});
    EXPECT_EQ(bad_secret.status, 401);
    EXPECT_EQ(str(bad_secret.json().as_object(), "error"), "invalid_client");
    auto scope = client_credentials({{"audience", tenant().issuer + "api/v2/"}, {"scope", "read:everything"}}, 403);
    EXPECT_EQ(str(scope, "error"), "access_denied");
    auto public_client = browser().post_form("/oauth/token", {{"grant_type", "client_credentials"},
                                                              {"client_id", tenant().demo_client_id},
                                                              {"audience", tenant().issuer + "api/v2/"}});
    EXPECT_EQ(public_client.status, 403);
    auto unknown_grant = browser().post_form("/oauth/token", {{"grant_type", "urn:nope"}, {"client_id", "x"}});
    EXPECT_EQ(unknown_grant.status, 400);
    EXPECT_EQ(str(unknown_grant.json().as_object(), "error"), "unsupported_grant_type");
}

// RFC 9700 §4.12/§4.14: a token is bound to the client it was issued to.
TEST_F(Flow, TokensOfOneClientAreRefusedToAnother) {
    Pkce p;
    auto b = browser();
    auto tokens = exchange(query_of(login(b, authorize_params(p))).get("code"), p);
    const auto refresh_token = str(tokens, "refresh_token");
    ASSERT_FALSE(refresh_token.empty());
    const Params mgmt = {{"client_id", tenant().mgmt_client_id}, {"client_secret", tenant().mgmt_client_secret}};
    auto with_mgmt = [&](Params form) {
        form.insert(form.end(), mgmt.begin(), mgmt.end());
        return form;
    };

    // A confidential client without the refresh_token grant is refused before the token is looked at.
    auto stolen = browser().post_form("/oauth/token",
                                      with_mgmt({{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}}));
    EXPECT_EQ(stolen.status, 403) << stolen.body;
    EXPECT_EQ(str(stolen.json().as_object(), "error"), "unauthorized_client");
    // Another SPA that may refresh its own tokens still cannot refresh this one.
    const auto mgmt_token = str(client_credentials({{"audience", tenant().issuer + "api/v2/"}}, 200), "access_token");
    auto created = browser().post_json("/api/v2/clients",
                                       json::object{{"name", "Another SPA"},
                                                    {"app_type", "spa"},
                                                    {"token_endpoint_auth_method", "none"},
                                                    {"grant_types", json::array{"authorization_code", "refresh_token"}},
                                                    {"callbacks", json::array{kCallback}}},
                                       {{"Authorization", "Bearer " + mgmt_token}});
    ASSERT_EQ(created.status, 201) << created.body;
    auto other = browser().post_form("/oauth/token", {{"grant_type", "refresh_token"},
                                                      {"client_id", str(created.json().as_object(), "client_id")},
                                                      {"refresh_token", refresh_token}});
    EXPECT_EQ(other.status, 403) << other.body;
    EXPECT_EQ(str(other.json().as_object(), "error"), "invalid_grant");

    // Revoking another client's token is answered 200 (RFC 7009 §2.1) and changes nothing.
    auto revoke = browser().post_form("/oauth/revoke", with_mgmt({{"token", refresh_token}}));
    EXPECT_EQ(revoke.status, 200) << revoke.body;
    auto still = browser().post_form(
        "/oauth/token",
        {{"grant_type", "refresh_token"}, {"client_id", tenant().demo_client_id}, {"refresh_token", refresh_token}});
    EXPECT_EQ(still.status, 200) << still.body;

    // The SPA's /userinfo token and the management client's API token each work only where they belong.
    const auto user_access = str(tokens, "access_token");
    auto at_mgmt = browser().get("/api/v2/clients", {{"Authorization", "Bearer " + user_access}});
    EXPECT_EQ(at_mgmt.status, 401) << at_mgmt.body;
    auto at_userinfo = browser().get("/userinfo", {{"Authorization", "Bearer " + mgmt_token}});
    EXPECT_EQ(at_userinfo.status, 401) << at_userinfo.body;
}

TEST_F(Flow, RevokeEndsTheRefreshTokenFamily) {
    Pkce p;
    auto b = browser();
    auto tokens = exchange(query_of(login(b, authorize_params(p))).get("code"), p);
    auto revoke = browser().post_form("/oauth/revoke", {{"client_id", tenant().demo_client_id},
                                                        {"token", str(tokens, "refresh_token")},
                                                        {"token_type_hint", "refresh_token"}});
    EXPECT_EQ(revoke.status, 200);
    EXPECT_EQ(revoke.body, "");
    auto again = browser().post_form("/oauth/revoke", {{"client_id", tenant().demo_client_id}, {"token", "unknown"}});
    EXPECT_EQ(again.status, 200);
    auto refresh = browser().post_form("/oauth/token", {{"grant_type", "refresh_token"},
                                                        {"client_id", tenant().demo_client_id},
                                                        {"refresh_token", str(tokens, "refresh_token")}});
    EXPECT_EQ(refresh.status, 403);
}

TEST_F(Flow, LogoutRedirectsOnlyToAllowedUrls) {
    auto evil = browser().get("/v2/logout?client_id=" + tenant().demo_client_id +
                              "&returnTo=" + url_encode("https://evil.example/"));
    EXPECT_EQ(evil.status, 400);
    EXPECT_EQ(evil.header("location"), "");

    Pkce p;
    auto b = browser();
    login(b, authorize_params(p));
    auto out =
        b.get("/v2/logout?client_id=" + tenant().demo_client_id + "&returnTo=" + url_encode("http://localhost:3000/"));
    EXPECT_EQ(out.status, 302) << out.body;
    EXPECT_EQ(out.header("location"), "http://localhost:3000/");
    auto params = authorize_params(p);
    params.emplace_back("prompt", "none");
    auto after = b.get("/authorize?" + form_encode(params));
    EXPECT_EQ(query_of(after.header("location")).get("error"), "login_required") << "session must be gone";
}

TEST_F(Flow, CorsPreflightForTheSpaOrigin) {
    Headers preflight = {{"Origin", "http://localhost:3000"},
                         {"Access-Control-Request-Method", "POST"},
                         {"Access-Control-Request-Headers", "auth0-client, content-type"}};
    auto ok = browser().request(boost::beast::http::verb::options, "/oauth/token", "", "", preflight);
    EXPECT_EQ(ok.status, 204);
    EXPECT_EQ(ok.header("access-control-allow-origin"), "http://localhost:3000");
    EXPECT_NE(ok.header("access-control-allow-headers").find("uth0-"), std::string::npos);
    preflight[0].second = "https://evil.example";
    auto denied = browser().request(boost::beast::http::verb::options, "/oauth/token", "", "", preflight);
    EXPECT_EQ(denied.header("access-control-allow-origin"), "");
}

TEST_F(Flow, BadInputGetsClearErrorsAndTheServerKeepsServing) {
    auto c = browser();
    auto bad_json = c.request(boost::beast::http::verb::post, "/oauth/token", "{\"grant_type\":", "application/json");
    EXPECT_EQ(bad_json.status, 400);
    EXPECT_EQ(str(bad_json.json().as_object(), "error"), "invalid_request");
    auto huge = c.request(boost::beast::http::verb::post, "/oauth/token", std::string(2 * 1024 * 1024, 'a'),
                          "application/x-www-form-urlencoded");
    EXPECT_EQ(huge.status, 413);
    auto utf8 = c.get("/authorize?client_id=%FF%FE");
    EXPECT_EQ(utf8.status, 400);
    auto content_type = c.request(boost::beast::http::verb::post, "/oauth/token", "x", "text/plain");
    EXPECT_EQ(content_type.status, 400);
    auto garbage = c.raw("GARBAGE\r\n\r\n");
    EXPECT_TRUE(garbage.empty() || garbage.starts_with("HTTP/1.1 400")) << garbage;
    auto no_token = c.get("/userinfo");
    EXPECT_EQ(no_token.status, 401);
    EXPECT_NE(no_token.header("www-authenticate").find("Bearer"), std::string::npos);
    EXPECT_EQ(c.get("/healthz").status, 200);
}

TEST_F(Flow, SecondInitChangesNothing) {
    auto [code, out] = server_->cli({"init"});
    EXPECT_EQ(code, 0);
    EXPECT_NE(out.find("already initialised"), std::string::npos) << out;
}

TEST_F(Flow, PkceCommandPrintsAWorkingAuthorizeUrl) {
    auto [code, out] = server_->cli({"pkce"});
    ASSERT_EQ(code, 0) << out;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(out, m, std::regex("authorize URL +(\\S+)")));
    auto url = m[1].str();
    ASSERT_TRUE(url.starts_with(tenant().issuer + "authorize?"));
    auto r = browser().get(url.substr(tenant().issuer.size() - 1));
    EXPECT_EQ(r.status, 302);
    EXPECT_TRUE(r.header("location").starts_with("/u/login?state=")) << r.header("location");
}

}  // namespace
}  // namespace gatehouse::testing
