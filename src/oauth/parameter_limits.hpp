// How large the /authorize parameters that a pending login keeps may be (spec §6). A pending login
// is stored until the user finishes or it expires, so without bounds every unauthenticated request
// could store kilobytes of the sender's choosing. A request over any limit is refused with an error
// page before anything is stored. The limits leave room for what real applications send
// (docs/deploying.md, "Abuse limits", says why each is what it is).
#pragma once

#include "oauth/authorize.hpp"
#include "util/params.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace gatehouse::oauth {

struct ParameterLimit {
    std::string_view name;
    std::size_t max_bytes;
};

inline constexpr std::array<ParameterLimit, 12> kAuthorizeParameterLimits = {{
    {"redirect_uri", 2048},   // must match a registered callback anyway; browsers keep URLs under 2 KB
    {"state", 2048},          // SDKs carry base64 JSON in it (a return URL, a nonce): 2 KiB holds that
    {"nonce", 512},           // SDKs send 32-64 random characters
    {"login_hint", 320},      // an email address is at most 320 octets (RFC 3696 errata, RFC 5321)
    {"scope", 4096},          // an API with a hundred permissions of ~30 characters each
    {"audience", 1024},       // an API identifier, usually a URL
    {"resource", 1024},       // the same, RFC 8707's name for it
    {"connection", 128},      // Auth0 limits connection names to 128 characters
    {"ui_locales", 256},      // a list of BCP 47 tags ("fr-CA fr en")
    {"acr_values", 512},      // a few URIs
    {"code_challenge", 128},  // RFC 7636 §4.2: 43 to 128 characters
    {"code_challenge_method", 16},
}};

// The /authorize parameters an upstream_params alias may copy are kept whole for the upstream leg:
// their total is bounded too (an id_token_hint, a JWT of about 1 KB, is most of it). The server's
// 8 KiB header limit bounds the whole request line of a GET anyway.
inline constexpr std::size_t kMaxUpstreamSourceBytes = 4096;

// The error page for the first parameter over its limit, or for `upstream_sources` (the names whose
// values the pending login keeps for upstream_params) over their total; nullopt when all fit.
std::optional<ErrorPage> oversized_authorize_parameter(const util::Params& params,
                                                       std::span<const char* const> upstream_sources);

}  // namespace gatehouse::oauth
