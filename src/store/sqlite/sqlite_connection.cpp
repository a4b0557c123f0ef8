#include "store/sqlite/sqlite_connection.hpp"

#include "store/migrations.hpp"
#include "store/sql/queries.hpp"
#include "store/sql/sql_store.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace gatehouse::store::sqlite {

namespace {

boost::system::error_code classify(sqlite3* db, int rc, std::string_view what) {
    // Extended codes tell a taken unique key (the caller's problem) from everything else.
    int ext = sqlite3_extended_errcode(db);
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) return store_errc::already_exists;
    spdlog::error("store: sqlite {} failed: {} ({})", what, sqlite3_errmsg(db), rc);
    return store_errc::backend;
}

// Resets a kept statement on every exit, so it never holds a read transaction open between calls.
struct reset_on_exit {
    sqlite3_stmt* st;
    ~reset_on_exit() {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
};

}  // namespace

std::string to_sqlite_placeholders(std::string_view sql) {
    std::string out;
    out.reserve(sql.size());
    std::size_t highest = 0;  // SQLite numbers a bare ? highest + 1
    for (std::size_t i = 0; i < sql.size();) {
        if (sql[i] != '$' || i + 1 >= sql.size() || sql[i + 1] < '0' || sql[i + 1] > '9') {
            out.push_back(sql[i++]);
            continue;
        }
        auto digits = sql.find_first_not_of("0123456789", i + 1);
        if (digits == std::string_view::npos) digits = sql.size();
        auto number = sql.substr(i + 1, digits - i - 1);
        std::size_t n = 0;
        std::from_chars(number.data(), number.data() + number.size(), n);
        out += '?';
        if (n != highest + 1) out += number;
        highest = std::max(highest, n);
        i = digits;
    }
    return out;
}

sqlite_connection::sqlite_connection(const std::string& path, int page_size) {
    int rc =
        sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw std::runtime_error("cannot open SQLite database '" + path + "': " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    // busy_timeout first: the journal_mode switch itself needs the lock another process may hold.
    // synchronous=NORMAL is durable against process crashes in WAL mode (only an OS crash or
    // power loss can drop the last transactions), and saves an fsync per commit.
    configure(path, "PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms) + ";");
    // Before anything writes the file's first page, which fixes its page size.
    if (page_size > 0) configure(path, "PRAGMA page_size = " + std::to_string(page_size) + ";");
    configure(path, "PRAGMA journal_mode = WAL;");
    // temp_store=MEMORY keeps statement journals in memory: a multi-row INSERT's outgrew SQLite's
    // 64 KiB default and went to a temporary file, created and unlinked per statement.
    configure(path,
              "PRAGMA synchronous = NORMAL;"
              "PRAGMA foreign_keys = ON;"
              "PRAGMA temp_store = MEMORY;");
}

void sqlite_connection::configure(const std::string& path, const std::string& pragmas) {
    // Switching a new file to WAL answers SQLITE_BUSY at once, without the busy handler, when
    // another connection is switching it too (instances starting together on one fresh file), so
    // the wait busy_timeout would give is made here.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
    for (;;) {
        char* err = nullptr;
        int rc = sqlite3_exec(db_, pragmas.c_str(), nullptr, nullptr, &err);
        if (rc == SQLITE_OK) return;
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        if ((rc & 0xff) == SQLITE_BUSY && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            continue;
        }
        sqlite3_close(db_);
        db_ = nullptr;
        throw std::runtime_error("cannot configure SQLite database '" + path + "': " + msg);
    }
}

sqlite_connection::~sqlite_connection() {
    for (auto* s : statements_) sqlite3_finalize(s);
    finalize_composed();
    sqlite3_close(db_);
}

sqlite3_stmt* sqlite_connection::statement(sql::query id) {
    auto& slot = statements_[static_cast<std::size_t>(id)];
    if (!slot) {
        auto text = to_sqlite_placeholders(sql::query_text(id, sql::dialect::sqlite));
        if (sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size()), SQLITE_PREPARE_PERSISTENT, &slot,
                               nullptr) != SQLITE_OK) {
            spdlog::error("store: sqlite prepare of statement {} failed: {}", static_cast<std::size_t>(id),
                          sqlite3_errmsg(db_));
            sqlite3_finalize(slot);
            slot = nullptr;
        }
    }
    return slot;
}

result<sql::exec_result> sqlite_connection::exec(sql::query id, std::initializer_list<sql::param> params) {
    sqlite3_stmt* st = statement(id);
    if (!st) return make_error_code(store_errc::backend);
    reset_on_exit guard{st};
    return bind_and_step(st, std::span<const sql::param>(params.begin(), params.size()));
}

result<sql::exec_result> sqlite_connection::exec_dynamic(std::string_view sql, std::span<const sql::param> params) {
    auto cached = composed_.find(sql);
    if (cached == composed_.end()) {
        auto text = to_sqlite_placeholders(sql);
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size()), SQLITE_PREPARE_PERSISTENT, &st,
                               nullptr) != SQLITE_OK) {
            spdlog::error("store: sqlite prepare of a composed statement failed: {}", sqlite3_errmsg(db_));
            sqlite3_finalize(st);
            return make_error_code(store_errc::backend);
        }
        if (composed_.size() >= max_composed_statements) finalize_composed();
        cached = composed_.emplace(std::string(sql), st).first;
    }
    reset_on_exit guard{cached->second};
    return bind_and_step(cached->second, params);
}

void sqlite_connection::finalize_composed() {
    for (auto& [text, st] : composed_) sqlite3_finalize(st);
    composed_.clear();
}

result<sql::exec_result> sqlite_connection::bind_and_step(sqlite3_stmt* st, std::span<const sql::param> params) {
    int index = 1;
    for (const auto& p : params) {
        int rc;
        if (auto n = std::get_if<std::int64_t>(&p)) {
            rc = sqlite3_bind_int64(st, index, *n);
        } else {
            auto s = std::get<std::string_view>(p);
            // A default-constructed string_view has no data pointer, which SQLite would bind as NULL.
            rc = sqlite3_bind_text(st, index, s.data() ? s.data() : "", static_cast<int>(s.size()), SQLITE_STATIC);
        }
        if (rc != SQLITE_OK) return classify(db_, rc, "bind");
        ++index;
    }

    sql::exec_result out;
    for (;;) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) return classify(db_, rc, "step");
        sql::row r;
        int n = sqlite3_column_count(st);
        r.cells.reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
            switch (sqlite3_column_type(st, i)) {
                case SQLITE_NULL:
                    r.cells.emplace_back(std::monostate{});
                    break;
                case SQLITE_INTEGER:
                    r.cells.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(st, i)));
                    break;
                default: {
                    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
                    r.cells.emplace_back(
                        std::string(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, i))));
                }
            }
        }
        out.rows.push_back(std::move(r));
    }
    // sqlite3_changes64 keeps the count of the last write, which a SELECT must not report.
    out.affected = sqlite3_stmt_readonly(st) ? 0 : sqlite3_changes64(db_);
    return out;
}

result<void> sqlite_connection::exec_script(std::string_view sql) {
    std::string text(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        spdlog::error("store: sqlite script failed: {}", err ? err : sqlite3_errstr(rc));
        sqlite3_free(err);
        return make_error_code(store_errc::backend);
    }
    return {};
}

namespace {

// The log file takes nothing but appends in log_id order and range scans. Pages four times SQLite's
// default put a fourth of the WAL frames, and of the system calls that write them, in each commit.
constexpr int kLogFilePageSize = 16384;

std::unique_ptr<sql::pool> one_connection_pool(std::unique_ptr<sql::connection> c) {
    std::vector<std::unique_ptr<sql::connection>> conns;
    conns.push_back(std::move(c));
    return std::make_unique<sql::pool>(std::move(conns));
}

std::int64_t single_int(sql::connection& c, std::string_view query, const std::string& path) {
    auto r = c.exec_dynamic(query, {});
    if (!r || r->rows.empty()) throw std::runtime_error("cannot read SQLite database '" + path + "'");
    return r->rows.front().int64(0);
}

// Opens (creating if need be) the tenant-log file and brings its schema up to date.
std::unique_ptr<sqlite_connection> open_log_file(const std::string& path) {
    auto c = std::make_unique<sqlite_connection>(path, kLogFilePageSize);
    auto version = single_int(*c, "PRAGMA user_version", path);
    if (version > log_file_schema_version)
        throw std::runtime_error("tenant-log file '" + path + "' has schema version " + std::to_string(version) +
                                 ", newer than this Gatehouse understands (" + std::to_string(log_file_schema_version) +
                                 "); upgrade Gatehouse");
    if (version == log_file_schema_version) return c;
    // A version-1 file (one row per event) becomes runs in one transaction; IMMEDIATE, and the version
    // read again inside, so of instances opening it together only the first converts it.
    if (!c->exec_script("BEGIN IMMEDIATE")) throw std::runtime_error("cannot lock the tenant-log file '" + path + "'");
    version = single_int(*c, "PRAGMA user_version", path);
    std::string script;
    if (version == 0) script = log_file_schema();
    if (version == 1) script = log_file_runs_upgrade();
    if (!script.empty() &&
        !c->exec_script(script + "PRAGMA user_version = " + std::to_string(log_file_schema_version) + ";")) {
        (void)c->exec_script("ROLLBACK");
        throw std::runtime_error("cannot bring the tenant-log table in '" + path + "' up to date");
    }
    if (!c->exec_script("COMMIT")) throw std::runtime_error("cannot commit the tenant-log file '" + path + "'");
    if (version == 1) spdlog::info("store: tenant logs in {} stored as runs (log file version 2)", path);
    return c;
}

// Events that an older Gatehouse wrote to the store's own file move to the log file, in one
// transaction on each file. Should the process stop between the two commits, the events are in both
// and the next start copies none twice (log_id is the key) and drops the table then.
void move_logs_to_log_file(const std::string& path, const std::string& logs_path) {
    sqlite_connection c(path);
    // Since migration 16 the store's own table is log_runs (empty unless an older Gatehouse wrote it).
    const std::string_view has_logs = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'log_runs'";
    if (single_int(c, has_logs, path) == 0) return;
    const std::array<sql::param, 1> file{std::string_view(logs_path)};
    if (!c.exec_dynamic("ATTACH DATABASE $1 AS log_file", file))
        throw std::runtime_error("cannot attach the tenant-log file '" + logs_path + "'");
    // IMMEDIATE, and the table looked up again inside: of instances upgrading one file together, the
    // first moves the events and the others, once it commits, find nothing left to move.
    std::int64_t events = 0;
    auto moved = c.exec_script("BEGIN IMMEDIATE");
    if (moved && single_int(c, has_logs, path) == 0) {
        moved = c.exec_script("COMMIT");
    } else if (moved) {
        events = single_int(c, "SELECT COALESCE(SUM(event_count), 0) FROM main.log_runs", path);
        moved = c.exec_script(
            "INSERT OR IGNORE INTO log_file.log_runs SELECT * FROM main.log_runs ORDER BY log_id; DROP TABLE "
            "main.log_runs; COMMIT;");
        if (!moved) (void)c.exec_script("ROLLBACK");
    }
    (void)c.exec_script("DETACH DATABASE log_file");
    if (!moved) throw std::runtime_error("cannot move the tenant logs of '" + path + "' to '" + logs_path + "'");
    if (events > 0) spdlog::info("store: moved {} tenant log events to {}", events, logs_path);
}

}  // namespace

std::string log_file_path(const std::string& path) {
    std::filesystem::path p(path);
    return p.replace_filename(p.stem().string() + ".logs" + p.extension().string()).string();
}

std::unique_ptr<Store> open_sqlite_store(const std::string& path) {
    const bool in_memory = path == ":memory:";
    auto main = one_connection_pool(std::make_unique<sqlite_connection>(path));
    const auto logs_path = in_memory ? std::string() : log_file_path(path);
    auto store = std::make_unique<sql::sql_store>(std::move(main),
                                                  in_memory ? nullptr : one_connection_pool(open_log_file(logs_path)));
    auto v = store->migrate();
    if (!v) throw std::runtime_error("cannot migrate SQLite database '" + path + "': " + v.error().message());
    sql::require_known_schema(*v);
    if (!in_memory) move_logs_to_log_file(path, logs_path);
    return store;
}

}  // namespace gatehouse::store::sqlite
