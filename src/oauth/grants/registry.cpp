#include "oauth/grants/registry.hpp"

#include <array>

namespace gatehouse::oauth::grants {
namespace {

// Adding a grant: one file with its handler, one row here.
constexpr std::array kGrants = {
    GrantType{"authorization_code", &authorization_code},
    GrantType{"refresh_token", &refresh_token},
    GrantType{"client_credentials", &client_credentials},
    GrantType{"password", &password},
    GrantType{"http://auth0.com/oauth/grant-type/password-realm", &password_realm},
    // Used at /authorize by clients that have it (response types with token / id_token); never at
    // /oauth/token.
    GrantType{"implicit", nullptr},
};

}  // namespace

std::span<const GrantType> registered_grants() { return kGrants; }

const GrantType* find_grant(std::string_view grant_type) {
    for (const auto& grant : kGrants)
        if (grant.name == grant_type) return &grant;
    return nullptr;
}

boost::json::array grant_types_supported() {
    boost::json::array names;
    for (const auto& grant : kGrants) names.emplace_back(grant.name);
    return names;
}

}  // namespace gatehouse::oauth::grants
