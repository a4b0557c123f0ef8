// Internal to mgmt: checking bodies, query strings and path parameters against Auth0's schemas,
// failing with Auth0's (z-schema's) wording.
#pragma once

#include "mgmt/error.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace gatehouse::mgmt::detail {

namespace json = boost::json;

// "Payload validation error: '<what>' on property <property>." (z-schema's wording, as Auth0's).
std::string payload_error(std::string_view what, std::string_view property = {});
std::string query_error(std::string_view what, std::string_view property = {});
// The JSON type name z-schema uses: string, integer, number, boolean, object, array, null.
std::string_view type_name(const json::value&);
// "Path validation error: 'Object didn't pass validation for format <format>: <value>' on property id (<doc>)."
ApiError path_error(std::string_view format, std::string_view value, std::string_view property_doc);

// Checks one body against a small schema; the first failure wins.
class BodyCheck {
  public:
    // `prefix` names a nested object in the messages: "refresh_token." gives refresh_token.leeway.
    explicit BodyCheck(const json::object& body, std::string prefix = {}) : body_(body), prefix_(std::move(prefix)) {}
    // Every key not in `allowed`, in body order: "Additional properties not allowed: a,b".
    BodyCheck& allowed(std::span<const std::string_view> allowed);
    BodyCheck& allowed(std::initializer_list<std::string_view> list) {
        return allowed(std::span<const std::string_view>(list.begin(), list.size()));
    }
    BodyCheck& required(std::string_view key);
    BodyCheck& string(std::string_view key, std::size_t min = 0, std::size_t max = 4096, bool nullable = false);
    BodyCheck& boolean(std::string_view key);
    BodyCheck& integer(std::string_view key, std::int64_t min, std::int64_t max);
    // Any JSON number (integer or not) in (exclusive_min, max].
    BodyCheck& number(std::string_view key, double exclusive_min, double max);
    BodyCheck& object(std::string_view key, bool nullable = false);
    BodyCheck& string_array(std::string_view key, std::size_t max_items = 1000);
    BodyCheck& one_of(std::string_view key, std::initializer_list<std::string_view> values);
    BodyCheck& fail(std::string message);
    const std::optional<ApiError>& error() const { return error_; }
    bool ok() const { return !error_; }
    const json::object& body() const { return body_; }

  private:
    const json::value* get(std::string_view key) const { return body_.if_contains(key); }
    bool type_error(std::string_view key, std::string_view expected);
    std::string path(std::string_view key) const { return prefix_ + std::string(key); }
    const json::object& body_;
    std::string prefix_;
    std::optional<ApiError> error_;
};

}  // namespace gatehouse::mgmt::detail
