#include "http/endpoints/rate_limits.hpp"

#include "http/client_address.hpp"
#include "http/endpoints/render.hpp"

#include <string>

namespace gatehouse::http {

Response too_many_requests_page(std::int64_t retry_after) {
    auto res = render_error_page({429, "Too many requests",
                                  "Too many requests came from your network in a short time. Wait a moment and try "
                                  "again."});
    res.set(bhttp::field::retry_after, std::to_string(retry_after));
    return res;
}

Response too_many_requests_json(std::int64_t retry_after) {
    auto res = render_oauth_error(oauth::make_error(oauth::oauth_errc::too_many_requests));
    res.set(bhttp::field::retry_after, std::to_string(retry_after));
    return res;
}

RouteLimits::RouteLimits(const RateLimits& limits) {
    auto limiter = [&](const RateLimits::Limit& limit) {
        return limits.enabled && limit ? std::make_shared<RateLimiter>(*limit) : nullptr;
    };
    auto login_post = limiter(limits.login_post);
    auto at = [&](RouteLimit route) -> Policy& { return policies_[static_cast<std::size_t>(route)]; };
    at(RouteLimit::authorize) = {limiter(limits.authorize), &too_many_requests_page};
    at(RouteLimit::login_page) = {limiter(limits.login_page), &too_many_requests_page};
    at(RouteLimit::login_post) = {login_post, &too_many_requests_page};
    at(RouteLimit::login_callback) = {limiter(limits.login_callback), &too_many_requests_page};
    at(RouteLimit::token) = {limiter(limits.token), &too_many_requests_json};
    at(RouteLimit::dbconnections) = {login_post, &too_many_requests_json};
}

Handler RouteLimits::limit(RouteLimit route, Handler handler) const {
    const Policy& policy = policies_.at(static_cast<std::size_t>(route));
    if (!policy.limiter) return handler;
    return [limiter = policy.limiter, reject = policy.reject,
            handler = std::move(handler)](RequestContext& ctx) -> net::awaitable<Response> {
        if (auto decision = limiter->acquire(address_key(ctx.remote_ip)); !decision)
            co_return reject(decision.retry_after);
        co_return co_await handler(ctx);
    };
}

void RouteLimits::apply(Router& router) const {
    for (const auto& route : kLimitedRoutes)
        router.decorate(route.method, route.pattern,
                        [&](Handler handler) { return limit(route.limit, std::move(handler)); });
}

std::int64_t FailedLoginLimiter::reserve(std::string_view key) {
    auto decision = limiter_.acquire(key);
    return decision ? 0 : decision.retry_after;
}

void FailedLoginLimiter::succeeded(std::string_view key) { limiter_.reset(key); }

void FailedLoginLimiter::give_back(std::string_view key) { limiter_.refund(key); }

}  // namespace gatehouse::http
