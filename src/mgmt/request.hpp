// Internal to mgmt: reading a request (JSON body, query parameters, `fields`) and writing a
// response (JSON, no content, store failures as Auth0's errors).
#pragma once

#include "mgmt/error.hpp"
#include "mgmt/mgmt.hpp"
#include "store/store.hpp"

#include <boost/json.hpp>
#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::mgmt {

// Lets boost::system::result<T, ApiError>::value() compile; handlers never call it on an error.
[[noreturn]] void throw_exception_from_error(const ApiError& e, const boost::source_location& loc);

namespace detail {

namespace json = boost::json;

template <class T>
using expected = boost::system::result<T, ApiError>;

ApiResponse json_response(int status, const json::value& body);
ApiResponse no_content(int status = 204);

// The body as a JSON object: invalid JSON, another content type or another JSON type is an error.
// `merge_patch` (optional) is set when the body is application/merge-patch+json; without it a
// merge-patch body is refused (415).
expected<json::object> parse_body(const ApiRequest&, bool* merge_patch = nullptr);

std::optional<std::string> query_one(const ApiRequest&, std::string_view name);
std::vector<std::string> query_all(const ApiRequest&, std::string_view name);
// A decimal count of at most 9 digits (no sign, no spaces).
std::optional<std::size_t> parse_size(std::string_view);
// A query integer in [min, max] (absent: nullopt); anything else is Auth0's query validation error.
expected<std::optional<std::size_t>> int_param(const ApiRequest&, std::string_view name, std::size_t min,
                                               std::size_t max);
// A query boolean, "true" or "false" (absent: nullopt).
expected<std::optional<bool>> bool_param(const ApiRequest&, std::string_view name);

// `fields` and `include_fields`: which top-level fields a response keeps.
struct FieldFilter {
    std::vector<std::string> fields;
    bool include = true;
    void apply(json::object&) const;
};
expected<FieldFilter> parse_fields(const ApiRequest&);

// Maps a store failure: not_found -> `not_found`, already_exists -> `conflict`, conflict -> 412,
// anything else -> 500.
ApiError store_error(boost::system::error_code ec, mgmt_errc not_found, mgmt_errc conflict);

// A store write answered with `status` and no body; not_found is `missing`.
ApiResponse write_result(const store::result<void>& r, const ApiError& missing, int status);

// A body {"<key>": ["id", ...]} of 1 to `max_items` strings (members, roles, users of a write).
expected<std::vector<std::string>> parse_id_list(const ApiRequest&, std::string_view key, std::size_t max_items);

}  // namespace detail
}  // namespace gatehouse::mgmt
