// open_store: which URLs select which backend, and that unusable ones fail with a readable
// message at startup instead of later.
#include "store/backends.hpp"
#include "store/event_log.hpp"
#include "store/migrations.hpp"
#include "store/sqlite/sqlite_connection.hpp"
#include "store/store.hpp"
#include "util/json.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

namespace gatehouse::store {
namespace {

namespace fs = std::filesystem;

// The message open_store throws, or "" if it did not throw.
std::string open_error(const std::string& url) {
    try {
        open_store(url, 1);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return {};
}

class OpenStore : public ::testing::Test {
  protected:
    void SetUp() override { dir_ = test_backends::make_temp_dir(); }
    void TearDown() override { fs::remove_all(dir_); }

    // Proves the store is live and that the two handles share (or do not share) one database.
    static void write_client(Store& s, const std::string& id) {
        Client c;
        c.client_id = id;
        ASSERT_TRUE(s.create_client(c));
    }

    std::string dir_;
};

TEST_F(OpenStore, MemoryUrlOpensPrivateDatabases) {
    auto a = open_store("sqlite::memory:");
    auto b = open_store("sqlite::memory:");
    write_client(*a, "c1");
    EXPECT_TRUE(a->get_client("c1"));
    EXPECT_FALSE(b->get_client("c1")) << "each :memory: store is its own database";
}

TEST_F(OpenStore, AbsoluteUrlCreatesMissingParentDirectories) {
    auto path = fs::path(dir_) / "a" / "b" / "gatehouse.db";
    auto url = "sqlite://" + path.string();  // sqlite:///tmp/...
    ASSERT_EQ(url.substr(0, 10), "sqlite:///");
    {
        auto s = open_store(url);
        write_client(*s, "c1");
    }
    EXPECT_TRUE(fs::exists(path));
    EXPECT_TRUE(open_store(url)->get_client("c1"));
    EXPECT_TRUE(open_store(path.string())->get_client("c1")) << "a bare path opens the same file";
}

TEST_F(OpenStore, RelativeUrlIsRelativeToTheWorkingDirectory) {
    auto cwd = fs::current_path();
    fs::current_path(dir_);
    {
        auto s = open_store("sqlite://data/rel.db");
        write_client(*s, "rel");
    }
    fs::current_path(cwd);
    EXPECT_TRUE(fs::exists(fs::path(dir_) / "data" / "rel.db"));
    EXPECT_TRUE(open_store((fs::path(dir_) / "data" / "rel.db").string())->get_client("rel"));
}

TEST_F(OpenStore, FileIsInWalMode) {
    auto path = fs::path(dir_) / "wal.db";
    auto s = open_store(path.string());
    write_client(*s, "c1");
    EXPECT_TRUE(fs::exists(fs::path(dir_) / "wal.db-wal")) << "WAL journal present while the store is open";
}

// SQLite answers SQLITE_BUSY at once, bypassing busy_timeout, to a connection switching a new file
// to WAL while another switches it: instances started together on a fresh file failed to start
// (about one fresh file in 400 with four of them).
TEST_F(OpenStore, ConnectionsOpeningOneNewFileTogetherAllSwitchItToWal) {
    constexpr int files = 200, connections = 8;
    std::atomic<int> failures{0};
    std::string first_failure;
    std::mutex first_failure_mutex;
    for (int f = 0; f < files; ++f) {
        auto path = (fs::path(dir_) / ("fresh-" + std::to_string(f) + ".db")).string();
        std::vector<std::thread> threads;
        for (int t = 0; t < connections; ++t)
            threads.emplace_back([&] {
                try {
                    sqlite::sqlite_connection c(path);
                } catch (const std::runtime_error& e) {
                    if (failures++ == 0) {
                        std::lock_guard lock(first_failure_mutex);
                        first_failure = e.what();
                    }
                }
            });
        for (auto& t : threads) t.join();
    }
    EXPECT_EQ(failures.load(), 0) << first_failure;
}

TEST_F(OpenStore, RefusesADatabaseMigratedByANewerGatehouse) {
    auto path = (fs::path(dir_) / "future.db").string();
    open_store(path).reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    auto msg = open_error(path);
    EXPECT_NE(msg.find("newer"), std::string::npos) << msg;
}

// A SQLite file as a Gatehouse at schema `version` left it (migrations 1 to `version`), open for
// the test to put rows in.
sqlite3* database_at(const std::string& path, int version) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    auto exec = [&](const std::string& sql) {
        char* error = nullptr;
        EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "") << sql;
        sqlite3_free(error);
    };
    exec(std::string(schema_migrations_ddl));
    for (const auto& m : migrations()) {
        if (m.version > version) break;
        exec(std::string(migration_sql(m, sql::dialect::sqlite)));
        exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (" + std::to_string(m.version) +
             ", 'm', 0)");
    }
    return db;
}

std::int64_t count_rows(const std::string& path, const std::string& select_count) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, select_count.c_str(), -1, &st, nullptr), SQLITE_OK) << select_count;
    std::int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

std::size_t logs_matching(Store& s, LogFilter filter) {
    LogQuery q;
    q.with_total = true;
    q.filter = std::move(filter);
    auto page = s.list_logs(q);
    EXPECT_TRUE(page);
    return page ? page->total : 0;
}

// Migration 14 rebuilds SQLite's logs table (keyed by log_id, fewer indexes): events written before
// it are all kept, read back whole and found by every filter and by the retention purge.
TEST_F(OpenStore, TenantLogsWrittenBeforeTheLogTableRebuildSurviveIt) {
    auto path = (fs::path(dir_) / "v13.db").string();
    auto* db = database_at(path, 13);
    struct old_event {
        std::int64_t date_ms;
        const char *type, *user_id, *client_id;
    };
    std::vector<std::string> ids;
    for (auto e : {old_event{1000, "seccft", "", "c1"}, old_event{2000, "s", "auth0|a", "c1"},
                   old_event{3000, "f", "auth0|b", ""}}) {
        ids.push_back(new_log_id(e.date_ms));
        auto insert = "INSERT INTO logs VALUES ('" + ids.back() + "', " + std::to_string(e.date_ms) + ", '" + e.type +
                      "', 'description', '" + e.client_id + "', 'App', '127.0.0.1', '" + e.user_id +
                      "', 'name', 'Username-Password-Authentication', '{\"n\":" + std::to_string(e.date_ms) + "}')";
        ASSERT_EQ(sqlite3_exec(db, insert.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << insert;
    }
    sqlite3_close(db);

    {
        auto s = open_store(path);
        EXPECT_EQ(logs_matching(*s, {}), 3u);
        auto second = s->get_log(ids[1]);
        ASSERT_TRUE(second);
        EXPECT_EQ(second->user_id, "auth0|a");
        EXPECT_EQ(second->connection, "Username-Password-Authentication");
        EXPECT_EQ(second->details, (json::object{{"n", 2000}}));
        EXPECT_EQ(logs_matching(*s, test_backends::log_equals(LogFilter::kind::user_id, "auth0|a")), 1u);
        EXPECT_EQ(logs_matching(*s, test_backends::log_equals(LogFilter::kind::client_id, "c1")), 2u);
        EXPECT_EQ(logs_matching(*s, test_backends::log_equals(LogFilter::kind::type, "f")), 1u);
        LogFilter range;
        range.op = LogFilter::kind::date;
        range.from_ms = 1500;
        range.to_ms = 3000;
        EXPECT_EQ(logs_matching(*s, range), 2u);
        EXPECT_EQ(*s->purge_history(2500, 0), 2u);
        EXPECT_EQ(logs_matching(*s, {}), 1u);
    }
    // The store keeps them in its log file (migration 15), as runs (migration 16).
    const auto logs_path = sqlite::log_file_path(path);
    EXPECT_EQ(count_rows(logs_path,
                         "SELECT COUNT(*) FROM sqlite_master WHERE name = 'log_runs' AND sql LIKE '%WITHOUT ROWID%'"),
              1);
    EXPECT_EQ(count_rows(logs_path, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'logs%'"), 0);
    EXPECT_EQ(count_rows(path, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'log%'"), 0);
}

TEST_F(OpenStore, TenantLogsLiveInAFileOfTheirOwnBesideTheStore) {
    EXPECT_EQ(sqlite::log_file_path("data/gatehouse.db"), "data/gatehouse.logs.db");
    EXPECT_EQ(sqlite::log_file_path("/srv/tenant"), "/srv/tenant.logs");
    auto path = (fs::path(dir_) / "gatehouse.db").string();
    {
        auto s = open_store(path);
        LogEvent e;
        e.log_id = new_log_id(1000);
        e.date_ms = 1000;
        e.type = "seccft";
        ASSERT_TRUE(s->append_logs(std::span<const LogEvent>(&e, 1)));
        EXPECT_EQ(logs_matching(*s, {}), 1u);
    }
    const auto logs_path = (fs::path(dir_) / "gatehouse.logs.db").string();
    EXPECT_EQ(count_rows(logs_path, "SELECT SUM(event_count) FROM log_runs"), 1);
    EXPECT_EQ(count_rows(logs_path, "PRAGMA page_size"), 16384);
    EXPECT_EQ(count_rows(logs_path, "PRAGMA user_version"), log_file_schema_version);
    EXPECT_EQ(count_rows(path, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'log%'"), 0);
    EXPECT_EQ(count_rows(path, "PRAGMA page_size"), 4096) << "the store's own file keeps SQLite's default";
}

// Events an older Gatehouse kept in the store's file move to the log file when this one opens it.
// Had a process stopped between the log file's commit and the store file's, both hold the events:
// the next start keeps one copy of each.
TEST_F(OpenStore, TenantLogsOfAnOlderStoreMoveToTheLogFileOnceEach) {
    auto path = (fs::path(dir_) / "v14.db").string();
    auto* db = database_at(path, 14);
    std::vector<std::string> ids;
    for (std::int64_t date : {1000, 2000}) {
        ids.push_back(new_log_id(date));
        auto insert = "INSERT INTO logs VALUES ('" + ids.back() + "', " + std::to_string(date) +
                      ", 's', 'Success Login', 'c1', 'App', '127.0.0.1', 'auth0|a', 'a@example.com', 'db', '{}')";
        ASSERT_EQ(sqlite3_exec(db, insert.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << insert;
    }
    sqlite3_close(db);
    const auto logs_path = sqlite::log_file_path(path);
    {
        auto s = open_store(path);
        EXPECT_EQ(logs_matching(*s, {}), 2u);
        EXPECT_TRUE(s->get_log(ids[0]));
    }
    EXPECT_EQ(count_rows(logs_path, "SELECT SUM(event_count) FROM log_runs"), 2);
    EXPECT_EQ(count_rows(path, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'log%'"), 0);

    // The state a stop between the two commits leaves: the events in both files.
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    auto copy_back =
        "ATTACH DATABASE '" + logs_path + "' AS log_file; CREATE TABLE log_runs AS SELECT * FROM log_file.log_runs;";
    ASSERT_EQ(sqlite3_exec(db, copy_back.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    {
        auto s = open_store(path);
        EXPECT_EQ(logs_matching(*s, {}), 2u);
    }
    EXPECT_EQ(count_rows(path, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'log%'"), 0);
}

// The log writer's transactions hold the log file, never the store's: a token request's write goes
// through while a long log transaction is open, where it used to wait for it (or time out after 5 s).
TEST_F(OpenStore, StoreWritesDoNotWaitForALogTransaction) {
    auto path = (fs::path(dir_) / "gatehouse.db").string();
    auto s = open_store(path);
    sqlite3* writer = nullptr;
    ASSERT_EQ(sqlite3_open(sqlite::log_file_path(path).c_str(), &writer), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(writer, "BEGIN IMMEDIATE; DELETE FROM log_runs;", nullptr, nullptr, nullptr), SQLITE_OK);
    auto started = std::chrono::steady_clock::now();
    write_client(*s, "during-a-log-transaction");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
    EXPECT_TRUE(s->get_client("during-a-log-transaction"));
    ASSERT_EQ(sqlite3_exec(writer, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(writer);
}

// A log file of version 1 (one row per event, as Gatehouse wrote it before migration 16) becomes
// version 2 when the store opens: every event a run of one, read back whole and found by every filter.
TEST_F(OpenStore, EventsOfAVersionOneLogFileBecomeRunsAndStayWhole) {
    auto path = (fs::path(dir_) / "gatehouse.db").string();
    const auto logs_path = sqlite::log_file_path(path);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(logs_path.c_str(), &db), SQLITE_OK);
    std::string script =
        "PRAGMA page_size = 16384; CREATE TABLE logs (log_id TEXT PRIMARY KEY, date_ms BIGINT NOT NULL, type TEXT "
        "NOT NULL, description TEXT NOT NULL, client_id TEXT NOT NULL, client_name TEXT NOT NULL, ip TEXT NOT NULL, "
        "user_id TEXT NOT NULL, user_name TEXT NOT NULL, connection_name TEXT NOT NULL, details TEXT NOT NULL) WITHOUT "
        "ROWID; CREATE INDEX logs_type_idx ON logs (type, log_id); PRAGMA user_version = 1;";
    std::vector<std::string> ids;
    for (std::int64_t date : {1000, 2000, 3000}) {
        ids.push_back(new_log_id(date));
        script += "INSERT INTO logs VALUES ('" + ids.back() + "', " + std::to_string(date) + ", '" +
                  (date == 2000 ? "f" : "s") + "', 'it''s \"quoted\"', 'c1', 'App \xc3\xa9', '127.0.0.1', 'auth0|" +
                  std::to_string(date) + "', 'a@example.com', 'db', '{\"n\":" + std::to_string(date) + "}');";
    }
    ASSERT_EQ(sqlite3_exec(db, script.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << script;
    sqlite3_close(db);
    {
        auto s = open_store(path);
        EXPECT_EQ(logs_matching(*s, {}), 3u);
        EXPECT_EQ(logs_matching(*s, test_backends::log_equals(LogFilter::kind::type, "f")), 1u);
        EXPECT_EQ(logs_matching(*s, test_backends::log_equals(LogFilter::kind::user_id, "auth0|3000")), 1u);
        auto second = s->get_log(ids[1]);
        ASSERT_TRUE(second);
        EXPECT_EQ(second->date_ms, 2000);
        EXPECT_EQ(second->type, "f");
        EXPECT_EQ(second->description, "it's \"quoted\"");
        EXPECT_EQ(second->client_name, "App \xc3\xa9");
        EXPECT_EQ(second->user_id, "auth0|2000");
        EXPECT_EQ(second->connection, "db");
        EXPECT_EQ(second->details, (json::object{{"n", 2000}}));
    }
    EXPECT_EQ(count_rows(logs_path, "PRAGMA user_version"), 2);
    EXPECT_EQ(count_rows(logs_path, "SELECT COUNT(*) FROM log_runs"), 3);
    EXPECT_EQ(count_rows(logs_path, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'logs%'"), 0);
}

TEST_F(OpenStore, ALogFileOfANewerGatehouseIsAClearStartError) {
    auto path = (fs::path(dir_) / "gatehouse.db").string();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(sqlite::log_file_path(path).c_str(), &db), SQLITE_OK);
    auto newer = "PRAGMA user_version = " + std::to_string(log_file_schema_version + 1);
    ASSERT_EQ(sqlite3_exec(db, newer.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    EXPECT_NE(open_error("sqlite://" + path).find("newer than this Gatehouse understands"), std::string::npos)
        << open_error("sqlite://" + path);
}

// Migration 13 deletes the rotated refresh tokens earlier purges left without their family's
// current token, and nothing of a family that still has one.
TEST_F(OpenStore, RefreshFamilyMigrationDeletesOnlyOrphanedRotatedTokens) {
    auto path = (fs::path(dir_) / "v12.db").string();
    auto* db = database_at(path, 12);
    auto insert = [&](const std::string& hash, const std::string& grant, int rotated_at) {
        auto sql =
            "INSERT INTO refresh_tokens (token_hash, grant_id, client_id, user_id, scope, audience, session_id, "
            "auth_time, created_at, expires_at, rotated_at, revoked_at) VALUES ('" +
            hash + "', '" + grant + "', 'c', 'u', 'openid', '', '', 0, 0, 0, " + std::to_string(rotated_at) + ", 0)";
        ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
    };
    insert("live-1", "family", 5);
    insert("live-2", "family", 9);
    insert("live-current", "family", 0);
    insert("orphan-1", "orphaned", 5);
    insert("orphan-2", "orphaned", 9);
    sqlite3_close(db);

    open_store(path).reset();
    EXPECT_EQ(count_rows(path, "SELECT COUNT(*) FROM refresh_tokens WHERE grant_id = 'family'"), 3);
    EXPECT_EQ(count_rows(path, "SELECT COUNT(*) FROM refresh_tokens WHERE grant_id = 'orphaned'"), 0);
}

TEST_F(OpenStore, UnknownSchemeIsNamed) {
    auto msg = open_error("mysql://user@host/db");
    EXPECT_NE(msg.find("mysql"), std::string::npos) << msg;
    EXPECT_NE(open_error("redis://localhost").find("redis"), std::string::npos);
}

TEST_F(OpenStore, MalformedOrUnusableUrlsThrow) {
    EXPECT_FALSE(open_error("").empty());
    EXPECT_FALSE(open_error("sqlite://").empty());
    EXPECT_FALSE(open_error("sqlite:relative.db").empty());
    // A file where a directory is needed.
    auto blocker = fs::path(dir_) / "file";
    { std::ofstream(blocker.string()) << "x"; }
    EXPECT_FALSE(open_error((blocker / "sub" / "db.sqlite").string()).empty());
    // Not a database.
    auto junk = fs::path(dir_) / "junk.db";
    { std::ofstream(junk.string()) << std::string(4096, 'j'); }
    EXPECT_FALSE(open_error(junk.string()).empty());
}

TEST_F(OpenStore, UnreachablePostgresFailsAtOpenWithoutLeakingThePassword) {
    auto msg = open_error("postgres://gatehouse:hunter2@127.0.0.1:1/gatehouse?connect_timeout=2");
    EXPECT_FALSE(msg.empty());
    EXPECT_EQ(msg.find("hunter2"), std::string::npos) << msg;
    EXPECT_FALSE(open_error("postgresql://gatehouse:hunter2@127.0.0.1:1/gatehouse?connect_timeout=2").empty());
}

}  // namespace
}  // namespace gatehouse::store
