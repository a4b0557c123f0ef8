// /api/v2/jobs (auth0-apps.md §5, §7). The verification mail sent as Auth0's job is a meta document
// `job:<id>` whose status is its mail's; the bulk user import and export are rows of the store's
// jobs table, run by JobWorker (bulk_jobs.hpp). GET /jobs/{id} reads either.
#include "connections/database.hpp"
#include "email/email.hpp"
#include "email/meta_document.hpp"
#include "email/tickets.hpp"
#include "mgmt/account_targets.hpp"
#include "mgmt/bulk_jobs.hpp"
#include "mgmt/request.hpp"
#include "mgmt/route.hpp"
#include "mgmt/validation.hpp"
#include "util/json.hpp"
#include "util/multipart.hpp"
#include "util/util.hpp"

#include <array>
#include <variant>

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

constexpr std::size_t kConcurrentImports = 2;  // as Auth0: a third import waits for one of them (429)

ApiError invalid_upload(std::string message) { return make_error(mgmt_errc::invalid_body, std::move(message)); }

// A bulk job as Auth0 shows it: what it was asked, its status, and once done its summary (import)
// or download link (export). The link's secret never leaves the store.
json::object bulk_job_to_json(Context& ctx, const store::Job& job) {
    json::object out{{"type", job.type}, {"status", job.status}};
    for (std::string_view key : {"connection_id", "connection", "external_id", "upsert", "send_completion_email",
                                 "format", "limit", "fields", "status_details"})
        if (const auto* v = job.doc.if_contains(key)) out[key] = *v;
    if (job.type == "users_import" && job.status == "completed")
        if (const auto* summary = job.doc.if_contains("summary")) out["summary"] = *summary;
    if (job.type == "users_export") {
        bool done = job.status == "completed";
        out["percentage_done"] = done ? 100 : 0;
        if (done) {
            out["time_left_seconds"] = 0;
            out["location"] = export_location(ctx.settings, job, util::unix_now());
        }
    }
    out["created_at"] = util::iso8601_ms(job.created_at * 1000);
    out["id"] = job.id;
    return out;
}

store::Job new_bulk_job(std::string_view type, json::object doc) {
    store::Job job;
    job.id = "job_" + util::random_alnum(16);
    job.type = type;
    job.doc = std::move(doc);
    job.created_at = job.updated_at = util::unix_now();
    return job;
}

// The database connection a bulk job works on.
expected<store::Connection> job_connection(Context& ctx, std::string_view connection_id) {
    auto conn = ctx.store.get_connection(connection_id);
    if (!conn) {
        if (conn.error() == store::store_errc::not_found)
            return make_error(mgmt_errc::invalid_body, "The connection does not exist.");
        return make_error(mgmt_errc::internal_error);
    }
    if (conn->strategy != "auth0")
        return make_error(mgmt_errc::operation_not_supported, "Bulk jobs are supported for database connections only.");
    return std::move(*conn);
}

ApiResponse create_users_import_job(Context& ctx) {
    auto boundary = util::multipart_boundary(ctx.req.content_type);
    if (auto* e = std::get_if<util::MultipartError>(&boundary)) return render_error(invalid_upload(e->message));
    auto parsed = util::parse_multipart(ctx.req.body, std::get<std::string>(boundary),
                                        {.max_part_size = kImportFileLimit, .max_parts = 8});
    if (auto* e = std::get_if<util::MultipartError>(&parsed)) return render_error(invalid_upload(e->message));
    std::optional<std::string> users, connection_id, external_id;
    bool upsert = false, send_completion_email = true;
    for (auto& part : std::get<std::vector<util::FormPart>>(parsed)) {
        auto flag = [&](bool& out) -> std::optional<ApiError> {
            if (part.content != "true" && part.content != "false")
                return invalid_upload(payload_error("Expected type boolean but found type string", part.name));
            out = part.content == "true";
            return std::nullopt;
        };
        std::optional<ApiError> error;
        if (part.name == "users")
            users = std::move(part.content);
        else if (part.name == "connection_id")
            connection_id = std::move(part.content);
        else if (part.name == "external_id")
            external_id = std::move(part.content);
        else if (part.name == "upsert")
            error = flag(upsert);
        else if (part.name == "send_completion_email")
            error = flag(send_completion_email);
        else
            error = invalid_upload(payload_error("Additional properties not allowed: " + part.name));
        if (error) return render_error(*error);
    }
    if (!users) return render_error(invalid_upload(payload_error("Missing required property: users")));
    if (!connection_id) return render_error(invalid_upload(payload_error("Missing required property: connection_id")));
    if (connection_id->empty() || connection_id->size() > 64 || !util::valid_utf8(*connection_id))
        return render_error(invalid_upload(payload_error("String length must be between 1 and 64", "connection_id")));
    if (external_id && (external_id->size() > 255 || !util::valid_utf8(*external_id)))
        return render_error(invalid_upload(payload_error("String is too long (maximum 255)", "external_id")));
    // The file must be a JSON array of at least one row; each row is checked by the job, which
    // reports the bad ones and imports the rest.
    std::error_code ec;
    auto rows = util::valid_utf8(*users) ? json::parse(*users, ec) : json::value();
    if (ec || !rows.is_array())
        return render_error(
            invalid_upload("Users file must be a valid JSON array of users (Auth0's bulk import schema)"));
    if (rows.get_array().empty()) return render_error(invalid_upload("Users file must contain at least one user"));
    auto conn = job_connection(ctx, *connection_id);
    if (!conn) return render_error(conn.error());
    auto active = ctx.store.count_active_jobs("users_import");
    if (!active) return render_error(make_error(mgmt_errc::internal_error));
    if (*active >= kConcurrentImports)
        return render_error(make_error(mgmt_errc::too_many_requests,
                                       "There are " + std::to_string(*active) +
                                           " active import users jobs, please wait until some of them are "
                                           "finished and try again"));
    json::object doc{{"connection_id", conn->id},
                     {"connection", conn->name},
                     {"upsert", upsert},
                     {"send_completion_email", send_completion_email}};
    if (external_id) doc["external_id"] = *external_id;
    auto job = new_bulk_job("users_import", std::move(doc));
    job.input = std::move(*users);
    if (!ctx.store.create_job(job)) return render_error(make_error(mgmt_errc::internal_error));
    return json_response(201, bulk_job_to_json(ctx, job));
}

// fields: [{name, export_as}], 1 to 100 of them.
std::optional<ApiError> check_export_fields(const json::value& fields) {
    if (!fields.is_array())
        return make_error(
            mgmt_errc::invalid_body,
            payload_error("Expected type array but found type " + std::string(type_name(fields)), "fields"));
    const auto& a = fields.get_array();
    if (a.empty() || a.size() > 100)
        return make_error(mgmt_errc::invalid_body, payload_error("Array must have 1 to 100 items", "fields"));
    for (const auto& f : a) {
        if (!f.is_object())
            return make_error(
                mgmt_errc::invalid_body,
                payload_error("Expected type object but found type " + std::string(type_name(f)), "fields"));
        BodyCheck check(f.get_object(), "fields.");
        check.allowed({"name", "export_as"}).required("name").string("name", 1, 200).string("export_as", 1, 200);
        if (!check.ok()) return check.error();
    }
    return std::nullopt;
}

ApiResponse create_users_export_job(Context& ctx) {
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    check.allowed({"connection_id", "format", "limit", "fields"})
        .string("connection_id", 1, 64)
        .one_of("format", {"json", "csv"})
        .integer("limit", 1, 100'000'000);
    if (!check.ok()) return render_error(*check.error());
    if (const auto* fields = body->if_contains("fields"))
        if (auto error = check_export_fields(*fields)) return render_error(*error);
    json::object doc{{"format", util::json_string(*body, "format", "json")}};
    if (const auto* id = body->if_contains("connection_id")) {
        auto conn = job_connection(ctx, id->get_string());
        if (!conn) return render_error(conn.error());
        doc["connection_id"] = conn->id;
        doc["connection"] = conn->name;
    }
    if (const auto* limit = body->if_contains("limit")) doc["limit"] = *limit;
    if (const auto* fields = body->if_contains("fields")) doc["fields"] = *fields;
    doc["download_secret"] = util::random_token(32);
    auto job = new_bulk_job("users_export", std::move(doc));
    if (!ctx.store.create_job(job)) return render_error(make_error(mgmt_errc::internal_error));
    return json_response(201, bulk_job_to_json(ctx, job));
}

bool valid_job_id(const std::string& id) { return id.starts_with("job_") && id.size() <= 64 && util::valid_utf8(id); }

ApiResponse get_job_errors(Context& ctx) {
    const auto& id = ctx.params[0];
    if (!valid_job_id(id)) return render_error(path_error("job-id", id, "ID of the job"));
    auto job = ctx.store.get_job(id);
    if (!job) {
        if (job.error() != store::store_errc::not_found) return render_error(make_error(mgmt_errc::internal_error));
        auto meta = email::load_meta_document(ctx.store, std::string(kJobPrefix) + id);
        if (!meta) return render_error(make_error(mgmt_errc::internal_error));
        if (!*meta) return render_error(make_error(mgmt_errc::inexistent_job));
        return no_content();  // a verification-email job has no per-row errors
    }
    if (job->status != "completed" || job->errors == "[]" || job->errors.empty()) return no_content();
    ApiResponse res;
    res.body = job->errors;
    return res;
}

ApiResponse get_job(Context& ctx) {
    const auto& id = ctx.params[0];
    if (!valid_job_id(id)) return render_error(path_error("job-id", id, "ID of the job"));
    if (auto bulk = ctx.store.get_job(id))
        return json_response(200, bulk_job_to_json(ctx, *bulk));
    else if (bulk.error() != store::store_errc::not_found)
        return render_error(make_error(mgmt_errc::internal_error));
    auto job = email::load_meta_document(ctx.store, std::string(kJobPrefix) + id);
    if (!job) return render_error(make_error(mgmt_errc::internal_error));
    if (!*job) return render_error(make_error(mgmt_errc::inexistent_job));
    return json_response(200, job_to_json(ctx, **job));
}

}  // namespace

std::span<const Route> jobs_routes() {
    static constexpr std::array routes = {
        Route{"POST", "/jobs/verification-email", "update:users", &create_verification_email_job},
        Route{"POST", "/jobs/users-imports", "create:users", &create_users_import_job},
        Route{"POST", "/jobs/users-exports", "read:users", &create_users_export_job},
        Route{"GET", "/jobs/{}", "create:users,read:users,update:users", &get_job},
        Route{"GET", "/jobs/{}/errors", "create:users,read:users,update:users", &get_job_errors},
    };
    return routes;
}

}  // namespace gatehouse::mgmt::detail
