// The small surface the shared SQL store needs from a database driver: run a statement of the
// query table (prepared once per connection, then reused) with text/integer parameters, run a
// parameterless script, and classify failures as store_errc. A pool hands connections out one
// caller at a time; SQLite has one connection, PostgreSQL pool_size.
#pragma once

#include "store/errc.hpp"
#include "store/sql/queries.hpp"

#include <condition_variable>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gatehouse::store::sql {

using param = std::variant<std::int64_t, std::string_view>;

// One result row. SQLite hands back typed values, libpq text; the accessors convert either way
// so the row mappers do not care which backend produced the row.
struct row {
    using cell = std::variant<std::monostate, std::int64_t, std::string>;
    std::vector<cell> cells;

    bool is_null(std::size_t i) const { return std::holds_alternative<std::monostate>(cells.at(i)); }
    std::string text(std::size_t i) const;
    std::int64_t int64(std::size_t i) const;
};

struct exec_result {
    std::vector<row> rows;
    std::int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE
};

class connection {
  public:
    virtual ~connection() = default;
    virtual sql::dialect dialect() const noexcept = 0;
    // Unique violations come back as store_errc::already_exists (expected, not logged); every
    // other failure is logged without parameter values and returned as store_errc::backend.
    virtual result<exec_result> exec(query id, std::initializer_list<param> params) = 0;
    // A statement composed at run time (a user search): prepared for this call only. Its text is
    // built from fixed fragments by the store; every value in it is one of `params`, never text.
    virtual result<exec_result> exec_composed(std::string_view sql, std::span<const param> params) = 0;
    // Several statements, no parameters, not cached: schema migrations only.
    virtual result<void> exec_script(std::string_view sql) = 0;
};

// Fixed set of connections; acquire() blocks until one is free. Leases return them on scope exit.
class pool {
  public:
    explicit pool(std::vector<std::unique_ptr<connection>> conns);

    class lease {
      public:
        lease(pool& p, std::unique_ptr<connection> c) : pool_(&p), conn_(std::move(c)) {}
        lease(lease&&) = default;
        lease& operator=(lease&&) = delete;
        ~lease();
        connection& operator*() const { return *conn_; }
        connection* operator->() const { return conn_.get(); }

      private:
        pool* pool_;
        std::unique_ptr<connection> conn_;
    };

    lease acquire();
    sql::dialect dialect() const noexcept { return dialect_; }

  private:
    void release(std::unique_ptr<connection> c);

    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<connection>> free_;
    sql::dialect dialect_;
};

}  // namespace gatehouse::store::sql
