// /api/v2/jobs/verification-email and GET /api/v2/jobs/{id} (auth0-apps.md §5): the verification
// mail sent as Auth0's job. A job is a meta document `job:<id>`; its status is its mail's.
#include "email/email.hpp"
#include "email/meta_document.hpp"
#include "email/tickets.hpp"
#include "mgmt/account_targets.hpp"
#include "mgmt/request.hpp"
#include "mgmt/route.hpp"
#include "mgmt/validation.hpp"
#include "util/json.hpp"
#include "util/util.hpp"

#include <array>

namespace gatehouse::mgmt::detail {
namespace {

constexpr std::string_view kJobPrefix = "job:";

// What GET /jobs/{id} shows of a job document: Auth0's fields, with the status of its mail.
json::object job_to_json(Context& ctx, const json::object& job) {
    auto status = std::string("completed");  // a disabled template sends nothing: done at once
    if (auto mail_id = util::json_string(job, "mail_id"); !mail_id.empty()) {
        auto mail = ctx.store.get_mail(mail_id);
        status = !mail || mail->status == "pending" ? "pending" : mail->status == "sent" ? "completed" : "failed";
    }
    return json::object{{"type", util::json_string(job, "type")},
                        {"status", status},
                        {"created_at", util::json_string(job, "created_at")},
                        {"id", util::json_string(job, "id")}};
}

ApiResponse create_verification_email_job(Context& ctx) {
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    check.allowed({"user_id", "client_id"}).required("user_id").string("user_id", 1, 512).string("client_id", 1, 64);
    if (!check.ok()) return render_error(*check.error());
    auto app = application_name(ctx, *body);
    if (!app) return render_error(app.error());
    // Auth0 answers an unknown user of a job with 400, not 404.
    auto user = ticket_user(ctx, *body, mgmt_errc::invalid_body);
    if (!user) return render_error(user.error());

    auto now = util::unix_now();
    auto mail = email::send_ticket_mail(ctx.store, ctx.settings.issuer, "verify_email", *user,
                                        util::json_string(*body, "client_id"), *app, now);
    if (!mail) return render_error(make_error(mgmt_errc::internal_error));
    json::object job{{"id", "job_" + util::random_alnum(16)},
                     {"type", "verification_email"},
                     {"created_at", util::iso8601_ms(now * 1000)},
                     {"user_id", user->user_id},
                     {"mail_id", *mail}};
    if (!ctx.store.create_meta(std::string(kJobPrefix) + std::string(job.at("id").get_string()), json::serialize(job)))
        return render_error(make_error(mgmt_errc::internal_error));
    auto answer = job_to_json(ctx, job);
    answer["status"] = "pending";  // Auth0's answer to the POST, whatever the queue did since
    return json_response(201, answer);
}

ApiResponse get_job(Context& ctx) {
    const auto& id = ctx.params[0];
    if (!id.starts_with("job_") || id.size() > 64 || !util::valid_utf8(id))
        return render_error(path_error("job-id", id, "ID of the job"));
    auto job = email::load_meta_document(ctx.store, std::string(kJobPrefix) + id);
    if (!job) return render_error(make_error(mgmt_errc::internal_error));
    if (!*job) return render_error(make_error(mgmt_errc::inexistent_job));
    return json_response(200, job_to_json(ctx, **job));
}

}  // namespace

std::span<const Route> jobs_routes() {
    static constexpr std::array routes = {
        Route{"POST", "/jobs/verification-email", "update:users", &create_verification_email_job},
        Route{"GET", "/jobs/{}", "create:users,read:users,update:users", &get_job},
    };
    return routes;
}

}  // namespace gatehouse::mgmt::detail
