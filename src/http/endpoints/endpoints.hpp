#pragma once

#include "http/metrics.hpp"
#include "http/rate_limit.hpp"
#include "http/router.hpp"
#include "mgmt/mgmt.hpp"
#include "oauth/federation.hpp"
#include "oauth/oauth.hpp"

#include <boost/asio/thread_pool.hpp>

namespace gatehouse::http {

// Abuse limits of the public endpoints (spec §7); answered 429 with Retry-After.
struct RateLimits {
    // Login form posts from one address: generous (NAT, offices); per-user limits stop guessing.
    RateLimitOptions login_per_ip{.burst = 100, .per_second = 1};
    // Failed passwords for one username: 10 in a row, then one a minute (Auth0's brute-force default is 10).
    RateLimitOptions failed_logins_per_user{.burst = 10, .per_second = 1.0 / 60};
    RateLimitOptions token_per_client{.burst = 2000, .per_second = 1000};  // /oauth/token per client_id
    bool enabled = true;
};

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
    RateLimits limits = {};
};

// Registers every public route of Gatehouse. Handlers are thin: parse the wire, call one domain
// function, render its result.
void register_endpoints(Router& router, Services& services);

}  // namespace gatehouse::http
