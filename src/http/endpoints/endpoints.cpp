#include "http/endpoints/endpoints.hpp"

#include "http/cors.hpp"
#include "http/endpoints/cookies.hpp"
#include "http/endpoints/federation_endpoints.hpp"
#include "http/endpoints/pages.hpp"
#include "http/endpoints/render.hpp"
#include "http/parse.hpp"
#include "http/response.hpp"
#include "util/json.hpp"
#include "util/util.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url.hpp>

#include <chrono>

namespace gatehouse::http {
namespace {

namespace json = boost::json;

using oauth::oauth_errc;

std::string header(const Request& req, bhttp::field f) { return std::string(req[f]); }

// The browser-binding id: the existing cookie, or a new one that `res` must set.
struct BrowserId {
    std::string value;
    bool is_new = false;
};

BrowserId browser_id(const Request& req, const oauth::TenantConfig& config) {
    if (auto v = find_cookie(req, browser_cookie(config)); v && v->size() >= 32) return {*v, false};
    return {util::random_token(24), true};
}

void remember_browser(Response& res, const BrowserId& id, const oauth::TenantConfig& config) {
    if (id.is_new) set_cookie(res, browser_cookie(config), id.value, cookie_options(config, 365 * 86400));
}

class Endpoints : public std::enable_shared_from_this<Endpoints> {
  public:
    explicit Endpoints(Services& s) : s_(s), config_(s.catalog.config()) {
        if (s.limits.enabled && s.limits.token_per_client)
            token_per_client_ = std::make_unique<RateLimiter>(*s.limits.token_per_client);
        discovery_json_ = json::serialize(oauth::discovery_document(config_));
    }

    void register_all(Router& r) {
        using bhttp::verb;
        r.add(verb::get, "/.well-known/openid-configuration", bind_inline(&Endpoints::discovery));
        r.add(verb::get, "/.well-known/jwks.json", bind_cached(&Endpoints::jwks_cached, &Endpoints::jwks));
        r.add(verb::options, "/.well-known/openid-configuration", bind_inline(&Endpoints::public_preflight));
        r.add(verb::options, "/.well-known/jwks.json", bind_inline(&Endpoints::public_preflight));
        r.add(verb::get, "/authorize", bind(&Endpoints::authorize));
        r.add(verb::get, "/u/login", bind(&Endpoints::login_page));
        r.add(verb::post, "/u/login", bind(&Endpoints::login_submit));
        r.add(verb::get, "/u/signup", bind(&Endpoints::signup_page));
        r.add(verb::post, "/u/signup", bind(&Endpoints::signup_submit));
        r.add(verb::post, "/u/organization", bind(&Endpoints::organization_submit));
        if (s_.accounts) {
            r.add(verb::post, "/dbconnections/signup", bind(&Endpoints::dbconnections_signup));
            r.add(verb::options, "/dbconnections/signup", bind(&Endpoints::client_preflight));
            r.add(verb::post, "/dbconnections/change_password", bind(&Endpoints::dbconnections_change_password));
            r.add(verb::options, "/dbconnections/change_password", bind(&Endpoints::client_preflight));
            r.add(verb::get, "/u/reset-password", bind(&Endpoints::reset_password_page));
            r.add(verb::post, "/u/reset-password", bind(&Endpoints::reset_password_submit));
            r.add(verb::get, "/u/email-verification", bind(&Endpoints::email_verification));
        }
        r.add(verb::post, "/oauth/token", bind_cached(&Endpoints::token_from_memory, &Endpoints::token));
        r.add(verb::options, "/oauth/token", bind(&Endpoints::client_preflight));
        r.add(verb::post, "/oauth/revoke", bind(&Endpoints::revoke));
        r.add(verb::options, "/oauth/revoke", bind(&Endpoints::client_preflight));
        r.add(verb::get, "/userinfo", bind(&Endpoints::userinfo));
        r.add(verb::post, "/userinfo", bind(&Endpoints::userinfo));
        r.add(verb::options, "/userinfo", bind(&Endpoints::client_preflight));
        r.add(verb::get, "/v2/logout", bind(&Endpoints::logout));
        r.add(verb::get, "/oidc/logout", bind(&Endpoints::logout));
        r.add(verb::get, "/healthz", bind(&Endpoints::healthz));
        r.add(verb::get, "/metrics", bind_inline(&Endpoints::metrics));
        r.add(verb::get, "/assets/gatehouse.css", bind_inline(&Endpoints::stylesheet));
        r.add(verb::get, "/demo/callback", bind(&Endpoints::demo_callback));
        for (auto v : {verb::get, verb::post, verb::patch, verb::put, verb::delete_})
            r.add_prefix(v, "/api/v2/", bind(&Endpoints::management));
        r.add_prefix(verb::get, "/jobs/exports/", bind(&Endpoints::export_download));
    }

  private:
    using Method = Response (Endpoints::*)(RequestContext&);
    // Each handler shares ownership of the endpoints, so the router keeps them alive. The handler
    // body runs on the blocking pool; the connection's coroutine resumes on its own executor after.
    Handler bind(Method m) {
        return [self = shared_from_this(), m](RequestContext& ctx) -> net::awaitable<Response> {
            auto io = co_await net::this_coro::executor;
            co_await net::post(self->s_.blocking.get_executor(), net::use_awaitable);
            auto res = ((*self).*m)(ctx);
            co_await net::post(io, net::use_awaitable);
            co_return res;
        };
    }
    // For handlers that touch nothing but memory: no thread hop.
    Handler bind_inline(Method m) {
        return [self = shared_from_this(), m](RequestContext& ctx) -> net::awaitable<Response> {
            co_return ((*self).*m)(ctx);
        };
    }

    // Answers from memory on the I/O thread when `fast` can (it returns nullopt when it would need
    // the store), and otherwise runs `slow` on the blocking pool as bind() does.
    using FastMethod = std::optional<Response> (Endpoints::*)(RequestContext&);
    Handler bind_cached(FastMethod fast, Method slow) {
        return [self = shared_from_this(), fast, slow,
                slow_handler = bind(slow)](RequestContext& ctx) -> net::awaitable<Response> {
            if (auto res = ((*self).*fast)(ctx)) co_return std::move(*res);
            co_return co_await slow_handler(ctx);
        };
    }

    // --- discovery ------------------------------------------------------------------------------
    Response discovery(RequestContext&) {
        auto res = text_response(bhttp::status::ok, discovery_json_, "application/json");
        res.set(bhttp::field::cache_control, "public, max-age=3600");
        res.set(bhttp::field::access_control_allow_origin, "*");
        return res;
    }

    static Response render_jwks(const oauth::SigningKeys& keys) {
        auto res = text_response(bhttp::status::ok, keys.jwks_json, "application/json");
        // Short, so a rotation is seen quickly; retired keys stay published long after anyway.
        res.set(bhttp::field::cache_control, "public, max-age=60");
        res.set(bhttp::field::access_control_allow_origin, "*");
        return res;
    }
    std::optional<Response> jwks_cached(RequestContext&) {
        auto keys = s_.catalog.cached_keys();
        if (!keys) return std::nullopt;
        return render_jwks(*keys);
    }
    Response jwks(RequestContext&) { return render_jwks(*s_.catalog.keys()); }

    Response public_preflight(RequestContext& ctx) {
        auto res = cors_preflight(ctx.req, header(ctx.req, bhttp::field::origin), true);
        res.set(bhttp::field::access_control_allow_origin, "*");
        return res;
    }

    // --- authorization and hosted login ---------------------------------------------------------
    Response authorize(RequestContext& ctx) {
        auto params = parse_query(ctx.query);
        if (!params) return render_error_page({400, "Invalid request", params.error().description});
        ctx.log_client_id = params->get("client_id");
        auto now = util::unix_now();
        auto browser = browser_id(ctx.req, config_);
        auto session_token = find_cookie(ctx.req, session_cookie(config_)).value_or("");
        auto session = s_.authorization.current_session(session_token, now);
        auto outcome = s_.authorization.authorize(*params, session, browser.value, now, ctx.remote_ip);
        auto res = std::visit([&](auto& o) { return render(o); }, outcome);
        remember_browser(res, browser, config_);
        return res;
    }

    Response render(const oauth::ErrorPage& page) { return render_error_page(page); }
    Response render(const oauth::AuthorizationResponse& r) { return render_authorization_response(r); }
    Response render(const oauth::LoginRedirect& r) {
        return redirect((r.signup ? "/u/signup?state=" : "/u/login?state=") +
                        std::string(boost::urls::encode(r.interaction_id, boost::urls::unreserved_chars)));
    }
    Response render(const oauth::UpstreamRedirect& r) { return redirect(r.url); }
    Response render(const oauth::LoginForm& form) {
        auto status = form.error.empty() ? bhttp::status::ok : bhttp::status::bad_request;
        return html_response(status, pages::login_page(form));
    }

    Response show_form(RequestContext& ctx, bool signup) {
        auto params = parse_query(ctx.query);
        if (!params) return render_error_page({400, "Invalid request", params.error().description});
        auto outcome = s_.authorization.login_form(params->get("state"), signup, util::unix_now());
        auto res = std::visit([&](auto& o) { return render(o); }, outcome);
        // A browser that lost its binding cookie gets one now; its submit will then fail the
        // binding check and explain why, instead of looping.
        remember_browser(res, browser_id(ctx.req, config_), config_);
        return res;
    }

    Response submit_form(RequestContext& ctx, bool signup) {
        auto form = parse_form(ctx.req.body());
        if (!form) return render_error_page({400, "Invalid request", form.error().description});
        auto browser = find_cookie(ctx.req, browser_cookie(config_)).value_or("");
        auto now = util::unix_now();
        auto result = s_.authorization.submit_login(*form, browser, signup, now, ctx.remote_ip);
        auto res = std::visit([&](auto& o) { return render(o); }, result.outcome);
        if (result.retry_after > 0) res.set(bhttp::field::retry_after, std::to_string(result.retry_after));
        if (!result.session_token.empty())
            set_cookie(res, session_cookie(config_), result.session_token,
                       cookie_options(config_, config_.session_ttl));
        return res;
    }

    Response organization_submit(RequestContext& ctx) {
        auto form = parse_form(ctx.req.body());
        if (!form) return render_error_page({400, "Invalid request", form.error().description});
        auto browser = find_cookie(ctx.req, browser_cookie(config_)).value_or("");
        auto outcome = s_.authorization.choose_organization(*form, browser, util::unix_now());
        return std::visit([&](auto& o) { return render(o); }, outcome);
    }

    Response login_page(RequestContext& ctx) { return show_form(ctx, false); }
    Response signup_page(RequestContext& ctx) { return show_form(ctx, true); }
    Response login_submit(RequestContext& ctx) { return submit_form(ctx, false); }
    Response signup_submit(RequestContext& ctx) { return submit_form(ctx, true); }

    // --- database connections: signup, password reset, email verification ----------------------
    Response dbconnections_signup(RequestContext& ctx) {
        auto body = parse_body_object(ctx.req);
        if (!body) return render_oauth_error(oauth::make_error(oauth_errc::invalid_request, body.error().description));
        ctx.log_client_id = util::json_string(*body, "client_id");
        auto user = s_.accounts->signup(*body, util::unix_now());
        auto res = user ? json_response(bhttp::status::ok, *user) : render_oauth_error(user.error());
        cors_for_client(ctx, res, ctx.log_client_id);
        return res;
    }

    // The answer never depends on whether the user exists: the lookup and the mail run on the
    // blocking pool after it is sent, so neither the body nor the time tells (no user enumeration).
    Response dbconnections_change_password(RequestContext& ctx) {
        auto body = parse_body_object(ctx.req);
        if (!body) return render_oauth_error(oauth::make_error(oauth_errc::invalid_request, body.error().description));
        ctx.log_client_id = util::json_string(*body, "client_id");
        auto request = s_.accounts->check_password_reset(*body);
        Response res;
        if (!request) {
            res = render_oauth_error(request.error());
        } else {
            net::post(s_.blocking, [self = shared_from_this(), request = std::move(*request)] {
                self->s_.accounts->send_password_reset(request, util::unix_now());
            });
            res = text_response(bhttp::status::ok, std::string(oauth::kChangePasswordAnswer),
                                "text/plain; charset=utf-8");
            res.set(bhttp::field::cache_control, "no-store");
        }
        cors_for_client(ctx, res, ctx.log_client_id);
        return res;
    }

    Response render(const oauth::ResetForm& form) {
        auto status = form.error.empty() ? bhttp::status::ok : bhttp::status::bad_request;
        return html_response(status, pages::reset_password_page(form));
    }
    Response render(const oauth::AccountRedirect& r) { return redirect(r.url); }
    Response render(const oauth::AccountDone& done) {
        return html_response(bhttp::status::ok, pages::message_page(done.title, done.message));
    }

    Response reset_password_page(RequestContext& ctx) {
        auto params = parse_query(ctx.query);
        if (!params) return render_error_page({400, "Invalid request", params.error().description});
        auto browser = browser_id(ctx.req, config_);
        auto outcome = s_.accounts->reset_form(params->get("ticket"), browser.value, util::unix_now());
        auto res = std::visit([&](auto& o) { return render(o); }, outcome);
        remember_browser(res, browser, config_);
        return res;
    }

    Response reset_password_submit(RequestContext& ctx) {
        auto form = parse_form(ctx.req.body());
        if (!form) return render_error_page({400, "Invalid request", form.error().description});
        auto browser = find_cookie(ctx.req, browser_cookie(config_)).value_or("");
        auto outcome = s_.accounts->submit_reset(*form, browser, util::unix_now());
        return std::visit([&](auto& o) { return render(o); }, outcome);
    }

    Response email_verification(RequestContext& ctx) {
        auto params = parse_query(ctx.query);
        if (!params) return render_error_page({400, "Invalid request", params.error().description});
        auto outcome = s_.accounts->verify_email(params->get("ticket"), util::unix_now());
        return std::visit([&](auto& o) { return render(o); }, outcome);
    }

    // --- token endpoint family ------------------------------------------------------------------
    // Basic vs body is oauth's rule (client_auth); the handler only hands it the header.
    static oauth::oauth_result<oauth::ClientCredentials> credentials(const Request& req, const util::Params& body) {
        return oauth::presented_credentials(req[bhttp::field::authorization], body);
    }

    void cors_for_client(RequestContext& ctx, Response& res, std::string_view client_id) {
        auto origin = ctx.req[bhttp::field::origin];
        if (origin.empty()) return;
        auto client = s_.catalog.client(client_id);
        if (client && client->allows_origin(origin)) allow_cors(res, origin);
    }

    Response client_preflight(RequestContext& ctx) {
        auto origin = header(ctx.req, bhttp::field::origin);
        return cors_preflight(ctx.req, origin, !origin.empty() && s_.catalog.any_client_allows_origin(origin));
    }

    Response token(RequestContext& ctx) {
        auto started = std::chrono::steady_clock::now();
        auto body = parse_body_params(ctx.req);
        if (!body) {
            auto res = render_oauth_error(oauth::make_error(oauth_errc::invalid_request, body.error().description));
            if (auto origin = ctx.req[bhttp::field::origin];
                !origin.empty() && s_.catalog.any_client_allows_origin(origin))
                allow_cors(res, origin);
            return res;
        }
        auto creds = credentials(ctx.req, *body);
        return answer_token_request(ctx, std::move(*body), std::move(creds), started);
    }

    // A client_credentials grant whose client, API, client grant and keys are cached reads no store
    // and writes nothing: the I/O thread signs it itself rather than hopping to the blocking pool
    // and back (the hop was the largest cost on this path besides the signature).
    std::optional<Response> token_from_memory(RequestContext& ctx) {
        auto started = std::chrono::steady_clock::now();
        auto body = parse_body_params(ctx.req);
        if (!body || body->get("grant_type") != "client_credentials") return std::nullopt;
        auto creds = credentials(ctx.req, *body);
        if (!creds || !s_.catalog.client_credentials_cached(creds->client_id, body->get("audience")))
            return std::nullopt;
        return answer_token_request(ctx, std::move(*body), std::move(creds), started);
    }

    Response answer_token_request(RequestContext& ctx, util::Params body,
                                  oauth::oauth_result<oauth::ClientCredentials> creds,
                                  std::chrono::steady_clock::time_point started) {
        ctx.log_client_id = creds ? creds->client_id : body.get("client_id");
        Response res;
        if (auto d = token_per_client_ ? token_per_client_->acquire("client:" + ctx.log_client_id) : RateDecision{};
            !d) {
            res = too_many_requests_json(d.retry_after);
        } else if (!creds) {
            res = render_oauth_error(creds.error(), true);
        } else {
            oauth::TokenRequest request{body.get("grant_type"), *creds, std::move(body), ctx.remote_ip};
            auto result = s_.tokens.exchange(request, util::unix_now());
            res = result ? json_response(bhttp::status::ok, *result)
                         : render_oauth_error(result.error(), creds->via_basic);
            if (result)
                s_.metrics.observe("token_issuance",
                                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        }
        cors_for_client(ctx, res, ctx.log_client_id);
        return res;
    }

    Response revoke(RequestContext& ctx) {
        auto body = parse_body_params(ctx.req);
        if (!body) return render_oauth_error(oauth::make_error(oauth_errc::invalid_request, body.error().description));
        auto creds = credentials(ctx.req, *body);
        if (!creds) return render_oauth_error(creds.error(), true);
        ctx.log_client_id = creds->client_id;
        auto result = s_.tokens.revoke(*creds, *body, util::unix_now());
        Response res =
            result ? empty_response(bhttp::status::ok) : render_oauth_error(result.error(), creds->via_basic);
        res.set(bhttp::field::cache_control, "no-store");
        cors_for_client(ctx, res, creds->client_id);
        return res;
    }

    Response userinfo(RequestContext& ctx) {
        auto token = bearer_token(ctx.req);
        Response res;
        if (!token) {
            res = json_error(bhttp::status::unauthorized, "invalid_token", "Missing bearer token");
            res.set(bhttp::field::www_authenticate, "Bearer realm=\"gatehouse\"");  // RFC 6750 §3: no error code
        } else {
            auto claims = s_.tokens.userinfo(*token, util::unix_now());
            res = claims ? json_response(bhttp::status::ok, *claims) : render_oauth_error(claims.error());
        }
        if (auto origin = ctx.req[bhttp::field::origin]; !origin.empty() && s_.catalog.any_client_allows_origin(origin))
            allow_cors(res, origin);
        return res;
    }

    // --- logout ---------------------------------------------------------------------------------
    Response logout(RequestContext& ctx) {
        auto params = parse_query(ctx.query);
        if (!params) return render_error_page({400, "Invalid request", params.error().description});
        ctx.log_client_id = params->get("client_id");
        auto decision = oauth::decide_logout(s_.catalog, *params);
        if (auto* page = std::get_if<oauth::ErrorPage>(&decision)) return render_error_page(*page);
        s_.authorization.end_session(find_cookie(ctx.req, session_cookie(config_)).value_or(""));
        Response res = std::holds_alternative<oauth::LogoutRedirect>(decision)
                           ? redirect(std::get<oauth::LogoutRedirect>(decision).url)
                           : html_response(bhttp::status::ok, pages::logged_out_page());
        set_cookie(res, session_cookie(config_), "", cookie_options(config_, 0));
        return res;
    }

    // --- operations -----------------------------------------------------------------------------
    Response healthz(RequestContext&) {
        auto version = s_.catalog.store().config_version();
        if (!version) return json_response(bhttp::status::service_unavailable, json::object{{"status", "unavailable"}});
        // Without a usable RS256 key no ID token can be issued (e.g. keys sealed with another master key).
        if (!s_.catalog.keys()->signer(jose::Alg::RS256))
            return json_response(bhttp::status::service_unavailable,
                                 json::object{{"status", "unavailable"}, {"reason", "no usable signing key"}});
        return json_response(bhttp::status::ok, json::object{{"status", "ok"}});
    }

    Response metrics(RequestContext&) {
        return text_response(bhttp::status::ok, s_.metrics.render_prometheus(), "text/plain; version=0.0.4");
    }

    Response stylesheet(RequestContext&) {
        auto res = text_response(bhttp::status::ok, std::string(pages::stylesheet()), "text/css; charset=utf-8");
        res.set(bhttp::field::cache_control, "public, max-age=86400");
        return res;
    }

    Response demo_callback(RequestContext& ctx) {
        auto params = parse_query(ctx.query);
        if (!params) return render_error_page({400, "Invalid request", params.error().description});
        return html_response(bhttp::status::ok, pages::demo_callback_page(config_.issuer, params->items()));
    }

    // --- Management API -------------------------------------------------------------------------
    Response management(RequestContext& ctx) {
        auto token = bearer_token(ctx.req);
        if (!token) return to_response(mgmt::render_unauthorized(false));
        auto caller = s_.tokens.management_caller(*token, util::unix_now());
        if (!caller)
            return to_response(mgmt::render_unauthorized(true, caller.error().description == "Token has expired"));
        ctx.log_client_id = caller->client_id;

        mgmt::ApiRequest request;
        request.method = std::string(ctx.req.method_string());
        auto target = ctx.req.target();
        auto path = target.substr(0, target.find('?'));
        request.path = std::string(path.substr(std::string_view("/api/v2").size()));
        if (auto parsed = boost::urls::parse_query(ctx.query)) {
            boost::urls::encoding_opts plus_is_space(true, false, false);
            for (auto param : *parsed)
                request.query.emplace_back(param.key.decode(plus_is_space),
                                           param.has_value ? param.value.decode(plus_is_space) : std::string());
        } else {
            return to_response(mgmt::render_error(mgmt::make_error(mgmt::mgmt_errc::invalid_query_string,
                                                                   "Query string is not valid percent-encoded text")));
        }
        request.content_type = header(ctx.req, bhttp::field::content_type);
        request.if_match = header(ctx.req, bhttp::field::if_match);
        request.body = ctx.req.body();
        request.scopes = std::move(caller->scopes);
        request.self_user_id = std::move(caller->user_id);
        request.client_id = caller->client_id;
        request.ip = ctx.remote_ip;
        auto reply = s_.management.handle(request);
        // This instance sees its own writes at once; others within the catalog's poll interval.
        if (request.method != "GET" && reply.status < 300) s_.catalog.invalidate();
        return to_response(std::move(reply));
    }

    // A bulk export's file: the link of its job's `location` carries its own authorization.
    Response export_download(RequestContext& ctx) {
        auto target = ctx.req.target();
        auto file = target.substr(0, target.find('?')).substr(std::string_view("/jobs/exports/").size());
        auto params = parse_query(ctx.query);
        if (!params) return to_response(mgmt::render_error(mgmt::make_error(mgmt::mgmt_errc::route_not_found)));
        return to_response(s_.management.download_export(file, params->get("expires"), params->get("signature")));
    }

    static Response to_response(mgmt::ApiResponse reply) {
        Response res{static_cast<bhttp::status>(reply.status), 11};
        for (auto& [name, value] : reply.headers) res.set(name, value);
        if (!reply.body.empty() && res[bhttp::field::content_type].empty())
            res.set(bhttp::field::content_type, "application/json; charset=utf-8");
        res.set(bhttp::field::cache_control, "no-store");
        res.body() = std::move(reply.body);
        res.prepare_payload();
        return res;
    }

    Services& s_;
    const oauth::TenantConfig& config_;
    std::string discovery_json_;
    std::unique_ptr<RateLimiter> token_per_client_;  // null: no limit
};

}  // namespace

void register_endpoints(Router& router, Services& services) {
    std::make_shared<Endpoints>(services)->register_all(router);
    register_federation_endpoints(router, services);
    RouteLimits(services.limits).apply(router);
}

}  // namespace gatehouse::http
