#include "connections/upstream_params.hpp"

#include <gtest/gtest.h>

namespace gatehouse::connections {
namespace {

util::Params make_params(std::vector<std::pair<std::string, std::string>> items) {
    return util::Params(std::move(items));
}

struct Case {
    const char* name;
    const char* json;
    const char* bad_key;  // nullptr = accepted; else the key the message must name
};

class UpstreamParamsRules : public ::testing::TestWithParam<Case> {};

TEST_P(UpstreamParamsRules, AcceptsOrNamesTheBadKey) {
    const auto& c = GetParam();
    auto err = validate_upstream_params(json::parse(c.json));
    if (!c.bad_key) {
        EXPECT_FALSE(err.has_value()) << *err;
    } else {
        ASSERT_TRUE(err.has_value());
        EXPECT_NE(err->find(c.bad_key), std::string::npos) << *err;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, UpstreamParamsRules,
    ::testing::Values(
        Case{"static_value", R"({"blog":{"value":"myblog.wordpress.com"}})", nullptr},
        Case{"alias_login_hint", R"({"screen_name":{"alias":"login_hint"}})", nullptr},
        Case{"null_entry", R"({"screen_name":null})", nullptr}, Case{"null_as_a_whole", "null", nullptr},
        Case{"empty_object", "{}", nullptr},
        Case{"every_allowed_alias",
             R"({"a":{"alias":"acr_values"},"b":{"alias":"audience"},"c":{"alias":"client_id"},"d":{"alias":"display"},
                 "e":{"alias":"id_token_hint"},"f":{"alias":"login_hint"},"g":{"alias":"max_age"},"h":{"alias":"prompt"},
                 "i":{"alias":"resource"},"j":{"alias":"response_mode"},"k":{"alias":"response_type"},
                 "l":{"alias":"ui_locales"}})",
             nullptr},
        Case{"name_with_all_allowed_chars", R"({"Az09._~-":{"value":"x"}})", nullptr},
        Case{"name_of_64_chars",
             R"({"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":{"value":"x"}})", nullptr},
        Case{"fails_because_not_an_object", R"(["blog"])", "upstream_params"},
        Case{"fails_because_unknown_alias", R"({"screen_name":{"alias":"email"}})", "screen_name"},
        Case{"fails_because_both_value_and_alias", R"({"blog":{"value":"x","alias":"login_hint"}})", "blog"},
        Case{"fails_because_neither_value_nor_alias", R"({"blog":{}})", "blog"},
        Case{"fails_because_value_is_a_number", R"({"blog":{"value":42}})", "blog"},
        Case{"fails_because_value_is_null", R"({"blog":{"value":null}})", "blog"},
        Case{"fails_because_alias_is_not_a_string", R"({"blog":{"alias":true}})", "blog"},
        Case{"fails_because_entry_is_a_string", R"({"blog":"myblog"})", "blog"},
        Case{"fails_because_entry_is_an_array", R"({"blog":["x"]})", "blog"},
        Case{"fails_because_unknown_entry_property", R"({"blog":{"value":"x","extra":"y"}})", "blog"},
        Case{"fails_because_name_is_empty", R"({"":{"value":"x"}})", "upstream_params."},
        Case{"fails_because_name_has_a_space", R"({"bad name":{"value":"x"}})", "bad name"},
        Case{"fails_because_name_has_a_slash", R"({"a/b":{"value":"x"}})", "a/b"},
        Case{"fails_because_name_is_65_chars",
             R"({"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":{"value":"x"}})", "aaaaaaaaaa"},
        Case{"fails_because_reserved_client_id", R"({"client_id":{"value":"x"}})", "client_id"},
        Case{"fails_because_reserved_redirect_uri", R"({"redirect_uri":{"value":"x"}})", "redirect_uri"},
        Case{"fails_because_reserved_state", R"({"state":{"alias":"login_hint"}})", "state"},
        Case{"fails_because_reserved_response_type", R"({"response_type":{"value":"token"}})", "response_type"},
        Case{"fails_because_reserved_code_challenge", R"({"code_challenge":{"value":"x"}})", "code_challenge"},
        Case{"fails_because_reserved_code_challenge_method", R"({"code_challenge_method":{"value":"plain"}})",
             "code_challenge_method"},
        Case{"fails_because_reserved_nonce", R"({"nonce":{"value":"x"}})", "nonce"},
        Case{"fails_because_reserved_scope", R"({"scope":{"value":"x"}})", "scope"},
        Case{"reserved_name_is_refused_even_when_null", R"({"scope":null})", "scope"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(ApplyUpstreamParams, StaticValuesAlwaysAliasesOnlyWhenPresentNullsNever) {
    auto up = json::parse(R"({"blog":{"value":"myblog.wordpress.com"},"screen_name":{"alias":"login_hint"},
                              "prompt_up":{"alias":"prompt"},"gone":null})")
                  .as_object();
    util::Params present({{"login_hint", "alice@example.com"}, {"client_id", "abc"}});
    auto out = apply_upstream_params(up, present);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0], (std::pair<std::string, std::string>{"blog", "myblog.wordpress.com"}));
    EXPECT_EQ(out[1], (std::pair<std::string, std::string>{"screen_name", "alice@example.com"}));

    auto without = apply_upstream_params(up, util::Params());
    ASSERT_EQ(without.size(), 1u);
    EXPECT_EQ(without[0].first, "blog");
}

TEST(ApplyUpstreamParams, PresentButEmptySourceIsCopied) {
    auto up = json::parse(R"({"screen_name":{"alias":"login_hint"}})").as_object();
    auto out = apply_upstream_params(up, make_params({{"login_hint", ""}}));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].second, "");
}

}  // namespace
}  // namespace gatehouse::connections
