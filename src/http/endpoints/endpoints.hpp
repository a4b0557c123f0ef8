#pragma once

#include "http/endpoints/rate_limits.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "mgmt/mgmt.hpp"
#include "oauth/federation.hpp"
#include "oauth/oauth.hpp"

#include <boost/asio/thread_pool.hpp>

namespace gatehouse::http {

// What the endpoints call into; owned by the composition root (cli).
struct Services {
    oauth::Catalog& catalog;
    oauth::AuthorizationService& authorization;
    oauth::TokenService& tokens;
    mgmt::ManagementApi& management;
    Metrics& metrics;
    // Where handlers run domain code that may block on the store (a PostgreSQL round trip, a
    // SQLite write, an argon2 hash), so the I/O threads only ever parse and write.
    boost::asio::thread_pool& blocking;
    oauth::FederationService* federation = nullptr;  // upstream logins; null = federated connections unusable
    // /dbconnections/* and the ticket pages (/u/reset-password, /u/email-verification); null = not served.
    oauth::AccountService* accounts = nullptr;
    // The per-address and per-client limits; the failed-login one is the composition root's to give
    // to the AuthorizationService (oauth::PasswordAttempts).
    RateLimits limits = {};
};

// Registers every public route of Gatehouse. Handlers are thin: parse the wire, call one domain
// function, render its result.
void register_endpoints(Router& router, Services& services);

}  // namespace gatehouse::http
