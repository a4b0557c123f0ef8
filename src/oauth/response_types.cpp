#include "oauth/response_types.hpp"

#include "oauth/tokens.hpp"

#include <algorithm>
#include <array>

namespace gatehouse::oauth {
namespace {

// Auth0's accepted types (a lone `token` is not: an access token without an ID token to bind it to
// the login is what RFC 9700 §2.1.2 retires).
constexpr std::array kResponseTypes = {
    ResponseType{"code", true, false, false},         ResponseType{"id_token", false, false, true},
    ResponseType{"code id_token", true, false, true}, ResponseType{"token id_token", false, true, true},
    ResponseType{"code token", true, true, false},    ResponseType{"code token id_token", true, true, true},
};

// web_message is Auth0's (and spa-js's) iframe mode; it posts to an origin the client registered.
constexpr std::array<std::string_view, 4> kResponseModes = {"query", "fragment", "form_post", "web_message"};

}  // namespace

std::optional<ResponseType> find_response_type(std::string_view value) {
    auto words = split_scope(value);
    auto has = [&](std::string_view w) { return std::find(words.begin(), words.end(), w) != words.end(); };
    for (const auto& type : kResponseTypes) {
        auto expected = split_scope(type.name);
        if (words.size() != expected.size()) continue;
        if (std::all_of(expected.begin(), expected.end(), has)) return type;
    }
    return std::nullopt;
}

std::string_view error_response_mode(std::string_view response_type, std::string_view requested_mode) {
    auto words = split_scope(response_type);
    bool names_token = std::any_of(words.begin(), words.end(), [](const auto& w) { return w != "code"; });
    std::string_view fallback = names_token ? "fragment" : "query";
    auto known = std::find(kResponseModes.begin(), kResponseModes.end(), requested_mode);
    if (known == kResponseModes.end() || (*known == "query" && names_token)) return fallback;
    return *known;
}

bool response_mode_allowed(const ResponseType& type, std::string_view mode) {
    if (mode.empty()) return true;
    if (std::find(kResponseModes.begin(), kResponseModes.end(), mode) == kResponseModes.end()) return false;
    return !(mode == "query" && type.front_channel_tokens());
}

std::vector<std::string> supported_response_types() {
    std::vector<std::string> out;
    for (const auto& type : kResponseTypes) out.emplace_back(type.name);
    return out;
}

std::vector<std::string> supported_response_modes() { return {kResponseModes.begin(), kResponseModes.end()}; }

}  // namespace gatehouse::oauth
