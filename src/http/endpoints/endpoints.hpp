#pragma once

#include "http/metrics.hpp"
#include "http/router.hpp"
#include "mgmt/mgmt.hpp"
#include "oauth/oauth.hpp"

namespace gatehouse::http {

// What the endpoints call into; owned by the composition root (cli).
struct Services {
    oauth::Catalog& catalog;
    oauth::AuthorizationService& authorization;
    oauth::TokenService& tokens;
    mgmt::ManagementApi& management;
    Metrics& metrics;
};

// Registers every public route of Gatehouse. Handlers are thin: parse the wire, call one domain
// function, render its result.
void register_endpoints(Router& router, Services& services);

}  // namespace gatehouse::http
