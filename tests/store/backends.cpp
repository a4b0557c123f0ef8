#include "store/backends.hpp"

#include "util/util.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace gatehouse::store::test_backends {

std::string make_temp_dir() {
    auto dir = std::filesystem::temp_directory_path() / ("gatehouse-store-" + util::random_hex(12));
    std::filesystem::create_directories(dir);
    return dir.string();
}

backend sqlite_file_backend() {
    backend b;
    b.name = "SqliteFile";
    b.unavailable = [] { return std::string(); };
    // The database file lives in a directory that does not exist yet: open_store must create it.
    b.create = [] { return "sqlite://" + make_temp_dir() + "/nested/gatehouse.db"; };
    b.destroy = [](const std::string& url) {
        auto file = std::filesystem::path(url.substr(std::string("sqlite://").size()));
        std::filesystem::remove_all(file.parent_path().parent_path());
    };
    return b;
}

backend sqlite_memory_backend() {
    backend b;
    b.name = "SqliteMemory";
    b.unavailable = [] { return std::string(); };
    b.create = [] { return std::string("sqlite::memory:"); };
    b.destroy = [](const std::string&) {};
    b.shared = false;
    return b;
}

namespace {

const char* pg_url() { return std::getenv("GATEHOUSE_TEST_PG_URL"); }

void pg_admin(const std::string& sql) {
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(pg_url()), &PQfinish);
    if (PQstatus(conn.get()) != CONNECTION_OK)
        throw std::runtime_error(std::string("cannot connect to GATEHOUSE_TEST_PG_URL: ") + PQerrorMessage(conn.get()));
    std::unique_ptr<PGresult, decltype(&PQclear)> res(
        PQexec(conn.get(), ("SET client_min_messages = warning; " + sql).c_str()), &PQclear);
    if (auto st = PQresultStatus(res.get()); st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        throw std::runtime_error(std::string("test database setup failed: ") + PQerrorMessage(conn.get()));
}

std::string schema_of(const std::string& url) { return url.substr(url.rfind("search_path%3D") + 14); }

}  // namespace

backend postgres_backend() {
    backend b;
    b.name = "Postgres";
    b.unavailable = [] {
        return pg_url() && *pg_url() ? std::string()
                                     : std::string(
                                           "GATEHOUSE_TEST_PG_URL is not set; run under "
                                           "tests/store/with-postgres.sh to test PostgreSQL");
    };
    // One schema per test, selected through the connection's search_path, so tests are isolated
    // without creating databases.
    b.create = [] {
        std::string schema = "gh_test_" + util::random_hex(12);
        pg_admin("CREATE SCHEMA " + schema);
        std::string url = pg_url();
        url += url.find('?') == std::string::npos ? '?' : '&';
        // The application name marks this test's sessions for end_sessions.
        return url + "application_name=" + schema + "&options=-csearch_path%3D" + schema;
    };
    b.destroy = [](const std::string& url) { pg_admin("DROP SCHEMA " + schema_of(url) + " CASCADE"); };
    b.end_sessions = [](const std::string& url) {
        pg_admin("SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE application_name = '" +
                 schema_of(url) + "'");
    };
    return b;
}

}  // namespace gatehouse::store::test_backends
