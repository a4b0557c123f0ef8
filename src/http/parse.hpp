// Parsers for everything a client puts on the wire: query strings, form and JSON bodies, cookies
// and Bearer tokens (HTTP Basic client credentials: oauth/client_auth). Every parser is bounded and
// reports bad input as a value whose description is safe to show the client (it never echoes a
// value, only a parameter name).
#pragma once

#include "util/util.hpp"

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/types.hpp"
#include "util/params.hpp"

namespace gatehouse::http {

struct ParseError {
    std::string description;  // client-facing, e.g. "Parameter 'scope' must not be repeated"
};

// Lets result<T, ParseError>::value() throw when misused (tests, startup code).
[[noreturn]] void throw_exception_from_error(const ParseError& e, const boost::source_location& loc);

template <class T>
using ParseResult = boost::system::result<T, ParseError>;

// Limits shared by the query, form and JSON parsers.
inline constexpr std::size_t max_params = 100;
inline constexpr std::size_t max_param_name = 128;
inline constexpr std::size_t max_param_value = 16 * 1024;
inline constexpr std::size_t max_json_depth = 16;

// application/x-www-form-urlencoded rules for both: '+' is a space, %XX is decoded, the result must
// be UTF-8, a repeated name is an error (RFC 6749 §3.1), empty segments ("a=1&&b=2") are skipped.
ParseResult<util::Params> parse_query(std::string_view raw);
ParseResult<util::Params> parse_form(std::string_view body);

// A flat JSON object: strings as-is, numbers and booleans as their JSON text, null = absent.
// Nested objects/arrays, duplicate keys and anything but an object at the top are errors.
ParseResult<util::Params> parse_json_params(std::string_view body);

// Form or JSON according to Content-Type (parameters such as charset ignored). An empty body
// without Content-Type yields no parameters.
ParseResult<util::Params> parse_body_params(const Request& req);

// The body as a JSON object, for endpoints whose JSON bodies nest (Auth0's /dbconnections/signup
// takes a user_metadata object): a JSON body must be one object (depth and member count bounded
// like parse_json_params); a form body becomes an object of strings. Content types as
// parse_body_params.
ParseResult<boost::json::object> parse_body_object(const Request& req);

// Lenient (RFC 6265 §5.4 as browsers do it): never fails, skips pairs without '=', strips one pair
// of double quotes around a value. Order is kept; duplicates are kept.
std::vector<std::pair<std::string, std::string>> parse_cookies(std::string_view header);
// The first cookie with this name over all Cookie headers of the request.
std::optional<std::string> find_cookie(const Request& req, std::string_view name);

// RFC 6750 §2.1 "Authorization: Bearer <token>"; nullopt when absent, another scheme or empty.
std::optional<std::string> bearer_token(const Request& req);

// Escapes & < > " ' for text and attribute values.
using util::html_escape;

// Percent-decodes a URL path ('+' stays '+'); nullopt on a broken escape or invalid UTF-8.
std::optional<std::string> decode_path(std::string_view path);

}  // namespace gatehouse::http
