// upstream_params (Auth0 "Pass Parameters to Identity Providers"): per-connection extra query
// parameters of the upstream authorization request, either static ({"value": "..."}) or copied
// from the incoming /authorize request ({"alias": "login_hint"}).
#pragma once

#include "util/params.hpp"

#include <boost/json.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse::connections {

namespace json = boost::json;

// The /authorize parameters an alias may copy (Auth0's enum).
inline constexpr std::array<std::string_view, 12> upstream_param_aliases = {
    "acr_values", "audience", "client_id", "display",       "id_token_hint", "login_hint",
    "max_age",    "prompt",   "resource",  "response_mode", "response_type", "ui_locales"};

// Parameters Gatehouse itself sends upstream; an upstream_params entry may not overwrite them.
inline constexpr std::array<std::string_view, 8> upstream_param_reserved = {
    "client_id", "redirect_uri", "state", "response_type", "code_challenge", "code_challenge_method", "nonce", "scope"};

// nullopt when `upstream_params` (the value of options.upstream_params) is acceptable, else a
// message naming the offending key. A null value as a whole, and null entries, are accepted.
std::optional<std::string> validate_upstream_params(const json::value& upstream_params);

// The (name, value) pairs to add to the upstream authorization request, in the order of the
// entries: static values always, aliases only when the source parameter is present in
// `authorize_params`, null (and malformed) entries nothing. Values are returned unencoded.
std::vector<std::pair<std::string, std::string>> apply_upstream_params(const json::object& upstream_params,
                                                                       const util::Params& authorize_params);

}  // namespace gatehouse::connections
