#include "email/liquid.hpp"

#include "util/util.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

namespace gatehouse::email {

namespace json = boost::json;

struct Expr {
    std::vector<std::string> path;  // empty: a literal
    json::value literal;
};
struct Filter {
    std::string name;
    std::optional<Expr> argument;
};
struct Output {
    Expr expr;
    std::vector<Filter> filters;
};
struct Condition {
    Expr lhs;
    std::string op;  // "", "==", "!="
    Expr rhs;
};
struct If {
    std::vector<std::pair<Condition, std::vector<LiquidNode>>> branches;
    std::vector<LiquidNode> otherwise;
};
struct LiquidNode {
    std::variant<std::string, Output, If> node;
};

namespace {

constexpr std::array<std::string_view, 5> kFilters = {"upcase", "downcase", "default", "escape", "raw"};

struct SyntaxError {
    std::size_t offset;
    std::string message;
};

// Tokens of the text between the delimiters: words (paths, keywords), string literals, numbers, operators.
struct Token {
    enum kind { word, string, number, op } kind;
    std::string text;
};

std::vector<Token> lex(std::string_view s, std::size_t offset) {
    std::vector<Token> out;
    for (std::size_t i = 0; i < s.size();) {
        char c = s[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
        } else if (c == '"' || c == '\'') {
            auto end = s.find(c, i + 1);
            if (end == std::string_view::npos) throw SyntaxError{offset + i, "unterminated string literal"};
            out.push_back({Token::string, std::string(s.substr(i + 1, end - i - 1))});
            i = end + 1;
        } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                   (c == '-' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
            std::size_t j = i + 1;
            while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
            out.push_back({Token::number, std::string(s.substr(i, j - i))});
            i = j;
        } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            std::size_t j = i + 1;
            while (j < s.size() &&
                   (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == '.' || s[j] == '-'))
                ++j;
            out.push_back({Token::word, std::string(s.substr(i, j - i))});
            i = j;
        } else if (s.substr(i, 2) == "==" || s.substr(i, 2) == "!=") {
            out.push_back({Token::op, std::string(s.substr(i, 2))});
            i += 2;
        } else if (c == '|' || c == ':' || c == ',') {
            out.push_back({Token::op, std::string(1, c)});
            ++i;
        } else {
            throw SyntaxError{offset + i, std::string("unexpected character '") + c + "'"};
        }
    }
    return out;
}

Expr to_expr(const Token& t, std::size_t offset) {
    Expr e;
    switch (t.kind) {
        case Token::string:
            e.literal = json::string(t.text);
            break;
        case Token::number:
            e.literal = json::parse(t.text);
            break;
        case Token::word:
            if (t.text == "true" || t.text == "false") {
                e.literal = t.text == "true";
            } else if (t.text == "nil" || t.text == "null" || t.text == "empty") {
                e.literal = nullptr;
            } else {
                std::string_view rest = t.text;
                while (!rest.empty()) {
                    auto dot = rest.find('.');
                    auto part = rest.substr(0, dot);
                    if (part.empty()) throw SyntaxError{offset, "invalid variable name '" + t.text + "'"};
                    e.path.emplace_back(part);
                    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
                    if (dot != std::string_view::npos && rest.empty())
                        throw SyntaxError{offset, "invalid variable name '" + t.text + "'"};
                }
            }
            break;
        case Token::op:
            throw SyntaxError{offset, "expected a value, found '" + t.text + "'"};
    }
    return e;
}

Output parse_output(std::string_view inner, std::size_t offset) {
    auto tokens = lex(inner, offset);
    if (tokens.empty()) throw SyntaxError{offset, "empty output tag"};
    Output out{to_expr(tokens[0], offset), {}};
    for (std::size_t i = 1; i < tokens.size();) {
        if (tokens[i].kind != Token::op || tokens[i].text != "|")
            throw SyntaxError{offset, "expected '|' before '" + tokens[i].text + "'"};
        if (i + 1 >= tokens.size() || tokens[i + 1].kind != Token::word)
            throw SyntaxError{offset, "expected a filter name after '|'"};
        Filter f{tokens[i + 1].text, std::nullopt};
        if (std::find(kFilters.begin(), kFilters.end(), f.name) == kFilters.end())
            throw SyntaxError{offset, "unknown filter '" + f.name + "'"};
        i += 2;
        if (i < tokens.size() && tokens[i].kind == Token::op && tokens[i].text == ":") {
            if (i + 1 >= tokens.size()) throw SyntaxError{offset, "expected an argument after ':'"};
            f.argument = to_expr(tokens[i + 1], offset);
            i += 2;
        }
        if (f.name == "default" && !f.argument) throw SyntaxError{offset, "filter 'default' needs an argument"};
        out.filters.push_back(std::move(f));
    }
    return out;
}

Condition parse_condition(const std::vector<Token>& tokens, std::size_t offset) {
    if (tokens.size() != 2 && tokens.size() != 4)
        throw SyntaxError{offset, "expected a condition: value or value ==/!= value"};
    Condition c{to_expr(tokens[1], offset), "", {}};
    if (tokens.size() == 4) {
        if (tokens[2].kind != Token::op || (tokens[2].text != "==" && tokens[2].text != "!="))
            throw SyntaxError{offset, "unknown operator '" + tokens[2].text + "'"};
        c.op = tokens[2].text;
        c.rhs = to_expr(tokens[3], offset);
    }
    return c;
}

class Parser {
  public:
    explicit Parser(std::string_view text) : text_(text) {}

    // Parses until one of `ends` (tag keywords) or the end of text; returns the tag that ended it.
    std::vector<LiquidNode> block(std::initializer_list<std::string_view> ends, std::vector<Token>* end_tag,
                                  std::size_t opened_at) {
        std::vector<LiquidNode> nodes;
        while (pos_ < text_.size()) {
            auto open = std::min(text_.find("{{", pos_), text_.find("{%", pos_));
            if (open == std::string_view::npos) {
                nodes.push_back({std::string(text_.substr(pos_))});
                pos_ = text_.size();
                break;
            }
            if (open > pos_) nodes.push_back({std::string(text_.substr(pos_, open - pos_))});
            bool is_output = text_[open + 1] == '{';
            auto close = text_.find(is_output ? "}}" : "%}", open + 2);
            if (close == std::string_view::npos)
                throw SyntaxError{open, is_output ? "'{{' is not closed by '}}'" : "'{%' is not closed by '%}'"};
            auto inner = text_.substr(open + 2, close - open - 2);
            pos_ = close + 2;
            if (is_output) {
                nodes.push_back({parse_output(inner, open)});
                continue;
            }
            auto tokens = lex(inner, open);
            if (tokens.empty() || tokens[0].kind != Token::word) throw SyntaxError{open, "empty tag"};
            const auto& keyword = tokens[0].text;
            if (std::find(ends.begin(), ends.end(), keyword) != ends.end()) {
                *end_tag = std::move(tokens);
                last_tag_at_ = open;
                return nodes;
            }
            if (keyword != "if") throw SyntaxError{open, "unknown or misplaced tag '" + keyword + "'"};
            nodes.push_back({parse_if(tokens, open)});
        }
        if (ends.size() > 0) throw SyntaxError{opened_at, "'{% if %}' is not closed by '{% endif %}'"};
        return nodes;
    }

    If parse_if(const std::vector<Token>& first, std::size_t at) {
        If node;
        auto condition = parse_condition(first, at);
        for (;;) {
            std::vector<Token> end;
            auto body = block({"elsif", "else", "endif"}, &end, at);
            node.branches.emplace_back(std::move(condition), std::move(body));
            if (end[0].text == "endif") return node;
            if (end[0].text == "else") {
                std::vector<Token> endif;
                node.otherwise = block({"endif"}, &endif, at);
                return node;
            }
            condition = parse_condition(end, last_tag_at_);
        }
    }

    std::size_t position() const { return pos_; }

  private:
    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t last_tag_at_ = 0;
};

const json::value* lookup(const json::object& context, const std::vector<std::string>& path) {
    const json::object* scope = &context;
    const json::value* value = nullptr;
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (!scope) return nullptr;
        value = scope->if_contains(path[i]);
        if (!value) return nullptr;
        scope = value->if_object();
    }
    return value;
}

json::value evaluate(const Expr& e, const json::object& context) {
    if (e.path.empty()) return e.literal;
    const auto* v = lookup(context, e.path);
    return v ? *v : json::value(nullptr);
}

bool truthy(const json::value& v) { return !v.is_null() && !(v.is_bool() && !v.get_bool()); }

std::string to_text(const json::value& v) {
    if (v.is_string()) return std::string(v.get_string());
    if (v.is_null()) return {};
    return json::serialize(v);
}

bool holds(const Condition& c, const json::object& context) {
    auto lhs = evaluate(c.lhs, context);
    if (c.op.empty()) return truthy(lhs);
    bool equal = lhs == evaluate(c.rhs, context);
    return c.op == "==" ? equal : !equal;
}

void render_nodes(const std::vector<LiquidNode>& nodes, const json::object& context, escaping mode, std::string& out) {
    for (const auto& n : nodes) {
        if (const auto* text = std::get_if<std::string>(&n.node)) {
            out += *text;
        } else if (const auto* output = std::get_if<Output>(&n.node)) {
            auto value = evaluate(output->expr, context);
            bool safe = false;  // already escaped (escape) or declared safe (raw)
            std::string s;
            bool have_string = false;
            for (const auto& f : output->filters) {
                if (!have_string) {
                    if (f.name == "default" && (!truthy(value) || (value.is_string() && value.get_string().empty())))
                        value = evaluate(*f.argument, context);
                    if (f.name == "default") continue;
                    s = to_text(value);
                    have_string = true;
                }
                if (f.name == "upcase")
                    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
                else if (f.name == "downcase")
                    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
                else if (f.name == "escape" && !safe)
                    s = util::html_escape(s), safe = true;
                else if (f.name == "raw")
                    safe = true;
                else if (f.name == "default" && s.empty())
                    s = to_text(evaluate(*f.argument, context));
            }
            if (!have_string) s = to_text(value);
            out += mode == escaping::html && !safe ? util::html_escape(s) : s;
        } else {
            const auto& node = std::get<If>(n.node);
            const std::vector<LiquidNode>* chosen = &node.otherwise;
            for (const auto& [condition, body] : node.branches)
                if (holds(condition, context)) {
                    chosen = &body;
                    break;
                }
            render_nodes(*chosen, context, mode, out);
        }
    }
}

}  // namespace

std::variant<LiquidTemplate, LiquidError> parse_liquid(std::string_view text) {
    Parser parser(text);
    try {
        auto nodes = parser.block({}, nullptr, 0);
        return LiquidTemplate{std::make_shared<const std::vector<LiquidNode>>(std::move(nodes))};
    } catch (const SyntaxError& e) {
        std::size_t line = 1, column = 1;
        for (std::size_t i = 0; i < e.offset && i < text.size(); ++i) {
            if (text[i] == '\n')
                ++line, column = 1;
            else
                ++column;
        }
        return LiquidError{"Liquid syntax error (line " + std::to_string(line) + ", column " + std::to_string(column) +
                           "): " + e.message};
    } catch (const std::exception& e) {
        return LiquidError{std::string("Liquid syntax error: ") + e.what()};
    }
}

std::string render_liquid(const LiquidTemplate& t, const json::object& context, escaping mode) {
    std::string out;
    if (t.nodes) render_nodes(*t.nodes, context, mode, out);
    return out;
}

}  // namespace gatehouse::email
