// The grant types Gatehouse knows, each registered under its grant_type value (as dex's
// server/grants registry): the token endpoint finds its grant here, and discovery's
// grant_types_supported lists exactly these.
#pragma once

#include "oauth/grants/grant.hpp"

#include <boost/json.hpp>

#include <span>
#include <string_view>

namespace gatehouse::oauth::grants {

struct GrantType {
    std::string_view name;  // the grant_type value (a URI for Auth0's extension grants)
    // The token endpoint's step; nullptr for a grant used elsewhere (implicit, at /authorize), which
    // /oauth/token answers with unsupported_grant_type.
    GrantHandler handler;
};

std::span<const GrantType> registered_grants();

// The registered grant named `grant_type`, or nullptr.
const GrantType* find_grant(std::string_view grant_type);

// For discovery's grant_types_supported.
boost::json::array grant_types_supported();

}  // namespace gatehouse::oauth::grants
