#include "mgmt/validation.hpp"

#include "util/util.hpp"

#include <algorithm>

namespace gatehouse::mgmt::detail {

std::string payload_error(std::string_view what, std::string_view property) {
    std::string m = "Payload validation error: '" + std::string(what) + "'";
    if (!property.empty()) m += " on property " + std::string(property);
    return m + ".";
}

std::string query_error(std::string_view what, std::string_view property) {
    std::string m = "Query validation error: '" + std::string(what) + "'";
    if (!property.empty()) m += " on property " + std::string(property);
    return m + ".";
}

std::string_view type_name(const json::value& v) {
    switch (v.kind()) {
        case json::kind::string:
            return "string";
        case json::kind::int64:
        case json::kind::uint64:
            return "integer";
        case json::kind::double_:
            return "number";
        case json::kind::bool_:
            return "boolean";
        case json::kind::object:
            return "object";
        case json::kind::array:
            return "array";
        case json::kind::null:
            return "null";
    }
    return "null";
}

BodyCheck& BodyCheck::allowed(std::span<const std::string_view> allowed) {
    if (error_) return *this;
    std::string extra;
    for (const auto& [k, _] : body_) {
        if (std::find(allowed.begin(), allowed.end(), std::string_view(k)) != allowed.end()) continue;
        if (!extra.empty()) extra += ',';
        extra += k;
    }
    if (!extra.empty())
        error_ =
            make_error(mgmt_errc::invalid_body,
                       payload_error("Additional properties not allowed: " + extra,
                                     std::string_view(prefix_).substr(0, prefix_.empty() ? 0 : prefix_.size() - 1)));
    return *this;
}

BodyCheck& BodyCheck::required(std::string_view key) {
    if (!error_ && !get(key))
        error_ = make_error(mgmt_errc::invalid_body, payload_error("Missing required property: " + path(key)));
    return *this;
}

bool BodyCheck::type_error(std::string_view key, std::string_view expected) {
    error_ = make_error(
        mgmt_errc::invalid_body,
        payload_error("Expected type " + std::string(expected) + " but found type " + std::string(type_name(*get(key))),
                      path(key)));
    return true;
}

BodyCheck& BodyCheck::string(std::string_view key, std::size_t min, std::size_t max, bool nullable) {
    const auto* v = get(key);
    if (error_ || !v || (nullable && v->is_null())) return *this;
    if (!v->is_string()) {
        type_error(key, "string");
    } else if (v->get_string().size() < min) {
        error_ = make_error(mgmt_errc::invalid_body,
                            payload_error("String is too short (" + std::to_string(v->get_string().size()) +
                                              " chars), minimum " + std::to_string(min),
                                          path(key)));
    } else if (v->get_string().size() > max) {
        error_ = make_error(mgmt_errc::invalid_body,
                            payload_error("String is too long (" + std::to_string(v->get_string().size()) +
                                              " chars), maximum " + std::to_string(max),
                                          path(key)));
    } else if (!util::valid_utf8(v->get_string())) {
        error_ = make_error(mgmt_errc::invalid_body, payload_error("String is not valid UTF-8", path(key)));
    }
    return *this;
}

BodyCheck& BodyCheck::boolean(std::string_view key) {
    const auto* v = get(key);
    if (!error_ && v && !v->is_bool()) type_error(key, "boolean");
    return *this;
}

BodyCheck& BodyCheck::integer(std::string_view key, std::int64_t min, std::int64_t max) {
    const auto* v = get(key);
    if (error_ || !v) return *this;
    if (!v->is_int64() && !v->is_uint64()) {
        type_error(key, "integer");
        return *this;
    }
    bool too_big = v->is_uint64() && v->get_uint64() > std::uint64_t(INT64_MAX);
    std::int64_t n = too_big ? INT64_MAX : v->to_number<std::int64_t>();
    if (n < min)
        error_ = make_error(
            mgmt_errc::invalid_body,
            payload_error("Value " + std::to_string(n) + " is less than minimum " + std::to_string(min), path(key)));
    else if (too_big || n > max)
        error_ = make_error(
            mgmt_errc::invalid_body,
            payload_error("Value " + std::to_string(n) + " is greater than maximum " + std::to_string(max), path(key)));
    return *this;
}

BodyCheck& BodyCheck::number(std::string_view key, double exclusive_min, double max) {
    const auto* v = get(key);
    if (error_ || !v) return *this;
    if (!v->is_number()) {
        type_error(key, "number");
        return *this;
    }
    auto n = v->to_number<double>();
    auto text = json::serialize(*v);
    if (!(n > exclusive_min))
        error_ = make_error(mgmt_errc::invalid_body, payload_error("Value " + text + " must be greater than " +
                                                                       json::serialize(json::value(exclusive_min)),
                                                                   key));
    else if (n > max)
        error_ = make_error(
            mgmt_errc::invalid_body,
            payload_error("Value " + text + " is greater than maximum " + json::serialize(json::value(max)), key));
    return *this;
}

BodyCheck& BodyCheck::object(std::string_view key, bool nullable) {
    const auto* v = get(key);
    if (!error_ && v && !v->is_object() && !(nullable && v->is_null())) type_error(key, "object");
    return *this;
}

BodyCheck& BodyCheck::string_array(std::string_view key, std::size_t max_items) {
    const auto* v = get(key);
    if (error_ || !v) return *this;
    if (!v->is_array()) {
        type_error(key, "array");
        return *this;
    }
    if (v->get_array().size() > max_items) {
        error_ = make_error(mgmt_errc::invalid_body,
                            payload_error("Array is too long, maximum " + std::to_string(max_items), path(key)));
        return *this;
    }
    for (const auto& item : v->get_array()) {
        if (!item.is_string()) {
            error_ = make_error(
                mgmt_errc::invalid_body,
                payload_error("Expected type string but found type " + std::string(type_name(item)), path(key) + "[]"));
            break;
        }
    }
    return *this;
}

BodyCheck& BodyCheck::one_of(std::string_view key, std::initializer_list<std::string_view> values) {
    const auto* v = get(key);
    if (error_ || !v) return *this;
    if (!v->is_string()) {
        type_error(key, "string");
        return *this;
    }
    if (std::find(values.begin(), values.end(), std::string_view(v->get_string())) == values.end()) {
        std::string list;
        for (auto s : values) list += (list.empty() ? "" : ",") + std::string(s);
        error_ = make_error(
            mgmt_errc::invalid_body,
            payload_error("No enum match for: \"" + std::string(v->get_string()) + "\" (allowed: " + list + ")",
                          path(key)));
    }
    return *this;
}

BodyCheck& BodyCheck::fail(std::string message) {
    if (!error_) error_ = make_error(mgmt_errc::invalid_body, std::move(message));
    return *this;
}

ApiError path_error(std::string_view format, std::string_view value, std::string_view property_doc) {
    return make_error(mgmt_errc::invalid_uri, "Path validation error: 'Object didn't pass validation for format " +
                                                  std::string(format) + ": " + std::string(value) +
                                                  "' on property id (" + std::string(property_doc) + ").");
}

}  // namespace gatehouse::mgmt::detail
