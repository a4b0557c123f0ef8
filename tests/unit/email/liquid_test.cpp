#include "email/liquid.hpp"

#include <gtest/gtest.h>

namespace gatehouse::email {
namespace {

namespace json = boost::json;

std::string render(std::string_view text, const json::object& context, escaping mode = escaping::html) {
    auto parsed = parse_liquid(text);
    if (const auto* e = std::get_if<LiquidError>(&parsed)) return "ERROR " + e->message;
    return render_liquid(std::get<LiquidTemplate>(parsed), context, mode);
}

const json::object kContext = {
    {"url", "https://id.example.com/lo/reset?ticket=a&b=c"},
    {"user", json::object{{"email", "Ann@Example.com"}, {"name", "<b>Ann</b>"}, {"email_verified", false}}},
    {"application", json::object{{"name", "Shop"}}},
};

TEST(Liquid, OutputsDottedPathsAndEscapesHtmlByDefault) {
    EXPECT_EQ(render("Hi {{ user.email }} from {{application.name}}", kContext), "Hi Ann@Example.com from Shop");
    EXPECT_EQ(render("{{ user.name }}", kContext), "&lt;b&gt;Ann&lt;/b&gt;");
    EXPECT_EQ(render("{{ user.name | raw }}", kContext), "<b>Ann</b>");
    EXPECT_EQ(render("{{ user.name }}", kContext, escaping::none), "<b>Ann</b>");
    EXPECT_EQ(render("<a href=\"{{ url }}\">", kContext),
              "<a href=\"https://id.example.com/lo/reset?ticket=a&amp;b=c\">");
    EXPECT_EQ(render("[{{ user.missing.deeper }}]", kContext), "[]");
}

TEST(Liquid, Filters) {
    EXPECT_EQ(render("{{ user.email | downcase }}", kContext), "ann@example.com");
    EXPECT_EQ(render("{{ application.name | upcase }}", kContext), "SHOP");
    EXPECT_EQ(render("{{ user.nickname | default: \"friend\" }}", kContext), "friend");
    EXPECT_EQ(render("{{ user.nickname | default: user.email | upcase }}", kContext), "ANN@EXAMPLE.COM");
    EXPECT_EQ(render("{{ user.name | escape }}", kContext), "&lt;b&gt;Ann&lt;/b&gt;") << "not escaped twice";
}

TEST(Liquid, Conditions) {
    EXPECT_EQ(render("{% if user.name %}yes{% else %}no{% endif %}", kContext), "yes");
    EXPECT_EQ(render("{% if user.email_verified %}yes{% else %}no{% endif %}", kContext), "no");
    EXPECT_EQ(render("{% if application.name == \"Shop\" %}a{% elsif user.name %}b{% endif %}", kContext), "a");
    EXPECT_EQ(render("{% if application.name != 'Shop' %}a{% elsif user.name %}b{% endif %}", kContext), "b");
    EXPECT_EQ(render("{% if nope %}a{% if x %}{% endif %}{% endif %}z", kContext), "z");
}

TEST(Liquid, ValuesAreNeverParsedAsTemplates) {
    json::object context{{"user", json::object{{"name", "{{ secret }}{% if true %}x{% endif %}"}}}, {"secret", "S"}};
    EXPECT_EQ(render("{{ user.name }}", context), "{{ secret }}{% if true %}x{% endif %}");
}

TEST(Liquid, SyntaxErrorsSayWhatAndWhere) {
    EXPECT_EQ(render("ab\n  {{ user.email", kContext),
              "ERROR Liquid syntax error (line 2, column 3): '{{' is not closed by '}}'");
    EXPECT_EQ(render("{% if a %}x", kContext),
              "ERROR Liquid syntax error (line 1, column 1): '{% if %}' is not closed by '{% endif %}'");
    EXPECT_EQ(render("{{ a | nope }}", kContext),
              "ERROR Liquid syntax error (line 1, column 1): unknown filter 'nope'");
    EXPECT_EQ(render("{{ a | default }}", kContext),
              "ERROR Liquid syntax error (line 1, column 1): filter 'default' needs an argument");
    EXPECT_EQ(render("{% else %}", kContext),
              "ERROR Liquid syntax error (line 1, column 1): unknown or misplaced tag 'else'");
    EXPECT_EQ(render("{{ }}", kContext), "ERROR Liquid syntax error (line 1, column 1): empty output tag");
    EXPECT_EQ(render("{{ 'open }}", kContext).substr(0, 40), "ERROR Liquid syntax error (line 1, colum");
    EXPECT_EQ(render("{% if a < b %}{% endif %}", kContext).find("unexpected character '<'") != std::string::npos,
              true);
}

}  // namespace
}  // namespace gatehouse::email
