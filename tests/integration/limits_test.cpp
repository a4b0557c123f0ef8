// Rate limits of the public endpoints (spec §7): failed logins per user and token requests per
// client are answered 429 with Retry-After, and the server keeps serving everyone else.
#include "integration/gatehouse_process.hpp"
#include "oauth/pkce.hpp"
#include "util/util.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <regex>

namespace gatehouse::testing {
namespace {

std::string extract(const std::string& html, const std::string& name) {
    std::smatch m;
    return std::regex_search(html, m, std::regex("name=\"" + name + "\" value=\"([^\"]*)\"")) ? m[1].str() : "";
}

TEST(Limits, FailedLoginsOfOneUserAreThrottled) {
    GatehouseProcess server;
    auto [code, out] = server.cli({"user", "add", "--email", "carol@example.com", "--password", "the right password"});
    ASSERT_EQ(code, 0) << out;
    auto verifier = util::random_token(32);
    std::vector<std::pair<std::string, std::string>> params = {{"response_type", "code"},
                                                               {"client_id", server.tenant().demo_client_id},
                                                               {"redirect_uri", "http://localhost:3000/callback"},
                                                               {"scope", "openid"},
                                                               {"code_challenge", oauth::s256_challenge(verifier)},
                                                               {"code_challenge_method", "S256"}};
    auto b = server.client();
    auto page = b.get(b.get("/authorize?" + form_encode(params)).header("location"));
    auto attempt = [&](const std::string& password) {
        return b.post_form("/u/login", {{"state", extract(page.body, "state")},
                                        {"csrf", extract(page.body, "csrf")},
                                        {"username", "carol@example.com"},
                                        {"password", password}});
    };
    int throttled_at = -1;
    for (int i = 0; i < 12 && throttled_at < 0; ++i)
        if (attempt("wrong " + std::to_string(i)).status == 429) throttled_at = i;
    EXPECT_EQ(throttled_at, 10) << "ten wrong passwords are allowed, the eleventh attempt is throttled";
    auto blocked = attempt("the right password");
    EXPECT_EQ(blocked.status, 429) << "while throttled even the right password waits";
    EXPECT_GE(std::stoi(blocked.header("retry-after")), 1);

    // Another user from the same address is not affected.
    auto [code2, out2] = server.cli({"user", "add", "--email", "dave@example.com", "--password", "dave's password"});
    ASSERT_EQ(code2, 0) << out2;
    auto ok = b.post_form("/u/login", {{"state", extract(page.body, "state")},
                                       {"csrf", extract(page.body, "csrf")},
                                       {"username", "dave@example.com"},
                                       {"password", "dave's password"}});
    EXPECT_EQ(ok.status, 302) << ok.body;
}

TEST(Limits, TokenRequestsPerClientAreThrottled) {
    GatehouseProcess server({"--token-rate-limit", "5"});  // burst of 10
    auto request = [&] {
        return server.client().post_form("/oauth/token", {{"grant_type", "client_credentials"},
                                                          {"client_id", server.tenant().mgmt_client_id},
                                                          {"client_secret", server.tenant().mgmt_client_secret},
                                                          {"audience", server.tenant().issuer + "api/v2/"}});
    };
    int ok = 0, throttled = 0;
    std::string retry_after;
    for (int i = 0; i < 14; ++i) {
        auto r = request();
        if (r.status == 200) ++ok;
        if (r.status == 429) {
            ++throttled;
            retry_after = r.header("retry-after");
            EXPECT_EQ(boost::json::value_to<std::string>(r.json().at("error")), "too_many_requests");
        }
    }
    EXPECT_GE(ok, 10);
    EXPECT_GE(throttled, 1);
    EXPECT_FALSE(retry_after.empty());
    EXPECT_EQ(server.client().get("/healthz").status, 200);
}

// Login posts per address (burst 100). Behind a trusted proxy the address is X-Forwarded-For's; from
// anyone else the header is ignored, so it cannot be used to dodge the limit.
int login_posts_until_throttled(GatehouseProcess& server, const std::string& forwarded_for) {
    for (int i = 0; i < 110; ++i) {
        auto r = server.client().post_form(
            "/u/login", {{"state", "s"}, {"csrf", "c"}, {"username", "u" + std::to_string(i)}, {"password", "p"}},
            {{"X-Forwarded-For", forwarded_for + std::to_string(i % 2 ? 1 : 2)}});
        if (r.status == 429) {
            EXPECT_GE(std::stoi(r.header("retry-after")), 1);
            return i;
        }
    }
    return -1;
}

TEST(Limits, LoginPostsPerAddressUseXForwardedForOnlyFromATrustedProxy) {
    GatehouseProcess direct;
    // Spoofed headers alternate between two addresses; the TCP peer is what counts: its burst of 100
    // (the bucket refills slowly, so a slow run, e.g. under ASan, may get one or two more), where two
    // counted addresses would take 55 posts each and never be throttled.
    auto direct_posts = login_posts_until_throttled(direct, "203.0.113.");
    EXPECT_GE(direct_posts, 100);
    EXPECT_LE(direct_posts, 103);

    GatehouseProcess proxied({"--trusted-proxies", "127.0.0.1/32, ::1"});
    // Two clients behind the proxy, 55 posts each: neither reaches its own burst of 100.
    EXPECT_EQ(login_posts_until_throttled(proxied, "203.0.113."), -1);
    auto throttled_client = [&] {
        for (int i = 0; i < 110; ++i) {
            auto r = proxied.client().post_form("/u/login", {{"state", "s"}, {"username", "x"}, {"password", "p"}},
                                                {{"X-Forwarded-For", "6.6.6.6, 198.51.100.9"}});
            if (r.status == 429) return i;
        }
        return -1;
    }();
    // 55 posts already came from 203.0.113.1 and .2, none from 198.51.100.9 (the spoofed 6.6.6.6 is
    // ignored): its own burst of 100, give or take a slow run's refill.
    EXPECT_GE(throttled_client, 100);
    EXPECT_LE(throttled_client, 103);
    EXPECT_NE(proxied.log().find("ip=198.51.100.9"), std::string::npos);
}

TEST(Limits, WithProxyHeadersForwardedOnlyTheForwardedHeaderNamesTheClient) {
    GatehouseProcess proxied({"--trusted-proxies", "127.0.0.1/32, ::1", "--proxy-headers", "forwarded"});
    int throttled_at = -1;
    for (int i = 0; i < 110 && throttled_at < 0; ++i) {
        // X-Forwarded-For now comes from the client (the proxy maintains Forwarded): it must not count.
        auto r = proxied.client().post_form("/u/login", {{"state", "s"}, {"username", "x"}, {"password", "p"}},
                                            {{"Forwarded", "for=6.6.6.6, for=\"[2001:db8::9]:4711\";proto=https"},
                                             {"X-Forwarded-For", "203.0.113." + std::to_string(i)}});
        if (r.status == 429) throttled_at = i;
    }
    // One client's burst of 100 (the bucket refills slowly, so a slow run, e.g. under ASan, may get
    // one or two more); were X-Forwarded-For counted, 110 different addresses would never be throttled.
    EXPECT_GE(throttled_at, 100);
    EXPECT_LE(throttled_at, 103);
    EXPECT_NE(proxied.log().find("ip=2001:db8::9"), std::string::npos);
    EXPECT_EQ(proxied.log().find("ip=203.0.113."), std::string::npos);
}

TEST(Limits, AnInvalidTrustedProxyListIsAClearStartError) {
    GatehouseProcess server;
    auto [code, out] =
        server.cli({"serve", "--listen", "127.0.0.1:0", "--trusted-proxies", "10.0.0.0/8,proxy.local"}, true);
    EXPECT_NE(code, 0);
    EXPECT_NE(out.find("--trusted-proxies: \"proxy.local\" is not an IP address"), std::string::npos) << out;
    std::tie(code, out) = server.cli(
        {"serve", "--listen", "127.0.0.1:0", "--trusted-proxies", "10.0.0.0/8", "--proxy-headers", "x-real-ip"}, true);
    EXPECT_NE(code, 0);
    EXPECT_NE(out.find("--proxy-headers: \"x-real-ip\" is not a proxy header"), std::string::npos) << out;
}

}  // namespace
}  // namespace gatehouse::testing
