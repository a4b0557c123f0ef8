#include "connections/upstream_params.hpp"

#include <algorithm>

namespace gatehouse::connections {
namespace {

bool valid_param_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '~' || c == '-';
    });
}

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view s) {
    return std::find(list.begin(), list.end(), s) != list.end();
}

std::string bad(std::string_view key, std::string_view why) {
    return "upstream_params." + std::string(key) + ": " + std::string(why);
}

}  // namespace

std::optional<std::string> validate_upstream_params(const json::value& upstream_params) {
    if (upstream_params.is_null()) return std::nullopt;
    const auto* params = upstream_params.if_object();
    if (!params) return "upstream_params must be an object";
    for (const auto& [key, entry] : *params) {
        if (!valid_param_name(key)) return bad(key, "the name must be 1-64 characters of [A-Za-z0-9._~-]");
        if (contains(upstream_param_reserved, key))
            return bad(key, "this parameter is set by Gatehouse and cannot be overwritten");
        // Auth0 accepts a null entry (it sends nothing); keeping that makes its exports importable.
        if (entry.is_null()) continue;
        const auto* e = entry.if_object();
        if (!e) return bad(key, "the entry must be an object with either \"value\" or \"alias\"");
        for (const auto& [prop, _] : *e)
            if (prop != "value" && prop != "alias") return bad(key, "unknown property \"" + std::string(prop) + "\"");
        const auto* value = e->if_contains("value");
        const auto* alias = e->if_contains("alias");
        if (value && alias) return bad(key, "the entry must have either \"value\" or \"alias\", not both");
        if (!value && !alias) return bad(key, "the entry must have either \"value\" or \"alias\"");
        if (value && !value->is_string()) return bad(key, "\"value\" must be a string");
        if (alias) {
            if (!alias->is_string()) return bad(key, "\"alias\" must be a string");
            if (!contains(upstream_param_aliases, alias->get_string()))
                return bad(key,
                           "\"alias\" must be one of acr_values, audience, client_id, display, id_token_hint, "
                           "login_hint, max_age, prompt, resource, response_mode, response_type, ui_locales");
        }
    }
    return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> apply_upstream_params(const json::object& upstream_params,
                                                                       const util::Params& authorize_params) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [key, entry] : upstream_params) {
        const auto* e = entry.if_object();
        if (!e) continue;
        if (const auto* value = e->if_contains("value"); value && value->is_string()) {
            out.emplace_back(std::string(key), std::string(value->get_string()));
        } else if (const auto* alias = e->if_contains("alias"); alias && alias->is_string()) {
            if (auto v = authorize_params.find(alias->get_string()))
                out.emplace_back(std::string(key), std::string(*v));
        }
    }
    return out;
}

}  // namespace gatehouse::connections
