#include "http/parse.hpp"

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/throw_exception.hpp>
#include <stdexcept>

#include "util/url.hpp"
#include "util/util.hpp"

namespace gatehouse::http {

namespace {

using util::form_decode;

// Checks one (name, value) pair against the limits shared by every parameter parser and appends it.
ParseResult<void> add_param(std::vector<std::pair<std::string, std::string>>& items, std::string name,
                            std::string value) {
    if (items.size() >= max_params)
        return ParseError{"Too many parameters (at most " + std::to_string(max_params) + ")"};
    if (name.size() > max_param_name)
        return ParseError{"Parameter name too long (at most " + std::to_string(max_param_name) + " bytes)"};
    if (!util::valid_utf8(name)) return ParseError{"Parameter name is not valid UTF-8"};
    if (value.size() > max_param_value)
        return ParseError{"Parameter '" + name + "' is too long (at most " + std::to_string(max_param_value) +
                          " bytes)"};
    if (!util::valid_utf8(value)) return ParseError{"Parameter '" + name + "' is not valid UTF-8"};
    for (const auto& item : items)
        // RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once."
        if (item.first == name) return ParseError{"Parameter '" + name + "' must not be repeated"};
    items.emplace_back(std::move(name), std::move(value));
    return {};
}

ParseResult<util::Params> parse_urlencoded(std::string_view raw) {
    std::vector<std::pair<std::string, std::string>> items;
    while (!raw.empty()) {
        auto amp = raw.find('&');
        auto segment = raw.substr(0, amp);
        raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
        if (segment.empty()) continue;
        auto eq = segment.find('=');
        auto raw_name = segment.substr(0, eq);
        auto raw_value = eq == std::string_view::npos ? std::string_view{} : segment.substr(eq + 1);
        // Bound the work before decoding: an encoded component is at most 3x its decoded size.
        if (raw_name.size() > 3 * max_param_name)
            return ParseError{"Parameter name too long (at most " + std::to_string(max_param_name) + " bytes)"};
        auto name = form_decode(raw_name, true);
        if (!name) return ParseError{"Invalid percent-encoding in a parameter name"};
        if (name->empty()) continue;  // "=x" carries nothing addressable
        // The name is quoted in the errors below: it must be checked before it can appear there.
        if (name->size() > max_param_name)
            return ParseError{"Parameter name too long (at most " + std::to_string(max_param_name) + " bytes)"};
        if (!util::valid_utf8(*name)) return ParseError{"Parameter name is not valid UTF-8"};
        if (raw_value.size() > 3 * max_param_value)
            return ParseError{"Parameter '" + *name + "' is too long (at most " + std::to_string(max_param_value) +
                              " bytes)"};
        auto value = form_decode(raw_value, true);
        if (!value) return ParseError{"Invalid percent-encoding in parameter '" + *name + "'"};
        if (auto r = add_param(items, std::move(*name), std::move(*value)); !r) return r.error();
    }
    return util::Params(std::move(items));
}

// SAX handler for parse_json_params: accepts exactly one flat object and collects its members.
struct FlatObjectHandler {
    // Boost.JSON's own limits stay wide open so that the checks below, with their clearer messages,
    // decide; the server's body limit bounds the total.
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);

    std::vector<std::pair<std::string, std::string>> items;
    std::vector<std::string> seen;  // every key, including those with null values
    std::string key, text;
    int depth = 0;
    std::optional<ParseError> error;

    bool fail(boost::system::error_code& ec, std::string description) {
        if (!error) error = ParseError{std::move(description)};
        ec = boost::json::error::syntax;  // any error code stops the parser; `error` says why
        return false;
    }
    bool nested(boost::system::error_code& ec) {
        if (depth == 0) return fail(ec, "Request body must be a JSON object");
        return fail(ec, "Parameter '" + key + "' must be a string, number or boolean");
    }
    bool value(boost::system::error_code& ec, std::optional<std::string> v) {
        if (depth != 1) return fail(ec, "Request body must be a JSON object");
        for (const auto& k : seen)
            if (k == key) return fail(ec, "Parameter '" + key + "' must not be repeated");
        if (seen.size() >= max_params)
            return fail(ec, "Too many parameters (at most " + std::to_string(max_params) + ")");
        seen.push_back(key);
        if (v) {
            if (v->size() > max_param_value)
                return fail(
                    ec, "Parameter '" + key + "' is too long (at most " + std::to_string(max_param_value) + " bytes)");
            items.emplace_back(key, std::move(*v));
        }
        return true;
    }

    bool on_document_begin(boost::system::error_code&) { return true; }
    bool on_document_end(boost::system::error_code&) { return true; }
    bool on_object_begin(boost::system::error_code& ec) {
        if (depth != 0) return nested(ec);
        depth = 1;
        return true;
    }
    bool on_object_end(std::size_t, boost::system::error_code&) {
        depth = 2;  // done: anything after the top-level object is a syntax error anyway
        return true;
    }
    bool on_array_begin(boost::system::error_code& ec) { return nested(ec); }
    bool on_array_end(std::size_t, boost::system::error_code&) { return true; }
    bool on_key_part(std::string_view s, std::size_t, boost::system::error_code&) {
        key.append(s);
        return true;
    }
    bool on_key(std::string_view s, std::size_t, boost::system::error_code& ec) {
        key.append(s);
        if (key.size() > max_param_name)
            return fail(ec, "Parameter name too long (at most " + std::to_string(max_param_name) + " bytes)");
        return true;
    }
    bool on_string_part(std::string_view s, std::size_t, boost::system::error_code&) {
        text.append(s);
        return true;
    }
    bool on_string(std::string_view s, std::size_t, boost::system::error_code& ec) {
        text.append(s);
        return finish(ec, std::move(text));
    }
    bool on_number_part(std::string_view s, boost::system::error_code&) {
        text.append(s);
        return true;
    }
    bool number(std::string_view s, boost::system::error_code& ec) {
        text.append(s);
        return finish(ec, std::move(text));
    }
    bool on_int64(std::int64_t, std::string_view s, boost::system::error_code& ec) { return number(s, ec); }
    bool on_uint64(std::uint64_t, std::string_view s, boost::system::error_code& ec) { return number(s, ec); }
    bool on_double(double, std::string_view s, boost::system::error_code& ec) { return number(s, ec); }
    bool on_bool(bool b, boost::system::error_code& ec) { return finish(ec, std::string(b ? "true" : "false")); }
    bool on_null(boost::system::error_code& ec) { return finish(ec, std::nullopt); }
    bool on_comment_part(std::string_view, boost::system::error_code&) { return true; }
    bool on_comment(std::string_view, boost::system::error_code&) { return true; }

    bool finish(boost::system::error_code& ec, std::optional<std::string> v) {
        bool ok = value(ec, std::move(v));
        key.clear();
        text.clear();
        return ok;
    }
};

}  // namespace

void throw_exception_from_error(const ParseError& e, const boost::source_location& loc) {
    boost::throw_exception(std::invalid_argument(e.description), loc);
}

ParseResult<util::Params> parse_query(std::string_view raw) { return parse_urlencoded(raw); }

ParseResult<util::Params> parse_form(std::string_view body) { return parse_urlencoded(body); }

ParseResult<util::Params> parse_json_params(std::string_view body) {
    boost::json::parse_options opts;
    opts.max_depth = max_json_depth;
    boost::json::basic_parser<FlatObjectHandler> parser(opts);
    boost::system::error_code ec;
    auto n = parser.write_some(false, body.data(), body.size(), ec);
    auto& h = parser.handler();
    if (h.error) return *h.error;
    if (!ec && body.substr(n).find_first_not_of(" \t\r\n") != std::string_view::npos)
        return ParseError{"Request body is not valid JSON"};
    if (ec) {
        if (ec == boost::json::error::too_deep) return ParseError{"JSON body is nested too deeply"};
        if (ec == boost::json::error::syntax && h.depth == 0 && body.find_first_not_of(" \t\r\n") != body.npos &&
            body[body.find_first_not_of(" \t\r\n")] != '{')
            return ParseError{"Request body must be a JSON object"};
        return ParseError{"Request body is not valid JSON"};
    }
    return util::Params(std::move(h.items));
}

ParseResult<util::Params> parse_body_params(const Request& req) {
    auto it = req.find(bhttp::field::content_type);
    if (it == req.end()) {
        if (req.body().empty()) return util::Params{};
    } else {
        std::string_view value = it->value();
        auto type = util::trim_blanks(value.substr(0, value.find(';')));
        if (util::iequals(type, "application/x-www-form-urlencoded")) return parse_form(req.body());
        if (util::iequals(type, "application/json")) return parse_json_params(req.body());
    }
    return ParseError{"Content-Type must be application/x-www-form-urlencoded or application/json"};
}

ParseResult<boost::json::object> parse_body_object(const Request& req) {
    auto it = req.find(bhttp::field::content_type);
    auto type = it == req.end() ? std::string_view() : util::trim_blanks(it->value().substr(0, it->value().find(';')));
    if (!util::iequals(type, "application/json")) {
        auto params = parse_body_params(req);
        if (!params) return params.error();
        boost::json::object out;
        for (const auto& [k, v] : params->items()) out[k] = v;
        return out;
    }
    boost::json::parse_options opts;
    opts.max_depth = max_json_depth;
    boost::system::error_code ec;
    auto value = boost::json::parse(req.body(), ec, {}, opts);
    if (ec == boost::json::error::too_deep) return ParseError{"JSON body is nested too deeply"};
    if (ec) return ParseError{"Request body is not valid JSON"};
    if (!value.is_object()) return ParseError{"Request body must be a JSON object"};
    if (value.as_object().size() > max_params) return ParseError{"Too many parameters"};
    return std::move(value.as_object());
}

std::vector<std::pair<std::string, std::string>> parse_cookies(std::string_view header) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!header.empty()) {
        auto semi = header.find(';');
        auto pair = header.substr(0, semi);
        header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
        auto eq = pair.find('=');
        if (eq == std::string_view::npos) continue;
        auto name = util::trim_blanks(pair.substr(0, eq));
        auto value = util::trim_blanks(pair.substr(eq + 1));
        if (name.empty()) continue;
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
        out.emplace_back(std::string(name), std::string(value));
    }
    return out;
}

std::optional<std::string> find_cookie(const Request& req, std::string_view name) {
    for (auto it = req.find(bhttp::field::cookie); it != req.end() && it->name() == bhttp::field::cookie; ++it) {
        for (auto& [k, v] : parse_cookies(it->value()))
            if (k == name) return std::move(v);
    }
    return std::nullopt;
}

std::optional<std::string> bearer_token(const Request& req) {
    auto it = req.find(bhttp::field::authorization);
    if (it == req.end()) return std::nullopt;
    auto v = util::trim_blanks(std::string_view(it->value()));
    if (v.size() < 7 || !util::iequals(v.substr(0, 7), "Bearer ")) return std::nullopt;
    auto token = util::trim_blanks(v.substr(7));
    if (token.empty()) return std::nullopt;
    return std::string(token);
}

std::optional<std::string> decode_path(std::string_view path) {
    if (path.find('%') == std::string_view::npos) return std::string(path);
    auto decoded = form_decode(path, false);
    if (!decoded || !util::valid_utf8(*decoded)) return std::nullopt;
    return decoded;
}

}  // namespace gatehouse::http
