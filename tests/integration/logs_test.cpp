// Spec §5/§7: one log line per request, never a password, code, token or secret. Runs every flow
// against one server, then searches its whole log for each secret it used.
#include "integration/gatehouse_process.hpp"
#include "oauth/pkce.hpp"
#include "util/util.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <regex>

namespace gatehouse::testing {
namespace {

std::string field(const std::string& html, const std::string& name) {
    std::smatch m;
    return std::regex_search(html, m, std::regex("name=\"" + name + "\" value=\"([^\"]*)\"")) ? m[1].str() : "";
}

std::string str(const boost::json::value& v, std::string_view key) {
    auto* p = v.as_object().if_contains(key);
    return p && p->is_string() ? std::string(p->get_string()) : std::string();
}

TEST(Logs, NoPasswordCodeTokenOrSecretIsEverLogged) {
    GatehouseProcess server({"--log-level", "debug"});
    const std::string password = "a password nobody may log";
    auto [code, out] = server.cli({"user", "add", "--email", "erin@example.com", "--password", password});
    ASSERT_EQ(code, 0) << out;
    std::vector<std::string> secrets = {password, server.tenant().mgmt_client_secret};

    auto verifier = util::random_token(32);
    auto b = server.client();
    auto r = b.get("/authorize?" + form_encode({{"response_type", "code"},
                                                {"client_id", server.tenant().demo_client_id},
                                                {"redirect_uri", "http://localhost:3000/callback"},
                                                {"scope", "openid profile email offline_access"},
                                                {"state", "state-value"},
                                                {"code_challenge", oauth::s256_challenge(verifier)},
                                                {"code_challenge_method", "S256"}}));
    auto page = b.get(r.header("location"));
    b.post_form("/u/login", {{"state", field(page.body, "state")},
                             {"csrf", field(page.body, "csrf")},
                             {"username", "erin@example.com"},
                             {"password", "wrong " + password}});
    auto done = b.post_form("/u/login", {{"state", field(page.body, "state")},
                                         {"csrf", field(page.body, "csrf")},
                                         {"username", "erin@example.com"},
                                         {"password", password}});
    ASSERT_EQ(done.status, 302) << done.body;
    auto auth_code = query_of(done.header("location")).get("code");
    secrets.push_back(auth_code);
    secrets.push_back(field(page.body, "csrf"));
    for (const auto& cookie : b.cookies()) secrets.push_back(cookie.second);

    auto tokens = server.client()
                      .post_form("/oauth/token", {{"grant_type", "authorization_code"},
                                                  {"client_id", server.tenant().demo_client_id},
                                                  {"code", auth_code},
                                                  {"code_verifier", verifier},
                                                  {"redirect_uri", "http://localhost:3000/callback"}})
                      .json();
    secrets.push_back(verifier);
    secrets.push_back(str(tokens, "access_token"));
    secrets.push_back(str(tokens, "id_token"));
    secrets.push_back(str(tokens, "refresh_token"));
    server.client().get("/userinfo", {{"Authorization", "Bearer " + str(tokens, "access_token")}});
    auto refreshed = server.client()
                         .post_form("/oauth/token", {{"grant_type", "refresh_token"},
                                                     {"client_id", server.tenant().demo_client_id},
                                                     {"refresh_token", str(tokens, "refresh_token")}})
                         .json();
    secrets.push_back(str(refreshed, "refresh_token"));
    // A reuse and a replay take the error paths, which log details.
    server.client().post_form("/oauth/token", {{"grant_type", "refresh_token"},
                                               {"client_id", server.tenant().demo_client_id},
                                               {"refresh_token", str(tokens, "refresh_token")}});
    server.client().post_form("/oauth/token", {{"grant_type", "authorization_code"},
                                               {"client_id", server.tenant().demo_client_id},
                                               {"code", auth_code},
                                               {"code_verifier", verifier},
                                               {"redirect_uri", "http://localhost:3000/callback"}});
    auto mgmt = server.client()
                    .post_form("/oauth/token", {{"grant_type", "client_credentials"},
                                                {"client_id", server.tenant().mgmt_client_id},
                                                {"client_secret", server.tenant().mgmt_client_secret},
                                                {"audience", server.tenant().issuer + "api/v2/"}})
                    .json();
    secrets.push_back(str(mgmt, "access_token"));
    server.client().get("/api/v2/users?q=" + url_encode("email:\"erin@example.com\""),
                        {{"Authorization", "Bearer " + str(mgmt, "access_token")}});
    server.client().post_form(
        "/oauth/revoke", {{"client_id", server.tenant().demo_client_id}, {"token", str(refreshed, "refresh_token")}});
    server.client().get("/v2/logout?client_id=" + server.tenant().demo_client_id);

    server.stop();
    auto log = server.log();
    EXPECT_NE(log.find("path=/oauth/token"), std::string::npos) << "the access log must name requests";
    EXPECT_NE(log.find("path=/u/login"), std::string::npos);
    for (const auto& secret : secrets) {
        ASSERT_GE(secret.size(), 8u);
        EXPECT_EQ(log.find(secret), std::string::npos) << "secret found in the log: " << secret.substr(0, 8) << "...";
    }
}

}  // namespace
}  // namespace gatehouse::testing
