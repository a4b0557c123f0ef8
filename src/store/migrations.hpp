// The versioned schema of the SQL backends: an ordered list of migrations, each one script that
// both dialects share unless it carries a per-dialect variant. Applied versions are recorded in
// schema_migrations; a migration is never edited once released, only followed by a new one.
#pragma once

#include "store/sql/queries.hpp"

#include <span>
#include <string_view>

namespace gatehouse::store {

struct migration {
    int version;  // 1, 2, 3, ... without gaps
    std::string_view name;
    std::string_view sql;            // portable SQL: TEXT, BIGINT, explicit indexes
    std::string_view sqlite = {};    // replaces `sql` on SQLite when set
    std::string_view postgres = {};  // replaces `sql` on PostgreSQL (and CockroachDB/YugabyteDB) when set
};

std::span<const migration> migrations() noexcept;
std::string_view migration_sql(const migration& m, sql::dialect d) noexcept;
// The version a fully migrated database reports.
int latest_schema_version() noexcept;

// The tenant-log file of a SQLite store (store/sqlite: "<name>.logs.db" beside "<name>.db"): the log
// table of migration 16 (runs of events) and its indexes, created if missing. Its version is the
// file's user_version: 1 held migration 14's table (one row per event), which
// log_file_runs_upgrade() turns into runs.
std::string_view log_file_schema() noexcept;
std::string_view log_file_runs_upgrade() noexcept;
inline constexpr int log_file_schema_version = 2;

// Created outside the migration transaction, before anything else, by every dialect.
inline constexpr std::string_view schema_migrations_ddl =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, "
    "applied_at BIGINT NOT NULL)";

}  // namespace gatehouse::store
