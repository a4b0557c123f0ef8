// Lenient typed reads from Boost.JSON documents: stored documents were validated when written, so
// a missing or mistyped field here falls back to its default instead of failing a request.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::util {

inline std::string json_string(const boost::json::object& o, std::string_view key, std::string_view fallback = {}) {
    if (auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->get_string());
    return std::string(fallback);
}

inline std::int64_t json_int(const boost::json::object& o, std::string_view key, std::int64_t fallback) {
    if (auto* v = o.if_contains(key)) {
        if (v->is_int64()) return v->get_int64();
        if (v->is_uint64()) return std::int64_t(v->get_uint64());
        if (v->is_double()) return std::int64_t(v->get_double());
    }
    return fallback;
}

inline bool json_bool(const boost::json::object& o, std::string_view key, bool fallback) {
    if (auto* v = o.if_contains(key); v && v->is_bool()) return v->get_bool();
    return fallback;
}

inline std::vector<std::string> json_strings(const boost::json::object& o, std::string_view key) {
    std::vector<std::string> out;
    if (auto* v = o.if_contains(key); v && v->is_array())
        for (const auto& e : v->get_array())
            if (e.is_string()) out.emplace_back(e.get_string());
    return out;
}

// RFC 7396 merge-patch: objects merge recursively, null deletes, anything else replaces.
boost::json::value merge_patch(const boost::json::value& target, const boost::json::value& patch);

inline const boost::json::object* json_object(const boost::json::object& o, std::string_view key) {
    if (auto* v = o.if_contains(key); v && v->is_object()) return &v->get_object();
    return nullptr;
}

}  // namespace gatehouse::util
