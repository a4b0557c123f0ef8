#include "mgmt/error.hpp"
#include "mgmt/mgmt.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace gatehouse::mgmt {
namespace {

TEST(ErrorTable, EveryRowRendersAnAuth0Body) {
    for (int i = int(mgmt_errc::invalid_body); i <= int(mgmt_errc::internal_error); ++i) {
        auto code = static_cast<mgmt_errc>(i);
        const auto& info = error_info(code);
        EXPECT_EQ(info.code, code) << i;
        auto r = render_error(make_error(code));
        EXPECT_EQ(r.status, info.status);
        EXPECT_GE(r.status, 400);
        auto b = boost::json::parse(r.body).as_object();
        EXPECT_EQ(b.at("statusCode"), info.status);
        EXPECT_EQ(b.at("error").as_string(), info.error);
        EXPECT_FALSE(b.at("message").as_string().empty());
        EXPECT_EQ(b.contains("errorCode"), !info.error_code.empty());
    }
}

TEST(ErrorTable, Auth0Wording) {
    auto b = boost::json::parse(render_error(make_error(mgmt_errc::inexistent_connection)).body);
    EXPECT_EQ(
        boost::json::serialize(b),
        R"({"statusCode":404,"error":"Not Found","message":"The connection does not exist","errorCode":"inexistent_connection"})");
    auto s = boost::json::parse(render_error(insufficient_scope("read:connections")).body);
    EXPECT_EQ(s.at("message"), "Insufficient scope, expected any of: read:connections");
    EXPECT_EQ(s.at("statusCode"), 403);
    EXPECT_EQ(s.at("errorCode"), "insufficient_scope");
}

TEST(ErrorTable, UnauthorizedBodies) {
    auto missing = render_unauthorized(false);
    EXPECT_EQ(missing.status, 401);
    EXPECT_EQ(missing.body, R"({"statusCode":401,"error":"Unauthorized","message":"Missing authentication"})");
    auto invalid = render_unauthorized(true);
    EXPECT_EQ(invalid.status, 401);
    EXPECT_EQ(
        invalid.body,
        R"({"statusCode":401,"error":"Unauthorized","message":"Invalid token","attributes":{"error":"Invalid token"}})");
    auto expired = boost::json::parse(render_unauthorized(true, true).body);
    EXPECT_EQ(expired.at("message"), "Expired token");
    EXPECT_EQ(expired.at("attributes").at("error"), "Expired token");
    for (const auto* r : {&missing, &invalid}) {
        bool www = false;
        for (const auto& [k, v] : r->headers) www = www || (k == "WWW-Authenticate" && v == "Bearer");
        EXPECT_TRUE(www);
    }
}

// Found by mgmt_fuzz: `sort=created_\x98t:1` was quoted back raw, and the 400 was not JSON.
TEST(ErrorTable, BrokenUtf8QuotedFromTheRequestCannotMakeTheBodyInvalidJson) {
    auto r = render_error(make_error(mgmt_errc::invalid_query_string, "sorting by 'created_\x98t' is not supported"));
    boost::system::error_code ec;
    auto b = boost::json::parse(r.body, ec);
    ASSERT_FALSE(ec) << r.body;
    EXPECT_EQ(b.at("message"), "sorting by 'created_\xEF\xBF\xBDt' is not supported");
    // A message cut in the middle of a character, as the length caps do.
    auto cut = render_error(make_error(mgmt_errc::invalid_body, std::string("caf\xC3\xA9").substr(0, 4)));
    (void)boost::json::parse(cut.body, ec);
    EXPECT_FALSE(ec) << cut.body;
}

TEST(ErrorTable, PayloadTooLarge) {
    auto b = boost::json::parse(render_error(make_error(mgmt_errc::payload_too_large)).body);
    EXPECT_EQ(b.at("statusCode"), 413);
    EXPECT_EQ(b.at("error"), "Request Entity Too Large");
}

}  // namespace
}  // namespace gatehouse::mgmt
