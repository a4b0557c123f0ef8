// Email templates (email/liquid): any text an operator stores through /api/v2/email-templates is
// parsed, and any user-controlled value is rendered through it. Invariants: parsing never crashes,
// errors say where; rendered values never come out unescaped in HTML mode, and are never run as
// template text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "email/liquid.hpp"
#include "fuzz_check.hpp"
#include "util/util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace gatehouse;
    std::string_view input(reinterpret_cast<const char*>(data), size);

    // The input as a template.
    auto parsed = email::parse_liquid(input);
    const boost::json::object context{
        {"user", boost::json::object{{"email", "a@example.com"}, {"name", "<b>{{ x }}</b>"}}},
        {"url", "https://id.example.com/lo/reset?ticket=t"},
        {"application", boost::json::object{{"name", "App"}}}};
    if (auto* t = std::get_if<email::LiquidTemplate>(&parsed)) {
        (void)email::render_liquid(*t, context, email::escaping::none);
        (void)email::render_liquid(*t, context, email::escaping::html);
    } else {
        FUZZ_CHECK(std::get<email::LiquidError>(parsed).message.starts_with("Liquid syntax error"));
    }

    // The input as a user's value inside a fixed template: printed escaped, never parsed.
    static const auto fixed = std::get<email::LiquidTemplate>(email::parse_liquid("<p>{{ user.name }}</p>"));
    const boost::json::object as_value{{"user", boost::json::object{{"name", std::string(input)}}}};
    auto html = email::render_liquid(fixed, as_value, email::escaping::html);
    FUZZ_CHECK(html == "<p>" + util::html_escape(input) + "</p>");
    FUZZ_CHECK(html.substr(3, html.size() - 7).find('<') == std::string::npos);
    return 0;
}
