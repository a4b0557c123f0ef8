#include "mgmt/bulk_jobs.hpp"

#include "connections/database.hpp"
#include "connections/password.hpp"
#include "connections/user_json.hpp"
#include "mgmt/validation.hpp"
#include "util/json.hpp"
#include "util/util.hpp"

#include <spdlog/spdlog.h>
#include <zlib.h>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>
#include <set>

namespace gatehouse::mgmt {

namespace json = boost::json;

namespace detail {

namespace {

constexpr std::array<std::string_view, 14> kImportFields = {
    "email",    "email_verified", "user_id", "username",      "given_name",           "family_name",  "name",
    "nickname", "picture",        "blocked", "password_hash", "custom_password_hash", "app_metadata", "user_metadata"};
constexpr std::array<std::string_view, 7> kImportStrings = {"username", "given_name", "family_name",  "name",
                                                            "nickname", "picture",    "password_hash"};

json::object row_error(std::string_view code, std::string message, std::string_view path = {}) {
    json::object e{{"code", code}, {"message", std::move(message)}};
    if (!path.empty()) e["path"] = path;
    return e;
}

std::string bcrypt_rule() {
    return "a bcrypt hash ($2a$, $2b$ or $2y$, cost " + std::to_string(connections::bcrypt_min_cost) + " to " +
           std::to_string(connections::bcrypt_max_cost) + ")";
}

// A field of the rendered user: a top-level key, or a path into app_metadata / user_metadata.
const json::value* field_value(const json::object& user, std::string_view name) {
    if (const auto* v = user.if_contains(name)) return v;
    auto dot = name.find('.');
    if (dot == std::string_view::npos) return nullptr;
    const json::value* at = user.if_contains(name.substr(0, dot));
    name.remove_prefix(dot + 1);
    while (at && at->is_object()) {
        dot = name.find('.');
        const auto* next = at->get_object().if_contains(name.substr(0, dot));
        if (dot == std::string_view::npos) return next;
        at = next;
        name.remove_prefix(dot + 1);
    }
    return nullptr;
}

std::string column_name(const json::value& field) {
    const auto& f = field.get_object();
    if (const auto* as = f.if_contains("export_as"); as && as->is_string()) return std::string(as->get_string());
    return std::string(f.at("name").get_string());
}

std::string csv_quoted(std::string_view s, bool text_prefix) {
    std::string out = text_prefix ? "\"'" : "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + '"';
}

}  // namespace

json::array import_row_errors(const json::value& row) {
    json::array errors;
    if (!row.is_object()) {
        errors.push_back(
            row_error("INVALID_TYPE", "Expected type object but found type " + std::string(type_name(row))));
        return errors;
    }
    const auto& o = row.get_object();
    std::string extra;
    for (const auto& [k, v] : o)
        if (std::find(kImportFields.begin(), kImportFields.end(), k) == kImportFields.end())
            extra += (extra.empty() ? "" : ",") + std::string(k);
    if (!extra.empty())
        errors.push_back(row_error("OBJECT_ADDITIONAL_PROPERTIES", "Additional properties not allowed: " + extra));
    auto type_error = [&](std::string_view key, std::string_view expected) {
        errors.push_back(row_error(
            "INVALID_TYPE",
            "Expected type " + std::string(expected) + " but found type " + std::string(type_name(o.at(key))), key));
    };
    const auto* email = o.if_contains("email");
    if (!email)
        errors.push_back(row_error("OBJECT_MISSING_REQUIRED_PROPERTY", "Missing required property: email"));
    else if (!email->is_string())
        type_error("email", "string");
    else if (!connections::valid_email(email->get_string()))
        errors.push_back(
            row_error("INVALID_FORMAT",
                      "Object didn't pass validation for format email: " + std::string(email->get_string()), "email"));
    for (auto key : kImportStrings)
        if (const auto* v = o.if_contains(key)) {
            if (!v->is_string())
                type_error(key, "string");
            else if (v->get_string().empty() || v->get_string().size() > 300 || !util::valid_utf8(v->get_string()))
                errors.push_back(row_error("INVALID_FORMAT", "String length must be between 1 and 300", key));
        }
    for (std::string_view key : {"email_verified", "blocked"})
        if (const auto* v = o.if_contains(key); v && !v->is_bool()) type_error(key, "boolean");
    for (std::string_view key : {"app_metadata", "user_metadata"})
        if (const auto* v = o.if_contains(key); v && !v->is_object()) type_error(key, "object");
    if (const auto* id = o.if_contains("user_id")) {
        if (!id->is_string())
            type_error("user_id", "string");
        else if (!connections::imported_user_id(id->get_string()))
            errors.push_back(row_error("INVALID_FORMAT",
                                       "user_id must be 1 to 255 visible ASCII characters without '|'", "user_id"));
    }
    if (const auto* h = o.if_contains("password_hash"); h && h->is_string() && !h->get_string().empty() &&
                                                        h->get_string().size() <= 300 &&
                                                        !connections::is_bcrypt_hash(h->get_string()))
        errors.push_back(row_error("INVALID_FORMAT", "password_hash must be " + bcrypt_rule(), "password_hash"));
    if (const auto* custom = o.if_contains("custom_password_hash")) {
        if (o.contains("password_hash"))
            errors.push_back(row_error("CONFLICT", "password_hash and custom_password_hash cannot both be set",
                                       "custom_password_hash"));
        if (!custom->is_object()) {
            type_error("custom_password_hash", "object");
        } else {
            const auto& c = custom->get_object();
            const auto* algorithm = c.if_contains("algorithm");
            const auto* hash = c.if_contains("hash");
            const json::value* value = hash && hash->is_object() ? hash->get_object().if_contains("value") : nullptr;
            // Gatehouse verifies bcrypt only (libxcrypt); another algorithm cannot be checked at login.
            if (!algorithm || !algorithm->is_string())
                errors.push_back(row_error("OBJECT_MISSING_REQUIRED_PROPERTY", "Missing required property: algorithm",
                                           "custom_password_hash.algorithm"));
            else if (algorithm->get_string() != "bcrypt")
                errors.push_back(
                    row_error("ENUM_MISMATCH",
                              "No enum match for: " + std::string(algorithm->get_string()) + " (supported: bcrypt)",
                              "custom_password_hash.algorithm"));
            if (!value || !value->is_string())
                errors.push_back(row_error("OBJECT_MISSING_REQUIRED_PROPERTY", "Missing required property: value",
                                           "custom_password_hash.hash.value"));
            else if (!connections::is_bcrypt_hash(value->get_string()))
                errors.push_back(row_error("INVALID_FORMAT", "custom_password_hash.hash.value must be " + bcrypt_rule(),
                                           "custom_password_hash.hash.value"));
        }
    }
    return errors;
}

json::value masked_import_row(const json::value& row) {
    if (!row.is_object()) return row;
    auto out = row.get_object();
    if (out.contains("password_hash")) out["password_hash"] = "*****";
    if (auto* custom = out.if_contains("custom_password_hash"); custom && custom->is_object())
        if (auto* hash = custom->get_object().if_contains("hash"); hash && hash->is_object())
            if (hash->get_object().contains("value")) hash->get_object()["value"] = "*****";
    return out;
}

const json::array& default_export_fields() {
    static const json::array fields = [] {
        json::array a;
        for (std::string_view name : {"user_id", "email", "email_verified", "username", "name", "given_name",
                                      "family_name", "nickname", "picture", "blocked", "created_at", "updated_at"})
            a.push_back(json::object{{"name", name}});
        return a;
    }();
    return fields;
}

std::string export_line(const store::User& user, const json::array& fields, bool csv) {
    auto rendered = connections::user_to_json(user);
    if (!csv) {
        json::object line;
        for (const auto& f : fields)
            if (const auto* v = field_value(rendered, f.get_object().at("name").get_string()); v && !v->is_null())
                line[column_name(f)] = *v;
        return json::serialize(line) + "\n";
    }
    std::string line;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i) line += ',';
        const auto* v = field_value(rendered, fields[i].get_object().at("name").get_string());
        if (!v || v->is_null()) continue;
        if (v->is_string())
            line += csv_quoted(v->get_string(), true);
        else if (v->is_object() || v->is_array())
            line += csv_quoted(json::serialize(*v), true);
        else
            line += json::serialize(*v);
    }
    return line + "\n";
}

std::string export_csv_header(const json::array& fields) {
    std::string line;
    for (std::size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + csv_quoted(column_name(fields[i]), false);
    return line + "\n";
}

std::string gzip(std::string_view data) {
    z_stream z{};
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
    std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();  // the bound makes room for everything
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

std::string export_location(const Settings& settings, const store::Job& job, std::int64_t now) {
    auto expires = std::to_string(now + kDownloadLinkLifetime);
    auto secret = util::json_string(job.doc, "download_secret");
    auto format = util::json_string(job.doc, "format");
    return settings.issuer + "jobs/exports/" + job.id + "." + format + ".gz?expires=" + expires +
           "&signature=" + util::base64url_encode(util::hmac_sha256(secret, job.id + "." + expires));
}

}  // namespace detail

namespace {

using namespace detail;

constexpr std::size_t kExportPage = 500;
constexpr std::size_t kCheckpointEveryRows = 100;

// The lease of the job a worker runs: renewed as it goes; lost when another worker took the job
// over (this one then stops and writes nothing more).
class Lease {
  public:
    Lease(store::Store& store, const store::Job& job, std::chrono::seconds duration, std::function<bool()> stopping)
        : store_(store),
          id_(job.id),
          until_(job.lease_until),
          duration_(duration.count()),
          stopping_(std::move(stopping)) {}
    // False when the job must stop here: the lease passed to another worker, or this one is
    // stopping (the server shuts down), in which case the lease is given back at once, so another
    // instance, or this one after its restart, takes the job over without waiting for it to pass.
    // With `progress`, the job's doc and errors are saved too (a checkpoint), whatever the lease's age.
    bool keep(const store::Job* progress = nullptr) {
        const bool stop = stopping_();
        const auto now = util::unix_now();
        if (!stop && !progress && now < until_ - duration_ / 2) return true;
        const std::int64_t next = stop ? 0 : now + duration_;
        auto r = progress ? store_.checkpoint_job(*progress, until_, next) : store_.renew_job_lease(id_, until_, next);
        if (!r) return false;
        until_ = next;
        return !stop;
    }
    std::int64_t held() const { return until_; }

  private:
    store::Store& store_;
    std::string id_;
    std::int64_t until_;
    std::int64_t duration_;
    std::function<bool()> stopping_;
};

json::object import_error(const json::value& row, json::array errors) {
    return json::object{{"user", masked_import_row(row)}, {"errors", std::move(errors)}};
}

json::array single(std::string_view code, std::string message) {
    return json::array{json::object{{"code", code}, {"message", std::move(message)}}};
}

// An existing user updated by an upsert: the fields the row has replace the stored ones
// (metadata objects replaced whole); id, email and password stay.
bool upsert_user(store::Store& store, store::User user, const json::object& row) {
    bool blocks = false;
    for (const auto& [k, v] : row) {
        if (k == "email" || k == "user_id" || k == "password_hash" || k == "custom_password_hash") continue;
        if (k == "username") {
            user.username = v.get_string();
            continue;
        }
        if (k == "blocked" && v.as_bool()) blocks = true;
        user.doc[k] = v;
    }
    user.updated_at = util::unix_now();
    if (!store.update_user(user)) return false;
    // As PATCH /users/{id} {blocked: true}: a block ends what the user's logins still hold.
    if (blocks && !connections::end_user_access(store, user.user_id, user.updated_at)) return false;
    return true;
}

// A user the job itself created on an earlier attempt (one that died after writing the user and
// before its next checkpoint): made since the job was, with the row's id when the row names one.
bool made_by_earlier_attempt(const store::Job& job, const store::User& user, const json::object& row) {
    if (job.attempts <= 1 || user.created_at < job.created_at) return false;
    const auto* id = row.if_contains("user_id");
    return !id || user.user_id == "auth0|" + *connections::imported_user_id(id->get_string());
}

// False when the job must stop (lease lost, or shutdown): a later attempt resumes at the last
// checkpoint (every kCheckpointEveryRows rows: the next row, the counts and the errors so far).
bool run_import(store::Store& store, store::Job& job, Lease& lease) {
    std::error_code ec;
    auto parsed = json::parse(job.input, ec);
    if (ec || !parsed.is_array()) {
        job.status = "failed";
        job.doc["status_details"] = "The users file is not a JSON array";
        return true;
    }
    const auto& rows = parsed.get_array();
    const auto connection = util::json_string(job.doc, "connection");
    const bool upsert = util::json_bool(job.doc, "upsert", false);
    connections::DatabaseConnection database(store, connection);
    std::set<std::string> emails_seen;
    json::array errors;
    std::int64_t inserted = 0, updated = 0;
    std::size_t start = 0;
    if (const auto* progress = job.doc.if_contains("progress"); progress && progress->is_object()) {
        const auto& p = progress->get_object();
        start = static_cast<std::size_t>(p.at("next_row").to_number<std::int64_t>());
        inserted = p.at("inserted").to_number<std::int64_t>();
        updated = p.at("updated").to_number<std::int64_t>();
        if (auto saved = json::parse(job.errors, ec); !ec && saved.is_array()) errors = std::move(saved.get_array());
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& row = rows[i];
        if (i > start && i % kCheckpointEveryRows == 0) {
            job.doc["progress"] = json::object{{"next_row", i}, {"inserted", inserted}, {"updated", updated}};
            job.errors = json::serialize(errors);
            job.updated_at = util::unix_now();
            if (!lease.keep(&job)) return false;
        }
        auto row_errors = import_row_errors(row);
        if (i < start) {  // done by an earlier attempt: only its email counts, for duplicates in the file
            if (row_errors.empty()) emails_seen.insert(connections::lower_ascii(row.at("email").get_string()));
            continue;
        }
        if (!row_errors.empty()) {
            errors.push_back(import_error(row, std::move(row_errors)));
            continue;
        }
        const auto& o = row.get_object();
        auto email = connections::lower_ascii(o.at("email").get_string());
        if (!emails_seen.insert(email).second) {
            errors.push_back(import_error(row, single("DUPLICATED_USER", "The user appears twice in the file")));
            continue;
        }
        auto existing = store.find_user_by_email(connection, email);
        if (existing) {
            if (made_by_earlier_attempt(job, *existing, o))
                ++inserted;
            else if (!upsert)
                errors.push_back(import_error(
                    row, single("DUPLICATED_USER", "The user already exist and upsert parameter is false")));
            else if (upsert_user(store, std::move(*existing), o))
                ++updated;
            else
                errors.push_back(import_error(row, single("INTERNAL_ERROR", "The user could not be updated")));
            continue;
        }
        if (existing.error() != store::store_errc::not_found) {
            errors.push_back(import_error(row, single("INTERNAL_ERROR", "The user could not be read")));
            continue;
        }
        connections::NewUser user;
        user.email = email;
        if (const auto* id = o.if_contains("user_id")) user.id = *connections::imported_user_id(id->get_string());
        if (const auto* h = o.if_contains("password_hash"))
            user.password_hash = h->get_string();
        else if (const auto* c = o.if_contains("custom_password_hash"))
            user.password_hash = c->at("hash").at("value").get_string();
        user.without_password = user.password_hash.empty();
        for (const auto& [k, v] : o)
            if (k != "email" && k != "user_id" && k != "password_hash" && k != "custom_password_hash")
                user.profile[k] = v;
        auto created = database.create(std::move(user));
        if (created) {
            ++inserted;
        } else if (created.error() == connections::connection_errc::user_exists) {
            // The id (or username) belongs to another user, maybe of another connection: never touched.
            errors.push_back(import_error(row, single("DUPLICATED_USER", "The user already exists")));
        } else {
            errors.push_back(import_error(row, single("INTERNAL_ERROR", "The user could not be created")));
        }
    }
    job.doc.erase("progress");
    auto failed = static_cast<std::int64_t>(errors.size());
    job.doc["summary"] = json::object{{"failed", failed},
                                      {"updated", updated},
                                      {"inserted", inserted},
                                      {"total", static_cast<std::int64_t>(rows.size())}};
    job.errors = json::serialize(errors);
    job.status = "completed";
    return true;
}

bool run_export(store::Store& store, store::Job& job, Lease& lease) {
    const auto connection = util::json_string(job.doc, "connection");
    const bool csv = util::json_string(job.doc, "format") == "csv";
    const auto* given = job.doc.if_contains("fields");
    const auto& fields = given && given->is_array() ? given->get_array() : default_export_fields();
    std::size_t limit = 0;
    if (const auto* l = job.doc.if_contains("limit"); l && l->is_int64())
        limit = static_cast<std::size_t>(l->get_int64());
    // A re-run (the previous worker died) starts the file over.
    if (!store.clear_job_output(job.id)) return false;
    std::string after;
    std::size_t exported = 0;
    std::int64_t seq = 0;
    for (;;) {
        if (!lease.keep()) return false;
        auto want = limit ? std::min(kExportPage, limit - exported) : kExportPage;
        auto page = want ? store.users_after(connection, after, want) : store::result<std::vector<store::User>>();
        if (!page) {
            job.status = "failed";
            job.doc["status_details"] = "The users could not be read";
            return true;
        }
        std::string chunk = seq == 0 && csv ? export_csv_header(fields) : std::string();
        for (const auto& user : *page) chunk += export_line(user, fields, csv);
        exported += page->size();
        if (!page->empty()) after = page->back().user_id;
        if ((seq == 0 || !page->empty()) && !store.append_job_output(job.id, seq++, util::base64_encode(gzip(chunk)))) {
            job.status = "failed";
            job.doc["status_details"] = "The export file could not be written";
            return true;
        }
        if (page->size() < want || want == 0) break;
    }
    job.status = "completed";
    return true;
}

}  // namespace

JobWorker::JobWorker(store::Store& store, Settings settings, JobWorkerOptions options)
    : store_(store),
      settings_(std::move(settings)),
      options_(options),
      thread_("jobs", options_.poll_interval, [this] { drain_once(); }) {}

JobWorker::~JobWorker() { stop(); }

void JobWorker::start() { thread_.start(); }

void JobWorker::stop() { thread_.stop(); }

void JobWorker::drain_once() {
    for (;;) {
        if (thread_.stopping()) return;
        auto now = util::unix_now();
        auto job = store_.claim_job(now, now + options_.lease.count());
        if (!job) {
            if (job.error() != store::store_errc::not_found)
                spdlog::error("jobs: cannot claim a job: {}", job.error().message());
            return;
        }
        run(std::move(*job));
    }
}

void JobWorker::run(store::Job job) {
    spdlog::info("job {} ({}) started, attempt {}", job.id, job.type, job.attempts);
    Lease lease(store_, job, options_.lease, [this] { return thread_.stopping(); });
    bool held = true;
    if (job.type == "users_import") {
        held = run_import(store_, job, lease);
    } else if (job.type == "users_export") {
        held = run_export(store_, job, lease);
    } else {
        job.status = "failed";
        job.doc["status_details"] = "Unknown job type";
    }
    if (!held) {
        spdlog::warn("job {}: stopped before it finished (shutdown, or its lease passed to another worker)", job.id);
        return;
    }
    job.updated_at = util::unix_now();
    job.expires_at = job.updated_at + kJobRetention;
    if (auto r = store_.finish_job(job, lease.held()); !r)
        spdlog::error("job {}: cannot record its outcome: {}", job.id, r.error().message());
    else
        spdlog::info("job {} {}", job.id, job.status);
}

ApiResponse download_export(store::Store& store, std::string_view file, std::string_view expires,
                            std::string_view signature, std::int64_t now) {
    auto not_found = [] { return render_error(make_error(mgmt_errc::route_not_found)); };
    auto dot = file.find('.');
    auto id = file.substr(0, dot);
    if (dot == std::string_view::npos || !id.starts_with("job_") || id.size() > 64 ||
        !std::all_of(id.begin(), id.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }))
        return not_found();
    std::int64_t expiry = 0;
    auto [end, ec] = std::from_chars(expires.data(), expires.data() + expires.size(), expiry);
    if (expires.empty() || expires.size() > 12 || ec != std::errc() || end != expires.data() + expires.size() ||
        expiry <= now)
        return not_found();
    auto job = store.get_job(id);
    if (!job || job->type != "users_export" || job->status != "completed") return not_found();
    auto secret = util::json_string(job->doc, "download_secret");
    auto format = util::json_string(job->doc, "format");
    auto expected = util::base64url_encode(util::hmac_sha256(secret, job->id + "." + std::string(expires)));
    if (secret.empty() || file != job->id + "." + format + ".gz" || !util::constant_time_equal(signature, expected))
        return not_found();
    auto chunks = store.job_output(job->id);
    if (!chunks) return render_error(make_error(mgmt_errc::internal_error));
    ApiResponse res;
    for (const auto& chunk : *chunks) {
        auto bytes = util::base64_decode(chunk);
        if (!bytes) return render_error(make_error(mgmt_errc::internal_error));
        res.body += *bytes;
    }
    res.headers = {{"Content-Type", "application/gzip"},
                   {"Content-Disposition", "attachment; filename=\"" + std::string(file) + "\""}};
    return res;
}

}  // namespace gatehouse::mgmt
