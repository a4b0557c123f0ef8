#include "http/response.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "http/cors.hpp"

namespace gatehouse::http {
namespace {

std::vector<std::string> set_cookies(const Response& res) {
    std::vector<std::string> out;
    for (auto it = res.find(bhttp::field::set_cookie); it != res.end() && it->name() == bhttp::field::set_cookie; ++it)
        out.emplace_back(it->value());
    return out;
}

TEST(JsonResponse, HeadersAndBody) {
    auto res = json_response(bhttp::status::ok, boost::json::object{{"a", 1}});
    EXPECT_EQ(res.result(), bhttp::status::ok);
    EXPECT_EQ(res[bhttp::field::content_type], "application/json; charset=utf-8");
    EXPECT_EQ(res[bhttp::field::cache_control], "no-store");
    EXPECT_EQ(res[bhttp::field::pragma], "no-cache");
    EXPECT_EQ(res.body(), R"({"a":1})");
    EXPECT_EQ(res[bhttp::field::content_length], "7");
}

TEST(JsonResponse, ErrorShape) {
    auto res = json_error(bhttp::status::bad_request, "invalid_request", "Missing \"code\"");
    EXPECT_EQ(res.result(), bhttp::status::bad_request);
    auto v = boost::json::parse(res.body());
    EXPECT_EQ(v.at("error"), "invalid_request");
    EXPECT_EQ(v.at("error_description"), "Missing \"code\"");
}

TEST(HtmlResponse, SecurityHeadersByDefault) {
    auto res = html_response(bhttp::status::ok, "<p>hi</p>");
    EXPECT_EQ(res[bhttp::field::content_type], "text/html; charset=utf-8");
    EXPECT_EQ(res["Content-Security-Policy"],
              "default-src 'none'; style-src 'self'; img-src 'self' data: https:; form-action *; frame-ancestors "
              "'none'");
    EXPECT_EQ(res["X-Frame-Options"], "DENY");
    EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
    EXPECT_EQ(res["Referrer-Policy"], "no-referrer");
    EXPECT_EQ(res[bhttp::field::cache_control], "no-store");
    EXPECT_EQ(res.body(), "<p>hi</p>");
}

TEST(HtmlResponse, FramingAndNonce) {
    auto res = html_response(bhttp::status::ok, "x",
                             HtmlOptions{.frame_ancestor = "https://app.example.com", .script_nonce = "n0nce"});
    auto csp = std::string(res["Content-Security-Policy"]);
    EXPECT_NE(csp.find("frame-ancestors https://app.example.com;"), std::string::npos) << csp;
    EXPECT_NE(csp.find("script-src 'nonce-n0nce'"), std::string::npos);
    EXPECT_EQ(res.find("X-Frame-Options"), res.end());
    EXPECT_EQ(std::string(html_response(bhttp::status::ok, "x")["Content-Security-Policy"]).find("script-src"),
              std::string::npos);
}

TEST(Redirect, FoundNoStore) {
    auto res = redirect("https://app.example/cb?code=x");
    EXPECT_EQ(res.result(), bhttp::status::found);
    EXPECT_EQ(res[bhttp::field::location], "https://app.example/cb?code=x");
    EXPECT_EQ(res[bhttp::field::cache_control], "no-store");
}

TEST(OtherResponses, EmptyAndText) {
    auto e = empty_response(bhttp::status::no_content);
    EXPECT_EQ(e.result(), bhttp::status::no_content);
    EXPECT_TRUE(e.body().empty());
    auto t = text_response(bhttp::status::ok, "body{}", "text/css");
    EXPECT_EQ(t[bhttp::field::content_type], "text/css");
    EXPECT_EQ(t.body(), "body{}");
}

TEST(SetCookie, AttributesAndAppending) {
    Response res{bhttp::status::ok, 11};
    set_cookie(res, "sid", "abc", CookieOptions{.max_age = 3600, .secure = true, .same_site = "None"});
    set_cookie(res, "csrf", "x", CookieOptions{.path = "/u", .http_only = false, .same_site = "Strict"});
    set_cookie(res, "old", "", CookieOptions{.max_age = 0});
    auto c = set_cookies(res);
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(c[0], "sid=abc; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=None");
    EXPECT_EQ(c[1], "csrf=x; Path=/u; SameSite=Strict");
    EXPECT_EQ(c[2], "old=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax");
}

TEST(Cors, AllowCorsHeaders) {
    Response res{bhttp::status::ok, 11};
    allow_cors(res, "https://app.example");
    EXPECT_EQ(res[bhttp::field::access_control_allow_origin], "https://app.example");
    EXPECT_EQ(res[bhttp::field::vary], "Origin");
    EXPECT_EQ(res[bhttp::field::access_control_allow_credentials], "true");
}

Request preflight(std::string_view method, std::string_view headers) {
    Request req{bhttp::verb::options, "/oauth/token", 11};
    req.set(bhttp::field::origin, "https://app.example");
    req.set(bhttp::field::access_control_request_method, method);
    if (!headers.empty()) req.set(bhttp::field::access_control_request_headers, headers);
    return req;
}

TEST(Cors, PreflightAllowed) {
    auto res =
        cors_preflight(preflight("POST", "auth0-client, content-type, x-evil, DPoP"), "https://app.example", true);
    EXPECT_EQ(res.result(), bhttp::status::no_content);
    EXPECT_EQ(res[bhttp::field::access_control_allow_origin], "https://app.example");
    EXPECT_EQ(res[bhttp::field::access_control_allow_methods], "POST");
    EXPECT_EQ(res[bhttp::field::access_control_allow_headers], "auth0-client, content-type, DPoP");
    EXPECT_EQ(res[bhttp::field::access_control_max_age], "86400");
    EXPECT_EQ(res[bhttp::field::access_control_allow_credentials], "true");

    auto other = cors_preflight(preflight("DELETE", ""), "https://app.example", true);
    EXPECT_EQ(other[bhttp::field::access_control_allow_methods], "GET, POST");
    EXPECT_EQ(other.find(bhttp::field::access_control_allow_headers), other.end());
}

TEST(Cors, PreflightRefused) {
    auto res = cors_preflight(preflight("POST", "content-type"), "https://evil.example", false);
    EXPECT_EQ(res.result(), bhttp::status::no_content);
    EXPECT_EQ(res.find(bhttp::field::access_control_allow_origin), res.end());
    EXPECT_EQ(res.find(bhttp::field::access_control_allow_methods), res.end());
    EXPECT_EQ(res.find(bhttp::field::access_control_allow_headers), res.end());
}

TEST(Cors, OriginOf) {
    EXPECT_EQ(origin_of("HTTPS://App.Example:443/cb?x=1"), "https://app.example");
    EXPECT_EQ(origin_of("http://localhost:3000/callback"), "http://localhost:3000");
    EXPECT_EQ(origin_of("http://a.b:80/"), "http://a.b");
    EXPECT_EQ(origin_of("/relative"), "");
    EXPECT_EQ(origin_of("not a url"), "");
}

}  // namespace
}  // namespace gatehouse::http
