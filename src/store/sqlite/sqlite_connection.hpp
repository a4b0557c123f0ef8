// SQLite driver for the shared SQL store: one sqlite3 handle in WAL mode with every statement of
// the query table prepared on first use and kept for the life of the connection.
#pragma once

#include "store/sql/connection.hpp"
#include "store/store.hpp"

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace gatehouse::store::sqlite {

class sqlite_connection final : public sql::connection {
  public:
    // `path` is a filename or ":memory:". `page_size` (bytes, 0 for SQLite's default) applies to a
    // file this creates; an existing file keeps its own. Throws std::runtime_error if the database
    // cannot be opened or configured (startup only).
    explicit sqlite_connection(const std::string& path, int page_size = 0);
    ~sqlite_connection() override;
    sqlite_connection(const sqlite_connection&) = delete;
    sqlite_connection& operator=(const sqlite_connection&) = delete;

    sql::dialect dialect() const noexcept override { return sql::dialect::sqlite; }
    result<sql::exec_result> exec(sql::query id, std::initializer_list<sql::param> params) override;
    result<sql::exec_result> exec_dynamic(std::string_view sql, std::span<const sql::param> params) override;
    result<void> exec_script(std::string_view sql) override;

  private:
    // How long a statement waits for a lock another connection holds before it fails.
    static constexpr int busy_timeout_ms = 5000;

    // Runs startup pragmas, retrying while another connection holds the lock; throws if it cannot.
    void configure(const std::string& path, const std::string& pragmas);
    sqlite3_stmt* statement(sql::query id);
    result<sql::exec_result> bind_and_step(sqlite3_stmt* st, std::span<const sql::param> params);

    void finalize_composed();

    // Composed statements (searches, multi-row log INSERTs) are kept prepared by their text: the
    // tenant log writer's 100-row INSERT spent more time in SQLite's parser than in its B-trees.
    // Few shapes recur; past the bound the cache starts over.
    static constexpr std::size_t max_composed_statements = 32;

    sqlite3* db_ = nullptr;
    std::array<sqlite3_stmt*, sql::query_count> statements_{};
    // Keyed by the text as the store composed it, so a hit costs no placeholder rewrite (the log
    // writer's 100-row INSERT is 10 KB of text).
    struct text_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, sqlite3_stmt*, text_hash, std::equal_to<>> composed_;
};

// PostgreSQL's $n placeholders in SQLite's syntax, numbered alike (so a parameter may repeat): the
// next new number is a bare ?, any other ?n. SQLite's code generator looks each ?n up in a list of
// the statement's numbered parameters, so a multi-row INSERT of 1,100 ?n cost a quadratic 15% of
// the server's CPU; a bare ? costs nothing.
std::string to_sqlite_placeholders(std::string_view sql);

// A store over one SQLite database; thread-safe through its one-connection pools. A file store keeps
// its tenant logs in a second file beside it (log_file_path), with a connection of its own; events
// an older version kept in the store's file move there when it opens. ":memory:" keeps them in the
// one database.
std::unique_ptr<Store> open_sqlite_store(const std::string& path);
// "data/gatehouse.db" -> "data/gatehouse.logs.db"; "data/tenant" -> "data/tenant.logs".
std::string log_file_path(const std::string& path);

}  // namespace gatehouse::store::sqlite
