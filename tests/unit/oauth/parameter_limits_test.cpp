#include "oauth/parameter_limits.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gatehouse::oauth {
namespace {

constexpr std::array<const char*, 3> kSources = {"login_hint", "id_token_hint", "ui_locales"};

util::Params one(std::string name, std::size_t size) {
    return util::Params({{std::move(name), std::string(size, 'x')}});
}

TEST(ParameterLimits, EachParameterMayReachItsLimitAndNotOneByteMore) {
    for (const auto& [name, max_bytes] : kAuthorizeParameterLimits) {
        EXPECT_FALSE(oversized_authorize_parameter(one(std::string(name), max_bytes), kSources)) << name;
        auto page = oversized_authorize_parameter(one(std::string(name), max_bytes + 1), kSources);
        ASSERT_TRUE(page) << name;
        EXPECT_EQ(page->status, 400);
        EXPECT_NE(page->message.find("parameter " + std::string(name) + " is too long"), std::string::npos)
            << page->message;
        EXPECT_NE(page->message.find(std::to_string(max_bytes)), std::string::npos) << "says the limit";
    }
}

TEST(ParameterLimits, WhatRealApplicationsSendFits) {
    util::Params params({{"state", std::string(2048, 's')},
                         {"login_hint", std::string(64, 'a') + "@" + std::string(255, 'd')},
                         {"nonce", std::string(64, 'n')},
                         {"scope", "openid profile email offline_access read:messages write:messages"},
                         {"redirect_uri", "https://app.example.com/callback"},
                         {"code_challenge", std::string(43, 'c')},
                         {"id_token_hint", std::string(1500, 'h')}});
    EXPECT_FALSE(oversized_authorize_parameter(params, kSources));
}

TEST(ParameterLimits, TheUpstreamSourcesAreBoundedTogether) {
    util::Params params({{"login_hint", std::string(300, 'a')}, {"id_token_hint", std::string(3796, 'h')}});
    EXPECT_FALSE(oversized_authorize_parameter(params, kSources)) << "exactly the total";
    params.set("ui_locales", "e");
    auto page = oversized_authorize_parameter(params, kSources);
    ASSERT_TRUE(page);
    EXPECT_NE(page->message.find("too long together"), std::string::npos) << page->message;
    EXPECT_FALSE(oversized_authorize_parameter(params, {})) << "only the named sources count";
}

}  // namespace
}  // namespace gatehouse::oauth
