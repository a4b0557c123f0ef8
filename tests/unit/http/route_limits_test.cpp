#include "http/endpoints/rate_limits.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "http/response.hpp"

namespace gatehouse::http {
namespace {

Response call(const Handler& handler, std::string remote_ip, std::string path = "/") {
    Request req{bhttp::verb::get, path, 11};
    net::io_context ioc;
    RequestContext ctx{req, std::move(remote_ip), path, "", false, {}, {}};
    auto fut = net::co_spawn(ioc, handler(ctx), net::use_future);
    ioc.run();
    return fut.get();
}

// Counts the requests that reach it.
struct Counted {
    std::shared_ptr<int> calls = std::make_shared<int>(0);
    Handler handler() const {
        return [calls = calls](RequestContext&) -> net::awaitable<Response> {
            ++*calls;
            co_return text_response(bhttp::status::ok, "ok", "text/plain");
        };
    }
};

RateLimits tiny() {
    RateLimits limits;
    limits.authorize = limits.token = limits.login_post = RateLimitOptions{.burst = 2, .per_second = 1e-6};
    return limits;
}

TEST(RouteLimits, OverTheLimitA429WithRetryAfterAndTheHandlerIsNotRun) {
    RouteLimits limits(tiny());
    Counted authorize;
    auto limited = limits.limit(RouteLimit::authorize, authorize.handler());
    EXPECT_EQ(call(limited, "203.0.113.7").result(), bhttp::status::ok);
    EXPECT_EQ(call(limited, "203.0.113.7").result(), bhttp::status::ok);
    auto throttled = call(limited, "203.0.113.7");
    EXPECT_EQ(throttled.result(), bhttp::status::too_many_requests);
    EXPECT_GE(std::stoll(std::string(throttled[bhttp::field::retry_after])), 1);
    EXPECT_NE(throttled[bhttp::field::content_type].find("text/html"), std::string::npos) << "a browser route: a page";
    EXPECT_EQ(*authorize.calls, 2);
    EXPECT_EQ(call(limited, "203.0.113.8").result(), bhttp::status::ok) << "another address has its own bucket";
}

TEST(RouteLimits, AnIPv6HostIsKeyedByItsSlash64AndMappedIPv4ByTheIPv4Address) {
    RouteLimits limits(tiny());
    Counted token;
    auto limited = limits.limit(RouteLimit::token, token.handler());
    EXPECT_EQ(call(limited, "2001:db8:1:2::1").result(), bhttp::status::ok);
    EXPECT_EQ(call(limited, "2001:db8:1:2:ffff::9").result(), bhttp::status::ok);
    auto throttled = call(limited, "2001:db8:1:2:abcd::1");  // a third address of the same /64
    EXPECT_EQ(throttled.result(), bhttp::status::too_many_requests);
    EXPECT_NE(throttled.body().find("too_many_requests"), std::string::npos) << "an API route: the OAuth JSON error";
    EXPECT_EQ(call(limited, "2001:db8:1:3::1").result(), bhttp::status::ok) << "the next /64 is another client";

    EXPECT_EQ(call(limited, "192.0.2.1").result(), bhttp::status::ok);
    EXPECT_EQ(call(limited, "::ffff:192.0.2.1").result(), bhttp::status::ok);
    EXPECT_EQ(call(limited, "192.0.2.1").result(), bhttp::status::too_many_requests);
}

TEST(RouteLimits, RouteFamiliesHaveTheirOwnBucketsButDbconnectionsSharesTheLoginPosts) {
    RouteLimits limits(tiny());
    Counted a, b, c;
    auto authorize = limits.limit(RouteLimit::authorize, a.handler());
    auto login_post = limits.limit(RouteLimit::login_post, b.handler());
    auto dbconnections = limits.limit(RouteLimit::dbconnections, c.handler());
    for (int i = 0; i < 2; ++i) EXPECT_EQ(call(authorize, "198.51.100.1").result(), bhttp::status::ok);
    EXPECT_EQ(call(login_post, "198.51.100.1").result(), bhttp::status::ok);
    EXPECT_EQ(call(dbconnections, "198.51.100.1").result(), bhttp::status::ok);
    EXPECT_EQ(call(login_post, "198.51.100.1").result(), bhttp::status::too_many_requests);
    EXPECT_EQ(call(dbconnections, "198.51.100.1").result(), bhttp::status::too_many_requests);
}

TEST(RouteLimits, OffMeansTheHandlerItself) {
    auto limits = tiny();
    limits.enabled = false;  // --no-rate-limits
    Counted h;
    auto handler = RouteLimits(limits).limit(RouteLimit::authorize, h.handler());
    for (int i = 0; i < 10; ++i) EXPECT_EQ(call(handler, "203.0.113.7").result(), bhttp::status::ok);

    limits = tiny();
    limits.authorize.reset();  // --authorize-rate-limit 0
    handler = RouteLimits(limits).limit(RouteLimit::authorize, h.handler());
    for (int i = 0; i < 10; ++i) EXPECT_EQ(call(handler, "203.0.113.7").result(), bhttp::status::ok);
}

TEST(RouteLimits, ApplyLimitsTheRoutesOfTheTableThatTheRouterHas) {
    Router router;
    Counted authorize, userinfo;
    router.add(bhttp::verb::get, "/authorize", authorize.handler());
    router.add(bhttp::verb::get, "/userinfo", userinfo.handler());
    RouteLimits(tiny()).apply(router);  // /u/connection etc. are not registered here: skipped
    auto dispatch = [&](std::string path) {
        Request req{bhttp::verb::get, path, 11};
        net::io_context ioc;
        RequestContext ctx{req, "203.0.113.7", path, "", false, {}, {}};
        auto fut = net::co_spawn(ioc, router.dispatch(ctx), net::use_future);
        ioc.run();
        return fut.get().result();
    };
    for (int i = 0; i < 2; ++i) EXPECT_EQ(dispatch("/authorize"), bhttp::status::ok);
    EXPECT_EQ(dispatch("/authorize"), bhttp::status::too_many_requests);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(dispatch("/userinfo"), bhttp::status::ok) << "not in the table";
}

TEST(FailedLoginLimiter, ReservesKeepsOnWrongForgetsOnRightGivesBackWhenNothingWasChecked) {
    FailedLoginLimiter attempts({.burst = 3, .per_second = 1e-6});
    const std::string key = oauth::password_attempt_key("Username-Password-Authentication", "Alice@Example.com");
    EXPECT_EQ(key, oauth::password_attempt_key("Username-Password-Authentication", "alice@example.com"))
        << "one user however the name is typed";
    EXPECT_NE(key, oauth::password_attempt_key("other-db", "alice@example.com")) << "per connection";

    EXPECT_EQ(attempts.reserve(key), 0);  // wrong password: kept
    EXPECT_EQ(attempts.reserve(key), 0);  // blocked user, store error: given back
    attempts.give_back(key);
    EXPECT_EQ(attempts.reserve(key), 0);
    EXPECT_EQ(attempts.reserve(key), 0);
    EXPECT_GT(attempts.reserve(key), 0) << "three guesses spent: wait";
    attempts.succeeded(key);  // (a success of a reservation made before the wait)
    EXPECT_EQ(attempts.reserve(key), 0) << "a right password forgets the failures";
}

}  // namespace
}  // namespace gatehouse::http
