// The Liquid subset of Auth0's email templates: `{{ path.to.value | filter }}` outputs with the
// filters upcase, downcase, default: "x", escape and raw, and `{% if %}/{% elsif %}/{% else %}/
// {% endif %}` with ==, != and truthiness. Values come from a JSON context and are never parsed as
// template text, so a user's name holding `{{ ... }}` is printed, not run. In an HTML body every
// output is HTML-escaped unless it ends with `| raw` (Auth0 does not escape; we do, because the
// values are user-controlled and the mail is HTML).
#pragma once

#include <boost/json.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace gatehouse::email {

struct LiquidError {
    std::string message;  // "Liquid syntax error (line 2, column 5): unknown filter 'foo'"
};

struct LiquidNode;
struct LiquidTemplate {
    std::shared_ptr<const std::vector<LiquidNode>> nodes;
};

// Parses `text`; a syntax error says what and where.
std::variant<LiquidTemplate, LiquidError> parse_liquid(std::string_view text);

enum class escaping { none, html };
std::string render_liquid(const LiquidTemplate&, const boost::json::object& context, escaping mode);

}  // namespace gatehouse::email
