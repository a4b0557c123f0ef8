// /api/v2/tickets/password-change and /api/v2/tickets/email-verification (auth0-apps.md §5): a
// ticket URL on the issuer's origin for an operator to hand over; no mail is sent.
#include "email/tickets.hpp"
#include "mgmt/account_targets.hpp"
#include "mgmt/request.hpp"
#include "mgmt/route.hpp"
#include "mgmt/validation.hpp"
#include "util/json.hpp"
#include "util/url.hpp"
#include "util/util.hpp"

#include <array>

namespace gatehouse::mgmt::detail {
namespace {

ApiResponse create_ticket(Context& ctx, std::string_view kind) {
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    const bool password = kind == email::kPasswordChangeTicket;
    BodyCheck check(*body);
    if (password)
        check.allowed({"user_id", "result_url", "ttl_sec", "mark_email_as_verified", "client_id"});
    else
        check.allowed({"user_id", "result_url", "ttl_sec", "client_id"});
    check.required("user_id")
        .string("user_id", 1, 512)
        .string("result_url", 1, 2048)
        .integer("ttl_sec", 0, email::max_ticket_ttl)
        .boolean("mark_email_as_verified")
        .string("client_id", 1, 64);
    if (!check.ok()) return render_error(*check.error());
    // The page redirects to result_url after success: only a URL that could be an app's login URL
    // (absolute, https or loopback http, no fragment or userinfo, no wildcard).
    auto result_url = util::json_string(*body, "result_url");
    if (!result_url.empty())
        if (auto why = util::registered_url_problem(result_url, util::RegisteredUrl::login))
            return render_error(make_error(mgmt_errc::invalid_body, payload_error(*why, "result_url")));
    auto app = application_name(ctx, *body);
    if (!app) return render_error(app.error());
    auto user = ticket_user(ctx, *body, mgmt_errc::inexistent_user);
    if (!user) return render_error(user.error());
    if (password && user->password_hash.empty())
        return render_error(make_error(mgmt_errc::operation_not_supported,
                                       "Password change tickets are only for users of database connections."));

    email::TicketRequest request;
    request.kind = kind;
    request.user_id = user->user_id;
    request.email = user->email;
    request.client_id = util::json_string(*body, "client_id");
    request.result_url = result_url;
    request.ttl_sec = util::json_int(*body, "ttl_sec", 0);
    request.mark_email_as_verified = util::json_bool(*body, "mark_email_as_verified", false);
    auto url = email::issue_ticket(ctx.store, ctx.settings.issuer, request, util::unix_now());
    if (!url) return render_error(make_error(mgmt_errc::internal_error));
    return json_response(201, json::object{{"ticket", *url}});
}

ApiResponse create_password_change_ticket(Context& ctx) { return create_ticket(ctx, email::kPasswordChangeTicket); }
ApiResponse create_email_verification_ticket(Context& ctx) {
    return create_ticket(ctx, email::kEmailVerificationTicket);
}

}  // namespace

std::span<const Route> tickets_routes() {
    static constexpr std::array routes = {
        Route{"POST", "/tickets/password-change", "create:user_tickets", &create_password_change_ticket},
        Route{"POST", "/tickets/email-verification", "create:user_tickets", &create_email_verification_ticket},
    };
    return routes;
}

}  // namespace gatehouse::mgmt::detail
