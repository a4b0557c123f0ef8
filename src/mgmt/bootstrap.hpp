// The tenant bootstrap of `gatehouse init`: the Management API resource server, the management
// client with a grant for every management scope, the default database connection and, on demand,
// a demo SPA client. Whether the tenant is already initialised is the caller's check.
#pragma once

#include "store/store.hpp"

#include <string>
#include <vector>

namespace gatehouse::mgmt {

struct BootstrapOptions {
    std::string issuer;              // with trailing slash; the API identifier is "<issuer>api/v2/"
    std::string secret_hash_key;     // key of util::hash_secret
    std::string mgmt_client_id;      // empty = generate (32 alphanumerics)
    std::string mgmt_client_secret;  // empty = generate (64 characters)
    bool demo = false;               // also create the "Demo SPA" client
    std::vector<std::string> demo_callbacks;
};

struct BootstrapResult {
    std::string resource_server_id;
    std::string api_identifier;
    std::string mgmt_client_id;
    std::string mgmt_client_secret;  // the only time it is available in clear
    std::string client_grant_id;
    std::string connection_id;   // Username-Password-Authentication
    std::string demo_client_id;  // empty unless demo
};

inline constexpr std::string_view default_database_connection = "Username-Password-Authentication";
// Auth0's name for the Management API's resource server: Auth0's tools (auth0-deploy-cli) recognise
// the system API by it and leave it out of exports and imports.
inline constexpr std::string_view management_api_name = "Auth0 Management API";

// Writes everything through the store; a failure part-way leaves what was written (the caller
// reports it and `init` can be rerun on a fresh database).
store::result<BootstrapResult> bootstrap_tenant(store::Store&, const BootstrapOptions&);

// For a tenant initialised by an older version: adds the management scopes this version checks
// and the API does not define yet (a new resource family's) to the Management API, and to every
// client grant that held all of its scopes (the bootstrap client's). Returns how many scopes were
// added (0 when none was missing or the tenant has no Management API). Idempotent; run by `serve`.
store::result<std::size_t> grant_new_management_scopes(store::Store&, const std::string& issuer);

// For `serve` on a tenant bootstrapped by an older version: gives the Management API resource
// server ("<issuer>api/v2/", identifier unchanged) Auth0's name. True when it changed something.
store::result<bool> upgrade_management_api(store::Store&, const std::string& issuer);

}  // namespace gatehouse::mgmt
