#include "store/sql/sql_store.hpp"

#include "store/event_log.hpp"
#include "store/migrations.hpp"
#include "store/sql/user_search_sql.hpp"
#include "util/util.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <deque>
#include <limits>
#include <set>
#include <stdexcept>
#include <utility>

namespace gatehouse::store::sql {

namespace {

using boost::system::error_code;

error_code fail(store_errc e) { return make_error_code(e); }

// A consumed/rotated marker of 0 would read as "still unused", so a broken clock must not be
// able to write one.
std::int64_t marker(std::int64_t now) { return std::max<std::int64_t>(now, 1); }

std::int64_t clamp(std::size_t n) {
    return static_cast<std::int64_t>(std::min<std::size_t>(n, std::numeric_limits<std::int64_t>::max()));
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (auto& ch : out)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return out;
}

result<json::object> parse_object(const std::string& text) {
    error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) {
        spdlog::error("store: a stored document is not a JSON object");
        return fail(store_errc::backend);
    }
    return std::move(v.as_object());
}

std::string scope_text(const std::vector<std::string>& scope) {
    json::array a;
    for (const auto& s : scope) a.emplace_back(s);
    return json::serialize(a);
}

result<std::vector<std::string>> parse_scope(const std::string& text) {
    error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_array()) {
        spdlog::error("store: a stored client grant scope is not a JSON array");
        return fail(store_errc::backend);
    }
    std::vector<std::string> out;
    for (const auto& s : v.as_array()) {
        if (!s.is_string()) return fail(store_errc::backend);
        out.emplace_back(s.as_string());
    }
    return out;
}

// Private keys are opaque bytes to the store; base64 keeps them legal in a PostgreSQL TEXT column
// (no NUL, valid UTF-8) whatever encoding jose chooses.
result<SigningKey> key_from(const row& r) {
    SigningKey k;
    k.kid = r.text(0);
    k.alg = r.text(1);
    auto pk = util::base64_decode(r.text(2));
    if (!pk) {
        spdlog::error("store: signing key {} has a malformed private key column", k.kid);
        return fail(store_errc::backend);
    }
    k.private_key = std::move(*pk);
    k.public_jwk = r.text(3);
    k.created_at = r.int64(4);
    k.retired_at = r.int64(5);
    k.expires_at = r.int64(6);
    k.revoked_at = r.int64(7);
    return k;
}

result<Client> client_from(const row& r) {
    Client c;
    c.client_id = r.text(0);
    c.secret_hash = r.text(1);
    auto doc = parse_object(r.text(2));
    if (!doc) return doc.error();
    c.doc = std::move(*doc);
    c.created_at = r.int64(3);
    c.updated_at = r.int64(4);
    return c;
}

result<Connection> connection_from(const row& r) {
    Connection c;
    c.id = r.text(0);
    c.name = r.text(1);
    c.strategy = r.text(2);
    auto doc = parse_object(r.text(3));
    if (!doc) return doc.error();
    c.doc = std::move(*doc);
    c.version = r.int64(4);
    c.created_at = r.int64(5);
    c.updated_at = r.int64(6);
    return c;
}

result<ResourceServer> resource_server_from(const row& r) {
    ResourceServer s;
    s.id = r.text(0);
    s.identifier = r.text(1);
    auto doc = parse_object(r.text(2));
    if (!doc) return doc.error();
    s.doc = std::move(*doc);
    s.created_at = r.int64(3);
    s.updated_at = r.int64(4);
    return s;
}

result<ClientGrant> client_grant_from(const row& r) {
    ClientGrant g;
    g.id = r.text(0);
    g.client_id = r.text(1);
    g.audience = r.text(2);
    auto scope = parse_scope(r.text(3));
    if (!scope) return scope.error();
    g.scope = std::move(*scope);
    g.created_at = r.int64(4);
    return g;
}

result<User> user_from(const row& r) {
    User u;
    u.user_id = r.text(0);
    u.connection = r.text(1);
    u.email = r.text(2);
    u.username = r.text(3);
    u.password_hash = r.text(4);
    auto doc = parse_object(r.text(5));
    if (!doc) return doc.error();
    u.doc = std::move(*doc);
    u.created_at = r.int64(6);
    u.updated_at = r.int64(7);
    return u;
}

result<Role> role_from(const row& r) {
    Role role;
    role.id = r.text(0);
    role.name = r.text(1);
    role.description = r.text(2);
    role.created_at = r.int64(3);
    role.updated_at = r.int64(4);
    return role;
}

result<Organization> organization_from(const row& r) {
    Organization o;
    o.id = r.text(0);
    o.name = r.text(1);
    o.display_name = r.text(2);
    auto doc = parse_object(r.text(3));
    if (!doc) return doc.error();
    o.doc = std::move(*doc);
    o.created_at = r.int64(4);
    o.updated_at = r.int64(5);
    return o;
}

result<OrganizationConnection> organization_connection_from(const row& r) {
    OrganizationConnection c;
    c.connection_id = r.text(0);
    c.assign_membership_on_login = r.int64(1) != 0;
    c.show_as_button = r.int64(2) != 0;
    c.is_signup_enabled = r.int64(3) != 0;
    c.name = r.text(4);
    c.strategy = r.text(5);
    return c;
}

result<OrganizationInvitation> invitation_from(const row& r) {
    OrganizationInvitation i;
    i.id = r.text(0);
    i.org_id = r.text(1);
    i.ticket_hash = r.text(2);
    auto doc = parse_object(r.text(3));
    if (!doc) return doc.error();
    i.doc = std::move(*doc);
    i.created_at = r.int64(4);
    i.expires_at = r.int64(5);
    return i;
}

result<Permission> permission_from(const row& r) { return Permission{r.text(0), r.text(1)}; }

result<AuthorizationCode> code_from(const row& r) {
    AuthorizationCode c;
    c.code_hash = r.text(0);
    c.grant_id = r.text(1);
    c.client_id = r.text(2);
    c.user_id = r.text(3);
    c.redirect_uri = r.text(4);
    c.scope = r.text(5);
    c.audience = r.text(6);
    c.nonce = r.text(7);
    c.code_challenge = r.text(8);
    c.code_challenge_method = r.text(9);
    c.session_id = r.text(10);
    c.auth_time = r.int64(11);
    c.expires_at = r.int64(12);
    c.consumed_at = r.int64(13);
    return c;
}

result<RefreshToken> refresh_from(const row& r) {
    RefreshToken t;
    t.token_hash = r.text(0);
    t.grant_id = r.text(1);
    t.client_id = r.text(2);
    t.user_id = r.text(3);
    t.scope = r.text(4);
    t.audience = r.text(5);
    t.session_id = r.text(6);
    t.auth_time = r.int64(7);
    t.created_at = r.int64(8);
    t.expires_at = r.int64(9);
    t.idle_expires_at = r.int64(10);
    t.generation = r.int64(11);
    t.rotated_at = r.int64(12);
    t.revoked_at = r.int64(13);
    return t;
}

result<Session> session_from(const row& r) {
    Session s;
    s.id_hash = r.text(0);
    s.user_id = r.text(1);
    s.connection = r.text(2);
    s.auth_time = r.int64(3);
    s.created_at = r.int64(4);
    s.expires_at = r.int64(5);
    return s;
}

result<Interaction> interaction_from(const row& r) {
    Interaction i;
    i.id = r.text(0);
    i.kind = r.text(1);
    auto doc = parse_object(r.text(2));
    if (!doc) return doc.error();
    i.doc = std::move(*doc);
    i.expires_at = r.int64(3);
    return i;
}

result<UserTicket> ticket_from(const row& r) {
    UserTicket t;
    t.id_hash = r.text(0);
    t.kind = r.text(1);
    t.user_id = r.text(2);
    auto doc = parse_object(r.text(3));
    if (!doc) return doc.error();
    t.doc = std::move(*doc);
    t.created_at = r.int64(4);
    t.expires_at = r.int64(5);
    t.used_at = r.int64(6);
    return t;
}

result<Mail> mail_from(const row& r) {
    Mail m;
    m.id = r.text(0);
    m.recipient = r.text(1);
    m.sender = r.text(2);
    m.subject = r.text(3);
    m.html_body = r.text(4);
    m.status = r.text(5);
    m.attempts = r.int64(6);
    m.created_at = r.int64(7);
    m.next_attempt_at = r.int64(8);
    m.lease_until = r.int64(9);
    m.last_error = r.text(10);
    return m;
}

result<Job> job_from(const row& r) {
    Job j;
    j.id = r.text(0);
    j.type = r.text(1);
    j.status = r.text(2);
    auto doc = parse_object(r.text(3));
    if (!doc) return doc.error();
    j.doc = std::move(*doc);
    j.input = r.text(4);
    j.errors = r.text(5);
    j.attempts = r.int64(6);
    j.created_at = r.int64(7);
    j.updated_at = r.int64(8);
    j.lease_until = r.int64(9);
    j.expires_at = r.int64(10);
    return j;
}

result<LogEvent> log_from(const row& r) {
    LogEvent e;
    e.log_id = r.text(0);
    e.date_ms = r.int64(1);
    e.type = r.text(2);
    e.description = r.text(3);
    e.client_id = r.text(4);
    e.client_name = r.text(5);
    e.ip = r.text(6);
    e.user_id = r.text(7);
    e.user_name = r.text(8);
    e.connection = r.text(9);
    auto details = parse_object(r.text(10));
    if (!details) return details.error();
    e.details = std::move(*details);
    return e;
}

// Tenant logs are stored as runs (migration 16): events of one type, client and user, in log_id
// order, their dates at most kLogRunSpanMs apart, at most kLogRunEvents of them.
constexpr std::int64_t kLogRunSpanMs = 1000;
constexpr std::size_t kLogRunEvents = 256;

// What a clause of a log filter is about:
//   event: one event (the rows of log_run_events), exactly;
//   run_exact: a run of which every event matches (its events can be counted without reading them);
//   run_candidate: a run of which some event may match (the runs whose events are read).
// Type, client and user are the run's own, so they are exact at every level; a date range or a
// checkpoint is exact per event only, and bounds the runs through log_id and last_log_id.
enum class log_level { event, run_exact, run_candidate };

// `date_ms - kLogRunSpanMs`, kept from wrapping around: the earliest first event of a run that
// holds an event dated `date_ms`.
std::int64_t earliest_run_start(std::int64_t date_ms) {
    return date_ms < INT64_MIN + kLogRunSpanMs ? INT64_MIN : date_ms - kLogRunSpanMs;
}

// The date a log_id begins with (new_log_id), or nullopt for text that does not begin with 14 digits
// (no event has such an id).
std::optional<std::int64_t> log_id_date(std::string_view log_id) {
    if (log_id.size() < 14) return std::nullopt;
    std::int64_t date = 0;
    for (char ch : log_id.substr(0, 14)) {
        if (ch < '0' || ch > '9') return std::nullopt;
        date = date * 10 + (ch - '0');
    }
    return date;
}

// The WHERE clauses of a log filter: column names come from this class only, every value is a bound
// parameter ($n), so nothing a caller sends becomes SQL text. Clauses made by one LogWhere share its
// parameters, and so go in one statement.
class LogWhere {
  public:
    std::string clause(const LogFilter& filter, log_level level) {
        std::string out;
        add(out, filter, level);
        return out;
    }
    // Events after `log_id` (checkpoint paging), at `level`.
    std::string after(std::string_view log_id, log_level level) {
        auto id = "$" + std::to_string(bind(log_id));
        if (level != log_level::run_candidate) return column("log_id", level) + " > " + id;
        std::string out = "r.last_log_id > " + id;
        if (auto date = log_id_date(log_id)) out += " AND r.log_id >= " + text(log_id_floor(earliest_run_start(*date)));
        return out;
    }
    std::vector<param>& params() { return params_; }
    std::size_t bind(param p) {
        params_.push_back(p);
        return params_.size();
    }
    // "$n" of a value made here (log_id bounds).
    std::string text(std::string value) {
        return "$" + std::to_string(bind(std::string_view(texts_.emplace_back(std::move(value)))));
    }

  private:
    // A run's columns are named through its alias, r: json_each has a column called type too.
    static std::string column(std::string_view name, log_level level) {
        return (level == log_level::event ? "" : "r.") + std::string(name);
    }
    void add(std::string& out, const LogFilter& f, log_level level) {
        using kind = LogFilter::kind;
        switch (f.op) {
            case kind::all:
                out += "1 = 1";
                return;
            case kind::type:
                return equals(out, column("type", level), f.value, index::whole);
            case kind::user_id:
                return equals(out, column("user_id", level), f.value, index::where_set);
            case kind::client_id:
                return equals(out, column("client_id", level), f.value, index::where_set);
            case kind::date:
                out += "(1 = 1";
                date_range(out, f.from_ms, f.to_ms, level);
                out += ")";
                return;
            case kind::both:
            case kind::either: {
                if (f.operands.empty()) {
                    out += f.op == kind::both ? "1 = 1" : "1 = 0";
                    return;
                }
                out += "(";
                for (std::size_t i = 0; i < f.operands.size(); ++i) {
                    if (i) out += f.op == kind::both ? " AND " : " OR ";
                    add(out, f.operands[i], level);
                }
                out += ")";
                return;
            }
        }
    }
    // log_id begins with the date, clamped to 0 .. kLastLogIdDate (new_log_id): a range is also one
    // of log_id, which is what the primary key's index walks (date_ms has none).
    void date_range(std::string& out, std::int64_t from, std::int64_t to, log_level level) {
        const bool from_set = from != INT64_MIN, to_set = to != INT64_MAX;
        switch (level) {
            case log_level::event:
                if (from_set)
                    out += " AND date_ms >= CAST($" + std::to_string(bind(from)) +
                           " AS BIGINT) AND log_id >= " + text(log_id_floor(from));
                if (to_set) {
                    out += " AND date_ms <= CAST($" + std::to_string(bind(to)) + " AS BIGINT)";
                    if (to < kLastLogIdDate) out += " AND log_id < " + text(log_id_floor(to + 1));
                }
                return;
            case log_level::run_exact:
                // Every event of the run in range, judged by its ids alone: only where the clamp cannot
                // make an earlier or later date look in range.
                if (from_set)
                    out += from >= 1 && from <= kLastLogIdDate ? " AND r.log_id >= " + text(log_id_floor(from))
                                                               : std::string(" AND 1 = 0");
                if (to_set)
                    out += to < kLastLogIdDate ? " AND r.last_log_id < " + text(log_id_floor(to + 1))
                                               : std::string(" AND 1 = 0");
                return;
            case log_level::run_candidate:
                if (from_set)
                    out += " AND r.last_log_id >= " + text(log_id_floor(from)) +
                           " AND r.log_id >= " + text(log_id_floor(earliest_run_start(from)));
                if (to_set && to < kLastLogIdDate) out += " AND r.log_id < " + text(log_id_floor(to + 1));
                return;
        }
    }
    // user_id and client_id are indexed only where they are not empty (migrations 14, 16): the index's
    // condition, repeated word for word, is what lets SQLite and PostgreSQL use it.
    enum class index { whole, where_set };
    void equals(std::string& out, const std::string& name, const std::string& value, index indexed) {
        out += "(" + name + " = CAST($" + std::to_string(bind(std::string_view(value))) + " AS TEXT)";
        if (indexed == index::where_set && !value.empty()) out += " AND " + name + " <> ''";
        out += ")";
    }

    std::deque<std::string> texts_;  // values made here (log_id bounds) that params_ point into
    std::vector<param> params_;
};

template <class T>
result<T> first_row(result<exec_result> r, result<T> (*map)(const row&)) {
    if (!r) return r.error();
    if (r->rows.empty()) return fail(store_errc::not_found);
    return map(r->rows.front());
}

template <class T>
result<PageResult<T>> page_of(result<exec_result> rows, result<exec_result> count, result<T> (*map)(const row&)) {
    if (!rows) return rows.error();
    if (!count) return count.error();
    PageResult<T> out;
    out.items.reserve(rows->rows.size());
    for (const auto& r : rows->rows) {
        auto item = map(r);
        if (!item) return item.error();
        out.items.push_back(std::move(*item));
    }
    out.total = count->rows.empty() ? 0 : static_cast<std::size_t>(count->rows.front().int64(0));
    return out;
}

result<void> affected_or_not_found(result<exec_result> r) {
    if (!r) return r.error();
    if (r->affected == 0) return fail(store_errc::not_found);
    return {};
}

// not_found unless `q` (keyed by `key`) finds a row.
result<void> row_exists(connection& c, query q, std::string_view key) {
    auto r = c.exec(q, {key});
    if (!r) return r.error();
    if (r->rows.empty()) return fail(store_errc::not_found);
    return {};
}

result<void> ok_or_error(result<exec_result> r) {
    if (!r) return r.error();
    return {};
}

template <class F>
auto transact_on(connection& c, F&& f) -> decltype(f(c)) {
    if (auto b = c.exec(query::begin, {}); !b) return b.error();
    auto out = f(c);
    if (!out) {
        (void)c.exec(query::rollback, {});
        return out;
    }
    if (auto e = c.exec(query::commit, {}); !e) {
        (void)c.exec(query::rollback, {});
        return e.error();
    }
    return out;
}

}  // namespace

void require_known_schema(int version) {
    if (version > latest_schema_version())
        throw std::runtime_error("database schema version " + std::to_string(version) +
                                 " is newer than this Gatehouse understands (" +
                                 std::to_string(latest_schema_version()) + "); upgrade Gatehouse");
}

sql_store::sql_store(std::unique_ptr<sql::pool> pool, std::unique_ptr<sql::pool> log_pool)
    : pool_(std::move(pool)), log_pool_(std::move(log_pool)) {}

template <class F>
auto sql_store::transact_in(sql::pool& p, F&& f) -> decltype(f(std::declval<connection&>())) {
    auto c = p.acquire();
    return transact_on(*c, std::forward<F>(f));
}

result<exec_result> sql_store::run_in(sql::pool& p, query q, std::initializer_list<param> params) {
    auto c = p.acquire();
    return c->exec(q, params);
}

result<void> sql_store::run_config_write(query q, std::initializer_list<param> params, bool must_affect) {
    return transact([&](connection& c) -> result<void> {
        if (auto b = c.exec(query::config_version_bump, {}); !b) return b.error();
        auto r = c.exec(q, params);
        if (!r) return r.error();
        if (must_affect && r->affected == 0) return fail(store_errc::not_found);
        return {};
    });
}

// ---- schema ---------------------------------------------------------------------------------

result<int> sql_store::migrate() {
    auto c = pool_->acquire();
    // Two instances starting together may race on CREATE TABLE IF NOT EXISTS in PostgreSQL's
    // catalog; the loser's retry sees the table.
    auto ddl = c->exec_script(schema_migrations_ddl);
    if (!ddl) ddl = c->exec_script(schema_migrations_ddl);
    if (!ddl) return ddl.error();
    if (auto s = c->exec(query::migrations_seed, {util::unix_now()}); !s) return s.error();
    return transact_on(*c, [](connection& conn) -> result<int> {
        if (auto l = conn.exec(query::migrations_lock, {}); !l) return l.error();
        auto cur = conn.exec(query::migrations_current, {});
        if (!cur) return cur.error();
        auto version = static_cast<int>(cur->rows.empty() ? 0 : cur->rows.front().int64(0));
        for (const auto& m : migrations()) {
            if (m.version <= version) continue;
            if (auto r = conn.exec_script(migration_sql(m, conn.dialect())); !r) {
                spdlog::error("store: migration {} ({}) failed", m.version, m.name);
                return r.error();
            }
            auto rec = conn.exec(query::migrations_record, {std::int64_t{m.version}, m.name, util::unix_now()});
            if (!rec) return rec.error();
            spdlog::info("store: applied migration {} ({})", m.version, m.name);
            version = m.version;
        }
        return version;
    });
}

// Expired rows go in statements of at most this many, each its own transaction: the first purge
// after a long stop (or a shorter log retention) may find millions, and must not hold a connection
// (SQLite's only one) while it deletes them.
constexpr std::int64_t kPurgeBatch = 5000;

// Runs a purge statement ($1 the cut-off, $2 the batch) until one takes fewer rows than the batch.
// The idle refresh purge counts tokens but limits families, each of at least one token, so fewer
// tokens than the batch also means it took every family left.
result<std::size_t> sql_store::delete_in_batches(sql::pool& p, query q, param cutoff) {
    std::size_t removed = 0;
    for (;;) {
        auto r = run_in(p, q, {cutoff, kPurgeBatch});
        if (!r) return r.error();
        // A statement that returns a row per deleted row counts what each held (a log run: its events).
        std::int64_t deleted = r->affected;
        if (!r->rows.empty()) {
            deleted = static_cast<std::int64_t>(r->rows.size());
            for (const auto& row : r->rows) removed += static_cast<std::size_t>(row.int64(0));
        } else {
            removed += static_cast<std::size_t>(r->affected);
        }
        if (deleted < kPurgeBatch) return removed;
    }
}

result<std::size_t> sql_store::purge_expired(std::int64_t now) {
    std::size_t removed = 0;
    for (auto q : {query::purge_interactions, query::purge_codes, query::purge_sessions, query::purge_refresh_tokens,
                   query::purge_idle_refresh_tokens, query::purge_tickets, query::purge_organization_invitations,
                   query::purge_grant_organizations}) {
        auto r = delete_in_batches(*pool_, q, now);
        if (!r) return r.error();
        removed += *r;
    }
    // Finished jobs are few (one per import or export); their output goes first.
    auto finished_jobs = transact([&](connection& c) -> result<std::size_t> {
        std::size_t jobs = 0;
        for (auto q : {query::purge_job_output, query::purge_jobs}) {
            auto r = c.exec(q, {now});
            if (!r) return r.error();
            jobs += static_cast<std::size_t>(r->affected);
        }
        return jobs;
    });
    if (!finished_jobs) return finished_jobs.error();
    return removed + *finished_jobs;
}

// ---- meta -----------------------------------------------------------------------------------

result<std::optional<std::string>> sql_store::get_meta(std::string_view key) {
    auto r = run(query::meta_get, {key});
    if (!r) return r.error();
    if (r->rows.empty()) return std::optional<std::string>();
    return std::optional<std::string>(r->rows.front().text(0));
}

result<void> sql_store::set_meta(std::string_view key, std::string_view value) {
    return ok_or_error(run(query::meta_set, {key, value}));
}

result<void> sql_store::create_meta(std::string_view key, std::string_view value) {
    auto r = run(query::meta_create, {key, value});
    if (!r) return r.error();
    if (r->affected == 0) return fail(store_errc::already_exists);
    return {};
}

result<void> sql_store::delete_meta(std::string_view key) { return ok_or_error(run(query::meta_delete, {key})); }

result<std::int64_t> sql_store::config_version() {
    auto r = run(query::config_version_get, {});
    if (!r) return r.error();
    if (r->rows.empty()) return fail(store_errc::backend);
    return r->rows.front().int64(0);
}

// ---- tenant settings ------------------------------------------------------------------------

result<TenantSettings> sql_store::get_tenant_settings() {
    auto r = run(query::tenant_settings_get, {});
    if (!r) return r.error();
    if (r->rows.empty()) return fail(store_errc::backend);  // the migration inserts the row
    const auto& row = r->rows.front();
    auto doc = parse_object(row.text(0));
    if (!doc) return doc.error();
    return TenantSettings{std::move(*doc), row.int64(1), row.int64(2)};
}

result<void> sql_store::put_tenant_settings(const TenantSettings& s, std::int64_t expected_version) {
    return transact([&](connection& c) -> result<void> {
        if (auto b = c.exec(query::config_version_bump, {}); !b) return b.error();
        auto r = c.exec(query::tenant_settings_update,
                        {json::serialize(s.doc), expected_version + 1, s.updated_at, expected_version});
        if (!r) return r.error();
        return r->affected == 1 ? result<void>{} : fail(store_errc::conflict);
    });
}

// ---- keys -----------------------------------------------------------------------------------

result<void> sql_store::add_key(const SigningKey& k) {
    return run_config_write(query::key_insert,
                            {k.kid, k.alg, util::base64_encode(k.private_key), k.public_jwk, k.created_at, k.retired_at,
                             k.expires_at, k.revoked_at},
                            false);
}

namespace {

result<std::vector<SigningKey>> keys_from(result<exec_result> r) {
    if (!r) return r.error();
    std::vector<SigningKey> out;
    for (const auto& row : r->rows) {
        auto k = key_from(row);
        if (!k) return k.error();
        out.push_back(std::move(*k));
    }
    return out;
}

}  // namespace

result<std::vector<SigningKey>> sql_store::list_keys(std::int64_t now) {
    return keys_from(run(query::key_list, {now}));
}

result<std::vector<SigningKey>> sql_store::list_all_keys() { return keys_from(run(query::key_list_all, {})); }

result<void> sql_store::revoke_key(std::string_view kid, std::int64_t now) {
    return run_config_write(query::key_revoke, {now, kid}, true);
}

result<void> sql_store::rotate_key(const SigningKey& next, std::int64_t now, std::int64_t keep_until) {
    auto private_key = util::base64_encode(next.private_key);
    return transact([&](connection& c) -> result<void> {
        if (auto b = c.exec(query::config_version_bump, {}); !b) return b.error();
        if (auto r = c.exec(query::key_retire, {marker(now), keep_until, next.alg}); !r) return r.error();
        return ok_or_error(c.exec(query::key_insert, {next.kid, next.alg, private_key, next.public_jwk, next.created_at,
                                                      std::int64_t{0}, next.expires_at, std::int64_t{0}}));
    });
}

// ---- clients --------------------------------------------------------------------------------

result<void> sql_store::create_client(const Client& c) {
    return run_config_write(query::client_insert,
                            {c.client_id, c.secret_hash, json::serialize(c.doc), c.created_at, c.updated_at}, false);
}

result<Client> sql_store::get_client(std::string_view client_id) {
    return first_row(run(query::client_get, {client_id}), &client_from);
}

result<PageResult<Client>> sql_store::list_clients(Page p) {
    auto c = pool_->acquire();
    auto rows = c->exec(query::client_list, {clamp(p.limit), clamp(p.offset)});
    auto count = c->exec(query::client_count, {});
    return page_of(std::move(rows), std::move(count), &client_from);
}

result<PageResult<Client>> sql_store::list_clients_filtered(Page p, const std::vector<std::string>& app_types,
                                                            std::optional<bool> first_party) {
    std::string types;
    if (!app_types.empty()) {
        types = ",";
        for (const auto& t : app_types) types += t + ",";
    }
    std::string_view fp = !first_party ? "" : *first_party ? "true" : "false";
    auto c = pool_->acquire();
    auto rows = c->exec(query::client_list_filtered, {clamp(p.limit), clamp(p.offset), types, fp});
    auto count = c->exec(query::client_count_filtered, {types, fp});
    return page_of(std::move(rows), std::move(count), &client_from);
}

result<void> sql_store::update_client(const Client& c) {
    return run_config_write(query::client_update, {c.client_id, c.secret_hash, json::serialize(c.doc), c.updated_at},
                            true);
}

result<void> sql_store::delete_client(std::string_view client_id) {
    return transact([&](connection& c) -> result<void> {
        if (auto b = c.exec(query::config_version_bump, {}); !b) return b.error();
        if (auto r = affected_or_not_found(c.exec(query::client_delete, {client_id})); !r) return r;
        return ok_or_error(c.exec(query::client_grants_delete_by_client, {client_id}));
    });
}

// ---- connections ----------------------------------------------------------------------------

result<void> sql_store::create_connection(const Connection& c) {
    return run_config_write(query::connection_insert,
                            {c.id, c.name, c.strategy, json::serialize(c.doc), c.version, c.created_at, c.updated_at},
                            false);
}

result<Connection> sql_store::get_connection(std::string_view id) {
    return first_row(run(query::connection_get, {id}), &connection_from);
}

result<Connection> sql_store::get_connection_by_name(std::string_view name) {
    return first_row(run(query::connection_get_by_name, {name}), &connection_from);
}

result<PageResult<Connection>> sql_store::list_connections(Page p, const std::vector<std::string>& strategies,
                                                           std::string_view name) {
    std::string list;
    if (!strategies.empty()) {
        list = ",";
        for (const auto& s : strategies) list += s + ",";
    }
    auto c = pool_->acquire();
    auto rows = c->exec(query::connection_list, {clamp(p.limit), clamp(p.offset), list, name});
    auto count = c->exec(query::connection_count, {list, name});
    return page_of(std::move(rows), std::move(count), &connection_from);
}

result<void> sql_store::update_connection(const Connection& conn, std::int64_t expected_version) {
    auto doc = json::serialize(conn.doc);
    return transact([&](connection& c) -> result<void> {
        if (auto b = c.exec(query::config_version_bump, {}); !b) return b.error();
        auto r = c.exec(query::connection_update,
                        {conn.id, conn.strategy, doc, expected_version + 1, conn.updated_at, expected_version});
        if (!r) return r.error();
        if (r->affected == 1) return {};
        auto exists = c.exec(query::connection_exists, {conn.id});
        if (!exists) return exists.error();
        return fail(exists->rows.empty() ? store_errc::not_found : store_errc::conflict);
    });
}

result<void> sql_store::delete_connection(std::string_view id) {
    return transact([&](connection& c) -> result<void> {
        if (auto b = c.exec(query::config_version_bump, {}); !b) return b.error();
        if (auto r = affected_or_not_found(c.exec(query::connection_delete, {id})); !r) return r;
        if (auto d = c.exec(query::organization_connections_delete_by_connection, {id}); !d) return d.error();
        return {};
    });
}

// ---- resource servers -----------------------------------------------------------------------

result<void> sql_store::create_resource_server(const ResourceServer& s) {
    return run_config_write(query::resource_server_insert,
                            {s.id, s.identifier, json::serialize(s.doc), s.created_at, s.updated_at}, false);
}

result<ResourceServer> sql_store::get_resource_server(std::string_view id) {
    return first_row(run(query::resource_server_get, {id}), &resource_server_from);
}

result<ResourceServer> sql_store::get_resource_server_by_identifier(std::string_view identifier) {
    return first_row(run(query::resource_server_get_by_identifier, {identifier}), &resource_server_from);
}

result<PageResult<ResourceServer>> sql_store::list_resource_servers(Page p) {
    auto c = pool_->acquire();
    auto rows = c->exec(query::resource_server_list, {clamp(p.limit), clamp(p.offset)});
    auto count = c->exec(query::resource_server_count, {});
    return page_of(std::move(rows), std::move(count), &resource_server_from);
}

result<PageResult<ResourceServer>> sql_store::list_resource_servers_by_identifier(
    Page p, const std::vector<std::string>& identifiers) {
    json::array list;
    for (const auto& i : identifiers) list.emplace_back(i);
    auto text = json::serialize(list);
    auto c = pool_->acquire();
    auto rows = c->exec(query::resource_server_list_by_identifier, {clamp(p.limit), clamp(p.offset), text});
    auto count = c->exec(query::resource_server_count_by_identifier, {text});
    return page_of(std::move(rows), std::move(count), &resource_server_from);
}

namespace {

// The scope names an API document defines: its permission catalogue.
std::set<std::string> defined_scopes(const json::object& doc) {
    std::set<std::string> out;
    if (const auto* scopes = doc.if_contains("scopes"); scopes && scopes->is_array())
        for (const auto& s : scopes->get_array())
            if (const auto* o = s.if_object())
                if (const auto* v = o->if_contains("value"); v && v->is_string()) out.emplace(v->get_string());
    return out;
}

}  // namespace

result<void> sql_store::update_resource_server(const ResourceServer& s) {
    auto doc = json::serialize(s.doc);
    auto kept = defined_scopes(s.doc);
    return transact([&](connection& c) -> result<void> {
        if (auto b = c.exec(query::config_version_bump, {}); !b) return b.error();
        if (auto r = affected_or_not_found(c.exec(query::resource_server_update, {s.id, doc, s.updated_at})); !r)
            return r;
        // As on Auth0, a scope the API no longer defines is no longer anyone's permission.
        auto held = c.exec(query::api_permission_names, {s.identifier});
        if (!held) return held.error();
        for (const auto& r : held->rows) {
            auto name = r.text(0);
            if (kept.contains(name)) continue;
            for (auto q : {query::role_permissions_delete_name, query::user_permissions_delete_name})
                if (auto d = c.exec(q, {s.identifier, name}); !d) return d.error();
        }
        return {};
    });
}

result<void> sql_store::delete_resource_server(std::string_view id) {
    return transact([&](connection& c) -> result<void> {
        auto before = first_row(c.exec(query::resource_server_get, {id}), &resource_server_from);
        if (!before) return before.error();
        if (auto b = c.exec(query::config_version_bump, {}); !b) return b.error();
        if (auto r = affected_or_not_found(c.exec(query::resource_server_delete, {id})); !r) return r;
        for (auto q : {query::role_permissions_delete_by_api, query::user_permissions_delete_by_api})
            if (auto d = c.exec(q, {before->identifier}); !d) return d.error();
        return {};
    });
}

// ---- client grants --------------------------------------------------------------------------

result<void> sql_store::create_client_grant(const ClientGrant& g) {
    return run_config_write(query::client_grant_insert,
                            {g.id, g.client_id, g.audience, scope_text(g.scope), g.created_at}, false);
}

result<ClientGrant> sql_store::get_client_grant(std::string_view id) {
    return first_row(run(query::client_grant_get, {id}), &client_grant_from);
}

result<ClientGrant> sql_store::find_client_grant(std::string_view client_id, std::string_view audience) {
    return first_row(run(query::client_grant_find, {client_id, audience}), &client_grant_from);
}

result<PageResult<ClientGrant>> sql_store::list_client_grants(Page p, std::string_view client_id,
                                                              std::string_view audience) {
    auto c = pool_->acquire();
    auto rows = c->exec(query::client_grant_list, {clamp(p.limit), clamp(p.offset), client_id, audience});
    auto count = c->exec(query::client_grant_count, {client_id, audience});
    return page_of(std::move(rows), std::move(count), &client_grant_from);
}

result<void> sql_store::update_client_grant(const ClientGrant& g) {
    return run_config_write(query::client_grant_update, {g.id, scope_text(g.scope)}, true);
}

result<void> sql_store::delete_client_grant(std::string_view id) {
    return run_config_write(query::client_grant_delete, {id}, true);
}

// ---- users ----------------------------------------------------------------------------------

result<void> sql_store::create_user(const User& u) {
    return ok_or_error(run(query::user_insert, {u.user_id, u.connection, u.email, ascii_lower(u.email), u.username,
                                                u.password_hash, json::serialize(u.doc), u.created_at, u.updated_at}));
}

result<User> sql_store::get_user(std::string_view user_id) {
    return first_row(run(query::user_get, {user_id}), &user_from);
}

result<User> sql_store::find_user_by_email(std::string_view connection, std::string_view email) {
    return first_row(run(query::user_by_email, {connection, ascii_lower(email)}), &user_from);
}

result<User> sql_store::find_user_by_username(std::string_view connection, std::string_view username) {
    return first_row(run(query::user_by_username, {connection, username}), &user_from);
}

result<PageResult<User>> sql_store::list_users(Page p, std::string_view email) {
    auto c = pool_->acquire();
    if (email.empty()) {
        auto rows = c->exec(query::user_list, {clamp(p.limit), clamp(p.offset)});
        auto count = c->exec(query::user_count, {});
        return page_of(std::move(rows), std::move(count), &user_from);
    }
    auto norm = ascii_lower(email);
    auto rows = c->exec(query::user_list_by_email, {clamp(p.limit), clamp(p.offset), norm});
    auto count = c->exec(query::user_count_by_email, {norm});
    return page_of(std::move(rows), std::move(count), &user_from);
}

result<std::vector<User>> sql_store::users_after(std::string_view connection, std::string_view after,
                                                 std::size_t limit) {
    auto r = run(query::user_list_after, {connection, after, clamp(limit)});
    if (!r) return r.error();
    std::vector<User> out;
    out.reserve(r->rows.size());
    for (const auto& row : r->rows) {
        auto u = user_from(row);
        if (!u) return u.error();
        out.push_back(std::move(*u));
    }
    return out;
}

// The user columns of every user row (GH_USER_COLS in queries.cpp), for the composed search.
constexpr std::string_view kUserColumns =
    "user_id, connection_name, email, COALESCE(username, ''), password_hash, doc, created_at, updated_at";

namespace {

// Whether SQLite's plan for the search reads the matches through an index of the filter and sorts
// them all; otherwise (no indexed term) it walks the order's index already, and a probe would only
// read the matches twice.
bool sqlite_sorts_every_match(connection& c, const composed_user_search& composed) {
    auto plan =
        c.exec_dynamic("EXPLAIN QUERY PLAN " + composed.select, param_views(composed.params, composed.params.size()));
    if (!plan) return false;
    for (const auto& step : plan->rows)
        if (step.text(3).find("TEMP B-TREE FOR ORDER BY") != std::string::npos) return true;
    return false;
}

}  // namespace

result<PageResult<User>> sql_store::search_users(const UserSearch& search) {
    auto c = pool_->acquire();
    auto composed = compose_user_search(search, c->dialect(), kUserColumns);
    auto filter_params = param_views(composed.params, composed.where_params);
    PageResult<User> out;
    const std::string* select = &composed.select;
    if (!composed.select_in_index_order.empty() && sqlite_sorts_every_match(*c, composed)) {
        // SQLite only (see composed_user_search): probe how many rows match, up to the point where
        // walking the order's index wins, from an estimate of the table's size (its highest rowid,
        // read from the b-tree's edge).
        auto rows = c->exec_dynamic("SELECT COALESCE(MAX(rowid), 0) FROM users", {});
        if (!rows) return rows.error();
        auto window = search.page.offset + search.page.limit;
        auto threshold = dense_match_threshold(window, static_cast<std::size_t>(rows->rows.at(0).int64(0)));
        auto probe = c->exec_dynamic(composed.count(threshold), filter_params);
        if (!probe) return probe.error();
        auto matches = static_cast<std::size_t>(probe->rows.at(0).int64(0));
        if (matches >= threshold) select = &composed.select_in_index_order;
    }
    auto rows = c->exec_dynamic(*select, param_views(composed.params, composed.params.size()));
    if (!rows) return rows.error();
    for (const auto& r : rows->rows) {
        auto u = user_from(r);
        if (!u) return u.error();
        out.items.push_back(std::move(*u));
    }
    if (search.with_total) {
        auto count = c->exec_dynamic(composed.count(search.total_cap), filter_params);
        if (!count) return count.error();
        out.total = count->rows.empty() ? 0 : static_cast<std::size_t>(count->rows[0].int64(0));
    }
    return out;
}

result<void> sql_store::update_user(const User& u) {
    return affected_or_not_found(
        run(query::user_update, {u.user_id, u.connection, u.email, ascii_lower(u.email), u.username, u.password_hash,
                                 json::serialize(u.doc), u.updated_at}));
}

result<void> sql_store::replace_password_hash(std::string_view user_id, std::string_view current_hash,
                                              std::string_view new_hash) {
    return affected_or_not_found(run(query::user_replace_password_hash, {user_id, current_hash, new_hash}));
}

result<void> sql_store::delete_user(std::string_view user_id) {
    return transact([&](connection& c) -> result<void> {
        if (auto r = affected_or_not_found(c.exec(query::user_delete, {user_id})); !r) return r;
        for (auto q : {query::user_roles_delete_by_user, query::user_permissions_delete_by_user,
                       query::organization_members_delete_by_user, query::organization_member_roles_delete_by_user})
            if (auto d = c.exec(q, {user_id}); !d) return d.error();
        return {};
    });
}

// ---- organizations ----------------------------------------------------------------------------

result<void> sql_store::create_organization(const Organization& o) {
    return ok_or_error(run(query::organization_insert,
                           {o.id, o.name, o.display_name, json::serialize(o.doc), o.created_at, o.updated_at}));
}

result<Organization> sql_store::get_organization(std::string_view id) {
    return first_row(run(query::organization_get, {id}), &organization_from);
}

result<Organization> sql_store::get_organization_by_name(std::string_view name) {
    return first_row(run(query::organization_get_by_name, {name}), &organization_from);
}

result<PageResult<Organization>> sql_store::list_organizations(Page p) {
    auto c = pool_->acquire();
    auto rows = c->exec(query::organization_list, {clamp(p.limit), clamp(p.offset)});
    auto count = c->exec(query::organization_count, {});
    return page_of(std::move(rows), std::move(count), &organization_from);
}

result<void> sql_store::update_organization(const Organization& o) {
    return affected_or_not_found(
        run(query::organization_update, {o.id, o.name, o.display_name, json::serialize(o.doc), o.updated_at}));
}

result<void> sql_store::delete_organization(std::string_view id) {
    return transact([&](connection& c) -> result<void> {
        if (auto r = affected_or_not_found(c.exec(query::organization_delete, {id})); !r) return r;
        for (auto q : {query::organization_members_delete_by_org, query::organization_member_roles_delete_by_org,
                       query::organization_connections_delete_by_org, query::organization_invitations_delete_by_org})
            if (auto d = c.exec(q, {id}); !d) return d.error();
        return {};
    });
}

result<void> sql_store::add_organization_members(std::string_view org_id, const std::vector<std::string>& user_ids) {
    return transact([&](connection& c) -> result<void> {
        if (auto org = row_exists(c, query::organization_get, org_id); !org) return org;
        for (const auto& user_id : user_ids) {
            if (auto user = row_exists(c, query::user_get, user_id); !user) return user;
            if (auto r = c.exec(query::organization_member_insert, {org_id, user_id}); !r) return r.error();
        }
        return {};
    });
}

result<void> sql_store::remove_organization_members(std::string_view org_id, const std::vector<std::string>& user_ids) {
    return transact([&](connection& c) -> result<void> {
        for (const auto& user_id : user_ids)
            for (auto q : {query::organization_member_delete, query::organization_member_roles_delete_member})
                if (auto r = c.exec(q, {org_id, user_id}); !r) return r.error();
        return {};
    });
}

result<PageResult<User>> sql_store::list_organization_members(std::string_view org_id, Page p) {
    auto c = pool_->acquire();
    auto rows = c->exec(query::organization_member_list, {clamp(p.limit), clamp(p.offset), org_id});
    auto count = c->exec(query::organization_member_count, {org_id});
    return page_of(std::move(rows), std::move(count), &user_from);
}

result<bool> sql_store::is_organization_member(std::string_view org_id, std::string_view user_id) {
    auto r = run(query::organization_member_get, {org_id, user_id});
    if (!r) return {boost::system::in_place_error, r.error()};
    return !r->rows.empty();
}

result<void> sql_store::assign_organization_member_roles(std::string_view org_id, std::string_view user_id,
                                                         const std::vector<std::string>& role_ids) {
    return transact([&](connection& c) -> result<void> {
        auto member = c.exec(query::organization_member_get, {org_id, user_id});
        if (!member) return member.error();
        if (member->rows.empty()) return fail(store_errc::not_found);
        for (const auto& role_id : role_ids) {
            if (auto role = row_exists(c, query::role_get, role_id); !role) return role;
            if (auto r = c.exec(query::organization_member_role_insert, {org_id, user_id, role_id}); !r)
                return r.error();
        }
        return {};
    });
}

result<void> sql_store::remove_organization_member_roles(std::string_view org_id, std::string_view user_id,
                                                         const std::vector<std::string>& role_ids) {
    return transact([&](connection& c) -> result<void> {
        for (const auto& role_id : role_ids)
            if (auto r = c.exec(query::organization_member_role_delete, {org_id, user_id, role_id}); !r)
                return r.error();
        return {};
    });
}

result<PageResult<Role>> sql_store::list_organization_member_roles(std::string_view org_id, std::string_view user_id,
                                                                   Page p) {
    auto c = pool_->acquire();
    auto rows = c->exec(query::organization_member_role_list, {clamp(p.limit), clamp(p.offset), org_id, user_id});
    auto count = c->exec(query::organization_member_role_count, {org_id, user_id});
    return page_of(std::move(rows), std::move(count), &role_from);
}

result<std::vector<std::string>> sql_store::organization_member_role_ids(std::string_view org_id,
                                                                         std::string_view user_id) {
    auto r = run(query::organization_member_role_ids, {org_id, user_id});
    if (!r) return r.error();
    std::vector<std::string> out;
    for (const auto& row : r->rows) out.push_back(row.text(0));
    return out;
}

result<void> sql_store::enable_organization_connection(std::string_view org_id, const OrganizationConnection& oc) {
    return transact([&](connection& c) -> result<void> {
        if (auto org = row_exists(c, query::organization_get, org_id); !org) return org;
        if (auto con = row_exists(c, query::connection_get, oc.connection_id); !con) return con;
        return ok_or_error(c.exec(query::organization_connection_insert,
                                  {org_id, oc.connection_id, std::int64_t{oc.assign_membership_on_login},
                                   std::int64_t{oc.show_as_button}, std::int64_t{oc.is_signup_enabled}}));
    });
}

result<void> sql_store::update_organization_connection(std::string_view org_id, const OrganizationConnection& oc) {
    return affected_or_not_found(run(query::organization_connection_update,
                                     {org_id, oc.connection_id, std::int64_t{oc.assign_membership_on_login},
                                      std::int64_t{oc.show_as_button}, std::int64_t{oc.is_signup_enabled}}));
}

result<void> sql_store::disable_organization_connection(std::string_view org_id, std::string_view connection_id) {
    return affected_or_not_found(run(query::organization_connection_delete, {org_id, connection_id}));
}

result<OrganizationConnection> sql_store::get_organization_connection(std::string_view org_id,
                                                                      std::string_view connection_id) {
    return first_row(run(query::organization_connection_get, {org_id, connection_id}), &organization_connection_from);
}

result<PageResult<OrganizationConnection>> sql_store::list_organization_connections(std::string_view org_id, Page p) {
    auto c = pool_->acquire();
    auto rows = c->exec(query::organization_connection_list, {clamp(p.limit), clamp(p.offset), org_id});
    auto count = c->exec(query::organization_connection_count, {org_id});
    return page_of(std::move(rows), std::move(count), &organization_connection_from);
}

result<void> sql_store::create_organization_invitation(const OrganizationInvitation& i) {
    return transact([&](connection& c) -> result<void> {
        if (auto org = row_exists(c, query::organization_get, i.org_id); !org) return org;
        return ok_or_error(c.exec(query::organization_invitation_insert,
                                  {i.id, i.org_id, i.ticket_hash, json::serialize(i.doc), i.created_at, i.expires_at}));
    });
}

result<OrganizationInvitation> sql_store::get_organization_invitation(std::string_view org_id, std::string_view id) {
    return first_row(run(query::organization_invitation_get, {org_id, id}), &invitation_from);
}

result<PageResult<OrganizationInvitation>> sql_store::list_organization_invitations(std::string_view org_id, Page p) {
    auto c = pool_->acquire();
    auto rows = c->exec(query::organization_invitation_list, {clamp(p.limit), clamp(p.offset), org_id});
    auto count = c->exec(query::organization_invitation_count, {org_id});
    return page_of(std::move(rows), std::move(count), &invitation_from);
}

result<void> sql_store::delete_organization_invitation(std::string_view org_id, std::string_view id) {
    return affected_or_not_found(run(query::organization_invitation_delete, {org_id, id}));
}

result<OrganizationInvitation> sql_store::find_organization_invitation(std::string_view ticket_hash, std::int64_t now) {
    return first_row(run(query::organization_invitation_find, {ticket_hash, now}), &invitation_from);
}

result<void> sql_store::record_grant_organization(std::string_view grant_id, std::string_view org_id,
                                                  std::int64_t now) {
    return ok_or_error(run(query::grant_organization_insert, {grant_id, org_id, now}));
}

result<std::string> sql_store::grant_organization(std::string_view grant_id) {
    auto r = run(query::grant_organization_get, {grant_id});
    if (!r) return r.error();
    if (r->rows.empty()) return fail(store_errc::not_found);
    return r->rows.front().text(0);
}

result<OrganizationInvitation> sql_store::redeem_organization_invitation(std::string_view ticket_hash,
                                                                         std::int64_t now) {
    return first_row(run(query::organization_invitation_redeem, {ticket_hash, now}), &invitation_from);
}

// ---- roles and permissions ------------------------------------------------------------------

result<void> sql_store::create_role(const Role& r) {
    return ok_or_error(run(query::role_insert, {r.id, r.name, r.description, r.created_at, r.updated_at}));
}

result<Role> sql_store::get_role(std::string_view id) { return first_row(run(query::role_get, {id}), &role_from); }

result<PageResult<Role>> sql_store::list_roles(Page p, std::string_view name_filter) {
    auto c = pool_->acquire();
    auto rows = c->exec(query::role_list, {clamp(p.limit), clamp(p.offset), name_filter});
    auto count = c->exec(query::role_count, {name_filter});
    return page_of(std::move(rows), std::move(count), &role_from);
}

result<void> sql_store::update_role(const Role& r) {
    return affected_or_not_found(run(query::role_update, {r.id, r.name, r.description, r.updated_at}));
}

result<void> sql_store::delete_role(std::string_view id) {
    return transact([&](connection& c) -> result<void> {
        if (auto r = affected_or_not_found(c.exec(query::role_delete, {id})); !r) return r;
        for (auto q : {query::role_permissions_delete_by_role, query::user_roles_delete_by_role,
                       query::organization_member_roles_delete_by_role})
            if (auto d = c.exec(q, {id}); !d) return d.error();
        return {};
    });
}

namespace {

// Writes `q` (owner, identifier, name) for each permission once `owner` is known to exist: all or
// nothing, in one transaction.
result<void> write_permissions(connection& c, query exists, query q, std::string_view owner,
                               const std::vector<Permission>& permissions) {
    auto found = c.exec(exists, {owner});
    if (!found) return found.error();
    if (found->rows.empty()) return fail(store_errc::not_found);
    for (const auto& p : permissions)
        if (auto r = c.exec(q, {owner, p.resource_server_identifier, p.permission_name}); !r) return r.error();
    return {};
}

}  // namespace

result<void> sql_store::add_role_permissions(std::string_view role_id, const std::vector<Permission>& permissions) {
    return transact([&](connection& c) {
        return write_permissions(c, query::role_get, query::role_permission_insert, role_id, permissions);
    });
}

result<void> sql_store::remove_role_permissions(std::string_view role_id, const std::vector<Permission>& permissions) {
    return transact([&](connection& c) {
        return write_permissions(c, query::role_get, query::role_permission_delete, role_id, permissions);
    });
}

result<PageResult<Permission>> sql_store::list_role_permissions(std::string_view role_id, Page p) {
    auto c = pool_->acquire();
    auto rows = c->exec(query::role_permission_list, {clamp(p.limit), clamp(p.offset), role_id});
    auto count = c->exec(query::role_permission_count, {role_id});
    return page_of(std::move(rows), std::move(count), &permission_from);
}

result<void> sql_store::assign_user_roles(std::string_view user_id, const std::vector<std::string>& role_ids) {
    return transact([&](connection& c) -> result<void> {
        auto user = c.exec(query::user_get, {user_id});
        if (!user) return user.error();
        if (user->rows.empty()) return fail(store_errc::not_found);
        for (const auto& role_id : role_ids) {
            auto role = c.exec(query::role_get, {role_id});
            if (!role) return role.error();
            if (role->rows.empty()) return fail(store_errc::not_found);
            if (auto r = c.exec(query::user_role_insert, {user_id, role_id}); !r) return r.error();
        }
        return {};
    });
}

result<void> sql_store::remove_user_roles(std::string_view user_id, const std::vector<std::string>& role_ids) {
    return transact([&](connection& c) -> result<void> {
        for (const auto& role_id : role_ids)
            if (auto r = c.exec(query::user_role_delete, {user_id, role_id}); !r) return r.error();
        return {};
    });
}

result<PageResult<Role>> sql_store::list_user_roles(std::string_view user_id, Page p) {
    auto c = pool_->acquire();
    auto rows = c->exec(query::user_role_list, {clamp(p.limit), clamp(p.offset), user_id});
    auto count = c->exec(query::user_role_count, {user_id});
    return page_of(std::move(rows), std::move(count), &role_from);
}

result<PageResult<User>> sql_store::list_role_users(std::string_view role_id, Page p) {
    auto c = pool_->acquire();
    auto rows = c->exec(query::role_user_list, {clamp(p.limit), clamp(p.offset), role_id});
    auto count = c->exec(query::role_user_count, {role_id});
    return page_of(std::move(rows), std::move(count), &user_from);
}

result<void> sql_store::add_user_permissions(std::string_view user_id, const std::vector<Permission>& permissions) {
    return transact([&](connection& c) {
        return write_permissions(c, query::user_get, query::user_permission_insert, user_id, permissions);
    });
}

result<void> sql_store::remove_user_permissions(std::string_view user_id, const std::vector<Permission>& permissions) {
    return transact([&](connection& c) {
        return write_permissions(c, query::user_get, query::user_permission_delete, user_id, permissions);
    });
}

result<PageResult<Permission>> sql_store::list_user_permissions(std::string_view user_id, Page p) {
    auto c = pool_->acquire();
    auto rows = c->exec(query::user_permission_list, {clamp(p.limit), clamp(p.offset), user_id});
    auto count = c->exec(query::user_permission_count, {user_id});
    return page_of(std::move(rows), std::move(count), &permission_from);
}

result<std::vector<PermissionSource>> sql_store::user_permission_sources(std::string_view user_id) {
    auto r = run(query::user_permission_sources, {user_id});
    if (!r) return r.error();
    std::vector<PermissionSource> out;
    for (const auto& row : r->rows)
        out.push_back(PermissionSource{Permission{row.text(0), row.text(1)}, row.text(2), row.text(3)});
    return out;
}

result<std::vector<std::string>> sql_store::user_api_permissions(std::string_view user_id,
                                                                 std::string_view resource_server_identifier,
                                                                 const std::vector<std::string>& extra_role_ids) {
    std::string extra;
    if (!extra_role_ids.empty()) {
        extra = ",";
        for (const auto& id : extra_role_ids) extra += id + ",";
    }
    auto r = run(query::user_api_permissions, {user_id, resource_server_identifier, extra});
    if (!r) return r.error();
    std::vector<std::string> out;
    for (const auto& row : r->rows) out.push_back(row.text(0));
    return out;
}

// ---- codes ----------------------------------------------------------------------------------

result<void> sql_store::create_code(const AuthorizationCode& c) {
    return ok_or_error(run(query::code_insert, {c.code_hash, c.grant_id, c.client_id, c.user_id, c.redirect_uri,
                                                c.scope, c.audience, c.nonce, c.code_challenge, c.code_challenge_method,
                                                c.session_id, c.auth_time, c.expires_at, c.consumed_at}));
}

result<AuthorizationCode> sql_store::consume_code(std::string_view code_hash, std::int64_t now) {
    return transact([&](connection& c) -> result<AuthorizationCode> {
        auto before = first_row(c.exec(query::code_lock, {code_hash}), &code_from);
        if (!before) return before;
        if (before->consumed_at == 0) {
            auto r = c.exec(query::code_consume, {code_hash, marker(now)});
            if (!r) return r.error();
            // The row lock / write lock makes this impossible; refuse rather than hand out two wins.
            if (r->affected != 1) return fail(store_errc::backend);
        }
        return before;
    });
}

// ---- refresh tokens -------------------------------------------------------------------------

namespace {

result<void> insert_refresh(connection& c, const RefreshToken& t) {
    return ok_or_error(c.exec(query::refresh_insert, {t.token_hash, t.grant_id, t.client_id, t.user_id, t.scope,
                                                      t.audience, t.session_id, t.auth_time, t.created_at, t.expires_at,
                                                      t.idle_expires_at, t.generation, t.rotated_at, t.revoked_at}));
}

}  // namespace

result<void> sql_store::create_refresh_token(const RefreshToken& t) {
    auto c = pool_->acquire();
    return insert_refresh(*c, t);
}

result<RefreshToken> sql_store::get_refresh_token(std::string_view token_hash) {
    return first_row(run(query::refresh_get, {token_hash}), &refresh_from);
}

result<RefreshExchangeResult> sql_store::exchange_refresh_token(std::string_view old_hash, RefreshToken next,
                                                                std::int64_t now, std::int64_t leeway) {
    return transact([&](connection& c) -> result<RefreshExchangeResult> {
        auto before = first_row(c.exec(query::refresh_lock, {old_hash}), &refresh_from);
        if (!before) return before.error();
        RefreshExchangeResult out{*before, RefreshExchange::reuse};
        if (before->revoked_at != 0) {
            out.outcome = RefreshExchange::revoked;
            return out;
        }
        std::string retired = before->token_hash;
        std::int64_t current_generation = before->generation;
        if (before->rotated_at != 0) {
            if (now >= before->rotated_at + leeway) return out;
            auto current = first_row(c.exec(query::refresh_lock_current, {before->grant_id}), &refresh_from);
            if (!current) {
                if (current.error() == store_errc::not_found) return out;
                return current.error();
            }
            if (current->generation != before->generation + 1) return out;  // an older token
            retired = current->token_hash;
            current_generation = current->generation;
        }
        auto r = c.exec(query::refresh_mark_rotated, {retired, marker(now)});
        if (!r) return r.error();
        if (r->affected != 1) return fail(store_errc::backend);
        next.generation = current_generation + 1;
        if (auto ins = insert_refresh(c, next); !ins) return ins.error();
        out.outcome = before->rotated_at == 0 ? RefreshExchange::rotated : RefreshExchange::leeway_reuse;
        return out;
    });
}

result<bool> sql_store::touch_refresh_token(std::string_view token_hash, std::int64_t idle_expires_at) {
    // One statement: it matches only a current, unrevoked token, so it cannot revive anything.
    auto r = run(query::refresh_touch, {token_hash, idle_expires_at});
    if (!r) return result<bool>(boost::system::in_place_error, r.error());
    if (r->affected == 1) return true;
    auto row = get_refresh_token(token_hash);
    if (!row) return result<bool>(boost::system::in_place_error, row.error());
    return false;
}

result<void> sql_store::revoke_grant(std::string_view grant_id, std::int64_t now) {
    return transact([&](connection& c) -> result<void> {
        if (auto r = c.exec(query::grant_revoke, {grant_id, marker(now)}); !r) return r.error();
        return ok_or_error(c.exec(query::refresh_revoke_family, {grant_id, marker(now)}));
    });
}

result<void> sql_store::revoke_user_grants(std::string_view user_id, std::int64_t now) {
    return transact([&](connection& c) -> result<void> {
        for (auto q :
             {query::user_revoke_refresh_grants, query::user_revoke_code_grants, query::user_revoke_refresh_tokens})
            if (auto r = c.exec(q, {user_id, marker(now)}); !r) return r.error();
        return {};
    });
}

result<bool> sql_store::is_grant_revoked(std::string_view grant_id) {
    auto r = run(query::grant_is_revoked, {grant_id});
    if (!r) return result<bool>(boost::system::in_place_error, r.error());
    return !r->rows.empty();
}

// ---- sessions -------------------------------------------------------------------------------

result<void> sql_store::create_session(const Session& s) {
    return ok_or_error(
        run(query::session_insert, {s.id_hash, s.user_id, s.connection, s.auth_time, s.created_at, s.expires_at}));
}

result<Session> sql_store::get_session(std::string_view id_hash, std::int64_t now) {
    return first_row(run(query::session_get, {id_hash, now}), &session_from);
}

result<void> sql_store::delete_session(std::string_view id_hash) {
    return ok_or_error(run(query::session_delete, {id_hash}));
}

result<void> sql_store::touch_session(std::string_view id_hash, std::int64_t expires_at, std::int64_t now) {
    return ok_or_error(run(query::session_touch, {id_hash, expires_at, now}));
}

result<void> sql_store::delete_user_sessions(std::string_view user_id) {
    return ok_or_error(run(query::session_delete_by_user, {user_id}));
}

// ---- interactions ---------------------------------------------------------------------------

result<void> sql_store::create_interaction(const Interaction& i) {
    return ok_or_error(run(query::interaction_insert, {i.id, i.kind, json::serialize(i.doc), i.expires_at}));
}

result<Interaction> sql_store::get_interaction(std::string_view id, std::int64_t now) {
    return first_row(run(query::interaction_get, {id, now}), &interaction_from);
}

result<Interaction> sql_store::take_interaction(std::string_view id, std::int64_t now) {
    return first_row(run(query::interaction_take, {id, now}), &interaction_from);
}

// ---- mail queue -----------------------------------------------------------------------------

result<void> sql_store::enqueue_mail(const Mail& m) {
    return ok_or_error(
        run(query::mail_insert, {m.id, m.recipient, m.sender, m.subject, m.html_body, m.status, m.attempts,
                                 m.created_at, m.next_attempt_at, m.lease_until, m.last_error}));
}

result<std::vector<Mail>> sql_store::claim_due_mail(std::int64_t now, std::int64_t lease_until, std::size_t limit) {
    auto r = run(query::mail_claim, {now, lease_until, static_cast<std::int64_t>(limit)});
    if (!r) return r.error();
    std::vector<Mail> out;
    for (const auto& row : r->rows) {
        auto m = mail_from(row);
        if (!m) return m.error();
        out.push_back(std::move(*m));
    }
    return out;
}

result<void> sql_store::finish_mail(const Mail& m) {
    auto r = run(query::mail_finish, {m.id, m.status, m.attempts, m.next_attempt_at, m.last_error});
    if (!r) return r.error();
    if (r->affected == 0) return fail(store_errc::not_found);
    return {};
}

result<Mail> sql_store::get_mail(std::string_view id) { return first_row(run(query::mail_get, {id}), &mail_from); }

// ---- jobs -----------------------------------------------------------------------------------

result<void> sql_store::create_job(const Job& j) {
    return ok_or_error(run(query::job_insert, {j.id, j.type, j.status, json::serialize(j.doc), j.input, j.errors,
                                               j.attempts, j.created_at, j.updated_at, j.lease_until, j.expires_at}));
}

result<Job> sql_store::get_job(std::string_view id) { return first_row(run(query::job_get, {id}), &job_from); }

result<Job> sql_store::claim_job(std::int64_t now, std::int64_t lease_until) {
    return first_row(run(query::job_claim, {now, lease_until}), &job_from);
}

result<void> sql_store::renew_job_lease(std::string_view id, std::int64_t held, std::int64_t lease_until) {
    auto r = run(query::job_renew, {id, held, lease_until});
    if (!r) return r.error();
    if (r->affected == 0) return fail(store_errc::conflict);
    return {};
}

result<void> sql_store::checkpoint_job(const Job& j, std::int64_t held, std::int64_t lease_until) {
    auto r = run(query::job_checkpoint, {j.id, held, lease_until, json::serialize(j.doc), j.errors, j.updated_at});
    if (!r) return r.error();
    if (r->affected == 0) return fail(store_errc::conflict);
    return {};
}

result<void> sql_store::finish_job(const Job& j, std::int64_t held) {
    auto r =
        run(query::job_finish, {j.id, held, j.status, json::serialize(j.doc), j.errors, j.updated_at, j.expires_at});
    if (!r) return r.error();
    if (r->affected == 0) return fail(store_errc::conflict);
    return {};
}

result<void> sql_store::append_job_output(std::string_view job_id, std::int64_t seq, std::string_view data) {
    return ok_or_error(run(query::job_output_insert, {job_id, seq, data}));
}

result<std::vector<std::string>> sql_store::job_output(std::string_view job_id) {
    auto r = run(query::job_output_get, {job_id});
    if (!r) return r.error();
    std::vector<std::string> out;
    out.reserve(r->rows.size());
    for (const auto& row : r->rows) out.push_back(row.text(0));
    return out;
}

result<void> sql_store::clear_job_output(std::string_view job_id) {
    return ok_or_error(run(query::job_output_clear, {job_id}));
}

result<std::size_t> sql_store::count_active_jobs(std::string_view type) {
    auto r = run(query::job_count_active, {type});
    if (!r) return r.error();
    return r->rows.empty() ? 0 : static_cast<std::size_t>(r->rows.front().int64(0));
}

// ---- tickets --------------------------------------------------------------------------------

result<void> sql_store::create_ticket(const UserTicket& t) {
    return ok_or_error(run(query::ticket_insert, {t.id_hash, t.kind, t.user_id, json::serialize(t.doc), t.created_at,
                                                  t.expires_at, t.used_at}));
}

result<UserTicket> sql_store::get_ticket(std::string_view id_hash, std::int64_t now) {
    return first_row(run(query::ticket_get, {id_hash, now}), &ticket_from);
}

result<UserTicket> sql_store::redeem_ticket(std::string_view id_hash, std::int64_t now) {
    return first_row(run(query::ticket_redeem, {id_hash, marker(now)}), &ticket_from);
}

result<void> sql_store::retire_user_tickets(std::string_view user_id, std::string_view kind, std::int64_t now) {
    auto r = run(query::ticket_retire_user, {user_id, kind, marker(now)});
    if (!r) return r.error();
    return {};
}

// ---- tenant logs ----------------------------------------------------------------------------

namespace {

// A run append_logs is assembling: events of one type, client and user (kLogRunSpanMs,
// kLogRunEvents), in log_id order.
struct open_run {
    std::vector<const LogEvent*> events;
    const LogEvent& first() const { return *events.front(); }
    // Whether `e` can end this run.
    bool takes(const LogEvent& e) const {
        const auto& head = first();
        const auto latest = head.date_ms > INT64_MAX - kLogRunSpanMs ? INT64_MAX : head.date_ms + kLogRunSpanMs;
        return events.size() < kLogRunEvents && e.log_id > events.back()->log_id && e.date_ms >= head.date_ms &&
               e.date_ms <= latest;
    }
    bool same_key(const LogEvent& e) const {
        const auto& head = first();
        return head.type == e.type && head.client_id == e.client_id && head.user_id == e.user_id;
    }
};

// Runs open at once while a batch is grouped: a batch interleaves few kinds of event (the token
// path's, a login's few), and one more closes the oldest.
constexpr std::size_t kOpenLogRuns = 8;

// Event fields come from what clients send. Text that PostgreSQL's text and JSON cannot hold (NUL;
// bytes that are not UTF-8, which Boost.JSON's serializer passes through) would fail the batch's
// transaction or a read of its run; it is stored with U+FFFD in their place, one per byte.
bool log_text_storable(std::string_view text) {
    return text.find('\0') == std::string_view::npos && util::valid_utf8(text);
}
std::string storable_log_text(std::string_view text) {
    auto out = util::to_valid_utf8(text);
    for (auto at = out.find('\0'); at != std::string::npos; at = out.find('\0', at)) out.replace(at, 1, "\xEF\xBF\xBD");
    return out;
}
// `text`, or a storable copy of it kept in `copy`.
std::string_view storable_log_text(std::string_view text, std::string& copy) {
    if (log_text_storable(text)) return text;
    copy = storable_log_text(text);
    return copy;
}

// Whether every string and key in `v` is storable as it is; and `v` with every one storable.
bool json_storable(const json::value& v);
bool json_storable(const json::object& o) {
    return std::all_of(o.begin(), o.end(), [](const json::key_value_pair& kv) {
        return log_text_storable(kv.key()) && json_storable(kv.value());
    });
}
bool json_storable(const json::value& v) {
    if (const auto* s = v.if_string()) return log_text_storable(*s);
    if (const auto* a = v.if_array())
        return std::all_of(a->begin(), a->end(), [](const json::value& e) { return json_storable(e); });
    if (const auto* o = v.if_object()) return json_storable(*o);
    return true;
}
json::value storable_json(const json::value& v);
json::object storable_json(const json::object& o) {
    json::object out;
    for (const auto& kv : o) out[storable_log_text(kv.key())] = storable_json(kv.value());
    return out;
}
json::value storable_json(const json::value& v) {
    if (const auto* s = v.if_string()) return json::string(storable_log_text(*s));
    if (const auto* a = v.if_array()) {
        json::array out;
        for (const auto& e : *a) out.push_back(storable_json(e));
        return out;
    }
    if (const auto* o = v.if_object()) return storable_json(*o);
    return v;
}

// The events of a run as migration 16 stores them: [[log_id, date_ms, description, client_name, ip,
// user_name, connection, details], ...]. Strings go through Boost.JSON's serializer, which escapes
// them; a batch serialises no empty details object (most events have none).
class log_run_writer {
  public:
    const std::string& events_json(const open_run& run) {
        out_.clear();
        out_ += '[';
        for (const auto* e : run.events) {
            if (e != run.events.front()) out_ += ',';
            out_ += '[';
            string(e->log_id);
            out_ += ',';
            out_ += std::to_string(e->date_ms);
            for (const auto* field : {&e->description, &e->client_name, &e->ip, &e->user_name, &e->connection}) {
                out_ += ',';
                string(*field);
            }
            out_ += ',';
            if (e->details.empty()) {
                out_ += "{}";
            } else {
                out_ += json_storable(e->details) ? json::serialize(e->details)
                                                  : json::serialize(storable_json(e->details));
            }
            out_ += ']';
        }
        out_ += ']';
        return out_;
    }

  private:
    void string(std::string_view value) {
        serializer_.reset(storable_log_text(value, copy_));
        while (!serializer_.done()) {
            auto part = serializer_.read(buffer_);
            out_.append(part.data(), part.size());
        }
    }
    json::serializer serializer_;
    char buffer_[1024];
    std::string out_;
    std::string copy_;
};

}  // namespace

result<void> sql_store::append_logs(std::span<const LogEvent> events) {
    if (events.empty()) return {};
    return transact_in(log_pool(), [&](connection& c) -> result<void> {
        log_run_writer writer;
        std::vector<open_run> open;
        auto write = [&](const open_run& run) -> result<void> {
            const auto& head = run.first();
            std::string type, client_id, user_id;
            auto r = c.exec(query::log_run_insert,
                            {head.log_id, run.events.back()->log_id, static_cast<std::int64_t>(run.events.size()),
                             storable_log_text(head.type, type), storable_log_text(head.client_id, client_id),
                             storable_log_text(head.user_id, user_id), writer.events_json(run)});
            if (!r) return r.error();
            return {};
        };
        for (const auto& e : events) {
            auto same = std::find_if(open.begin(), open.end(), [&](const open_run& run) { return run.same_key(e); });
            if (same != open.end() && same->takes(e)) {
                same->events.push_back(&e);
                continue;
            }
            if (same != open.end() || open.size() == kOpenLogRuns) {
                auto done = same != open.end() ? same : open.begin();
                if (auto r = write(*done); !r) return r;
                open.erase(done);
            }
            open.push_back(open_run{{&e}});
        }
        for (const auto& run : open)
            if (auto r = write(run); !r) return r;
        return {};
    });
}

result<LogEvent> sql_store::get_log(std::string_view log_id) {
    auto date = log_id_date(log_id);
    if (!date) return fail(store_errc::not_found);
    auto c = log_pool().acquire();
    LogWhere where;
    auto id = "$" + std::to_string(where.bind(log_id));
    auto text = "SELECT " + std::string(log_columns()) + " FROM (" + std::string(log_run_events(c->dialect())) +
                "WHERE r.log_id <= " + id + " AND r.last_log_id >= " + id +
                " AND r.log_id >= " + where.text(log_id_floor(earliest_run_start(*date))) +
                ") AS logs WHERE log_id = " + id;
    return first_row(c->exec_dynamic(text, where.params()), &log_from);
}

namespace {

// The number of events `filter` matches: the runs every event of which matches are counted from
// event_count; only those of which some may (a date range cuts them) are read.
result<std::size_t> count_logs(connection& c, const LogFilter& filter) {
    LogWhere where;
    auto exact = where.clause(filter, log_level::run_exact);
    auto whole = c.exec_dynamic("SELECT CAST(COALESCE(SUM(r.event_count), 0) AS BIGINT) FROM log_runs r WHERE " + exact,
                                where.params());
    if (!whole) return whole.error();
    LogWhere part;
    auto candidate = part.clause(filter, log_level::run_candidate);
    auto not_exact = part.clause(filter, log_level::run_exact);
    auto event = part.clause(filter, log_level::event);
    auto cut = c.exec_dynamic("SELECT COUNT(*) FROM (" + std::string(log_run_events(c.dialect())) + "WHERE " +
                                  candidate + " AND NOT (" + not_exact + ")) AS logs WHERE " + event,
                              part.params());
    if (!cut) return cut.error();
    return static_cast<std::size_t>(whole->rows.at(0).int64(0) + cut->rows.at(0).int64(0));
}

}  // namespace

// Newest first (or oldest first), the page is the first offset + limit events in log_id order of the
// runs that may hold a match. Which runs: those of which every event matches are walked in log_id
// order until they hold offset + limit events; the page's events are then no further out than those,
// and only the runs reaching that far (runs span kLogRunSpanMs at most) are read.
result<PageResult<LogEvent>> sql_store::list_logs(const LogQuery& q) {
    auto c = log_pool().acquire();
    PageResult<LogEvent> out;
    if (q.with_total) {
        auto total = count_logs(*c, q.filter);
        if (!total) return total.error();
        out.total = *total;
    }
    const bool newest_first = !q.checkpoint && !q.oldest_first;
    const std::string_view after = q.checkpoint ? std::string_view(q.after_log_id) : std::string_view();
    const auto offset = clamp(q.checkpoint ? 0 : q.offset), limit = clamp(q.limit);
    const auto wanted = offset > INT64_MAX - limit ? INT64_MAX : offset + limit;
    const std::string order = newest_first ? " ORDER BY log_id DESC" : " ORDER BY log_id ASC";

    std::string reach;  // the runs' bound, if the exact runs hold enough events
    {
        LogWhere where;
        auto exact = where.clause(q.filter, log_level::run_exact);
        if (!after.empty()) exact += " AND " + where.after(after, log_level::run_exact);
        auto text = "SELECT r.log_id, r.last_log_id, r.event_count FROM log_runs r WHERE " + exact + order +
                    " LIMIT CAST($" + std::to_string(where.bind(wanted)) + " AS BIGINT)";
        auto runs = c->exec_dynamic(text, where.params());
        if (!runs) return runs.error();
        std::int64_t events = 0;
        std::string furthest_last;
        for (const auto& run : runs->rows) {
            events += run.int64(2);
            if (furthest_last < run.text(1)) furthest_last = run.text(1);
            if (events < wanted) continue;
            // Newest first, every page event is at least this run's first; oldest first, at most the
            // latest last event of the runs so far.
            reach = newest_first ? run.text(0) : furthest_last;
            break;
        }
    }
    LogWhere where;
    auto candidate = where.clause(q.filter, log_level::run_candidate);
    if (!after.empty()) candidate += " AND " + where.after(after, log_level::run_candidate);
    if (!reach.empty()) {
        if (newest_first) {
            candidate += " AND r.last_log_id >= " + where.text(reach);
            if (auto date = log_id_date(reach))
                candidate += " AND r.log_id >= " + where.text(log_id_floor(earliest_run_start(*date)));
        } else {
            candidate += " AND r.log_id <= " + where.text(reach);
        }
    }
    auto event = where.clause(q.filter, log_level::event);
    if (!after.empty()) event += " AND " + where.after(after, log_level::event);
    auto text = "SELECT " + std::string(log_columns()) + " FROM (" + std::string(log_run_events(c->dialect())) +
                "WHERE " + candidate + ") AS logs WHERE " + event + order;
    text += " LIMIT CAST($" + std::to_string(where.bind(limit)) + " AS BIGINT)";
    text += " OFFSET CAST($" + std::to_string(where.bind(offset)) + " AS BIGINT)";
    auto r = c->exec_dynamic(text, where.params());
    if (!r) return r.error();
    for (const auto& row : r->rows) {
        auto e = log_from(row);
        if (!e) return e.error();
        out.items.push_back(std::move(*e));
    }
    if (!q.with_total) out.total = out.items.size();
    return out;
}

result<std::size_t> sql_store::purge_history(std::int64_t before_ms, std::int64_t mail_before) {
    auto events = delete_in_batches(log_pool(), query::purge_logs, log_id_floor(before_ms));
    if (!events) return events.error();
    auto mail = run(query::purge_finished_mail, {mail_before});
    if (!mail) return mail.error();
    return *events + static_cast<std::size_t>(mail->affected);
}

}  // namespace gatehouse::store::sql
