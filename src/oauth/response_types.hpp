#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::oauth {

// What one response type of /authorize returns (OAuth 2.0 Multiple Response Type Encoding
// Practices, OIDC Core §3.3). The table in response_types.cpp is the only list: /authorize accepts
// exactly its entries and discovery's response_types_supported is made from it.
struct ResponseType {
    std::string_view name;  // canonical spelling, as discovery lists it
    bool code = false;
    bool token = false;
    bool id_token = false;

    // A type that returns a token from the authorization endpoint needs the client's `implicit`
    // grant; one that returns a code needs `authorization_code`.
    bool front_channel_tokens() const { return token || id_token; }
    // Without tokens in the response the default mode is query, otherwise fragment (never query:
    // tokens must not reach server logs or Referer headers, OAuth 2.0 Multiple Response Types §3.0).
    std::string_view default_mode() const { return front_channel_tokens() ? "fragment" : "query"; }
};

// The entry for a response_type value, its words in any order; nullopt when it is not accepted.
std::optional<ResponseType> find_response_type(std::string_view value);

// Where an error for this request goes before its response type is known to be valid: the requested
// mode when it is one we have, unless that is query for a type that names a token; otherwise the
// type's default (fragment for anything but a lone `code`, errors too).
std::string_view error_response_mode(std::string_view response_type, std::string_view requested_mode);

// Whether `mode` may deliver `type`; an empty mode means its default.
bool response_mode_allowed(const ResponseType& type, std::string_view mode);

std::vector<std::string> supported_response_types();
std::vector<std::string> supported_response_modes();

}  // namespace gatehouse::oauth
