#include "http/endpoints/federation_endpoints.hpp"

#include "http/endpoints/cookies.hpp"
#include "http/endpoints/render.hpp"
#include "http/parse.hpp"
#include "http/response.hpp"
#include "oauth/federation.hpp"
#include "util/util.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <variant>

namespace gatehouse::http {
namespace {

Response render(const oauth::ErrorPage& page) { return render_error_page(page); }
Response render(const oauth::AuthorizationResponse& r) { return render_authorization_response(r); }
Response render(const oauth::UpstreamRedirect& r) { return redirect(r.url); }

}  // namespace

void register_federation_endpoints(Router& router, Services& services) {
    if (!services.federation) return;
    oauth::FederationService& federation = *services.federation;
    const oauth::TenantConfig& config = services.catalog.config();

    // The federation coroutines run on the blocking pool, like every handler that touches the store;
    // their upstream I/O stays asynchronous there, so neither pool ever waits on a provider.
    auto& blocking = services.blocking;
    router.add(
        bhttp::verb::get, "/u/connection",
        [&federation, &blocking, &config](RequestContext& ctx) -> net::awaitable<Response> {
            auto params = parse_query(ctx.query);
            if (!params) co_return render_error_page({400, "Invalid request", params.error().description});
            auto browser = find_cookie(ctx.req, browser_cookie(config)).value_or("");
            auto outcome = co_await net::co_spawn(
                blocking,
                federation.start(params->get("state"), params->get("connection"), std::move(browser), util::unix_now()),
                net::use_awaitable);
            co_return std::visit([](auto& o) { return render(o); }, outcome);
        });

    // The provider's answer: at Auth0's shared /login/callback, or at the connection's own
    // /login/callback/<name> (connections::upstream_callback_url says which a leg uses).
    Handler callback = [&federation, &config, &blocking](RequestContext& ctx) -> net::awaitable<Response> {
        auto params = parse_query(ctx.query);
        if (!params) co_return render_error_page({400, "Invalid request", params.error().description});
        auto browser = find_cookie(ctx.req, browser_cookie(config)).value_or("");
        auto result = co_await net::co_spawn(blocking,
                                             federation.callback(std::move(*params), ctx.path.substr(1),
                                                                 std::move(browser), util::unix_now(), ctx.remote_ip),
                                             net::use_awaitable);
        auto res = std::visit([](auto& o) { return render(o); }, result.outcome);
        if (!result.session_token.empty())
            set_cookie(res, session_cookie(config), result.session_token, cookie_options(config, config.session_ttl));
        co_return res;
    };
    router.add(bhttp::verb::get, "/login/callback", callback);
    router.add_prefix(bhttp::verb::get, "/login/callback/", callback);
}

}  // namespace gatehouse::http
