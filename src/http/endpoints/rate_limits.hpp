// The request-rate limits of the public endpoints (spec §6), each answered 429 with Retry-After:
//   - per client address and route family (address_key: an IPv4 address, an IPv6 /64), checked on
//     the I/O thread before the handler runs, so a throttled request costs no store access and
//     stores nothing;
//   - failed logins per user of a connection (oauth::PasswordAttempts, reserved before the hash);
//   - token requests per client.
// Every limit is a serve flag and a GATEHOUSE_* variable; docs/deploying.md says why each default is
// what it is. The limits are per instance.
#pragma once

#include "http/rate_limit.hpp"
#include "http/router.hpp"
#include "http/types.hpp"
#include "oauth/authorize.hpp"

#include <array>
#include <memory>
#include <optional>

namespace gatehouse::http {

struct RateLimits {
    using Limit = std::optional<RateLimitOptions>;  // nullopt: this limit is off
    // Per client address. An office NAT of hundreds of users is one address: the bursts let a
    // morning's logins through at once, the rates a login every few seconds per user all day.
    Limit authorize = RateLimitOptions{.burst = 300, .per_second = 10};  // GET /authorize
    // GET /u/login, /u/signup, /u/connection, /u/reset-password, /u/email-verification, /jobs/exports/
    Limit login_page = RateLimitOptions{.burst = 300, .per_second = 10};
    // POST /u/login, /u/signup, /u/organization, /u/reset-password, /dbconnections/*
    Limit login_post = RateLimitOptions{.burst = 100, .per_second = 1};
    Limit login_callback = RateLimitOptions{.burst = 300, .per_second = 10};  // GET /login/callback
    Limit token = RateLimitOptions{.burst = 1000, .per_second = 100};         // POST /oauth/token, /oauth/revoke
    // Failed passwords for one user: 10 in a row, then one a minute (Auth0's brute-force default is 10).
    Limit failed_logins_per_user = RateLimitOptions{.burst = 10, .per_second = 1.0 / 60};
    Limit token_per_client = RateLimitOptions{.burst = 2000, .per_second = 1000};  // /oauth/token per client_id
    // false (--no-rate-limits): every limit above is off, for benchmarks and functional test runs.
    // Size limits (headers, bodies, parameters) are not rate limits and always hold.
    bool enabled = true;
};

// The route families with a per-address limit, and how each answers when over it.
enum class RouteLimit {
    authorize,       // HTML 429 page (a browser's top-level navigation)
    login_page,      // HTML 429 page
    login_post,      // HTML 429 page
    login_callback,  // HTML 429 page
    token,           // OAuth JSON error too_many_requests
    dbconnections,   // OAuth JSON error; shares login_post's buckets (signup and password posts alike)
};

// Every public route with a per-address limit. A new route adds its row.
struct LimitedRoute {
    bhttp::verb method;
    std::string_view pattern;  // as registered with the Router (an exact path or a prefix)
    RouteLimit limit;
};
inline constexpr std::array<LimitedRoute, 16> kLimitedRoutes = {{
    {bhttp::verb::get, "/authorize", RouteLimit::authorize},
    {bhttp::verb::get, "/u/login", RouteLimit::login_page},
    {bhttp::verb::get, "/u/signup", RouteLimit::login_page},
    {bhttp::verb::get, "/u/connection", RouteLimit::login_page},
    {bhttp::verb::post, "/u/login", RouteLimit::login_post},
    {bhttp::verb::post, "/u/signup", RouteLimit::login_post},
    {bhttp::verb::post, "/u/organization", RouteLimit::login_post},
    {bhttp::verb::get, "/u/reset-password", RouteLimit::login_page},
    {bhttp::verb::get, "/u/email-verification", RouteLimit::login_page},
    // The bulk export's download: unauthenticated, each request may read the store.
    {bhttp::verb::get, "/jobs/exports/", RouteLimit::login_page},
    {bhttp::verb::post, "/u/reset-password", RouteLimit::login_post},
    {bhttp::verb::post, "/dbconnections/signup", RouteLimit::dbconnections},
    {bhttp::verb::post, "/dbconnections/change_password", RouteLimit::dbconnections},
    {bhttp::verb::get, "/login/callback", RouteLimit::login_callback},
    {bhttp::verb::post, "/oauth/token", RouteLimit::token},
    {bhttp::verb::post, "/oauth/revoke", RouteLimit::token},
}};

class RouteLimits {
  public:
    explicit RouteLimits(const RateLimits& limits);

    // `handler` behind `route`'s per-address limit: a request over it is answered 429 with
    // Retry-After at once. `handler` itself when that limit, or every rate limit, is off.
    Handler limit(RouteLimit route, Handler handler) const;

    // Puts every route of kLimitedRoutes that `router` has behind its limit (the limiters live as
    // long as the router's handlers). Call once, after every route is registered.
    void apply(Router& router) const;

  private:
    struct Policy {
        std::shared_ptr<RateLimiter> limiter;  // null: no limit
        Response (*reject)(std::int64_t retry_after);
    };
    std::array<Policy, 6> policies_;
};

// The hosted login's failed-login limit: one token per password checked, per user of a connection.
class FailedLoginLimiter final : public oauth::PasswordAttempts {
  public:
    explicit FailedLoginLimiter(RateLimitOptions options) : limiter_(options) {}
    std::int64_t reserve(std::string_view key) override;
    void succeeded(std::string_view key) override;
    void give_back(std::string_view key) override;

  private:
    RateLimiter limiter_;
};

// The 429 answers, with Retry-After.
Response too_many_requests_page(std::int64_t retry_after);
Response too_many_requests_json(std::int64_t retry_after);

}  // namespace gatehouse::http
