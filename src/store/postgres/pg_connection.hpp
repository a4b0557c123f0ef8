// PostgreSQL driver for the shared SQL store (libpq): each pooled connection prepares the
// statements of the query table on first use, under names derived from their enumerator, and
// re-prepares only after a reconnect.
#pragma once

#include "store/sql/connection.hpp"
#include "store/store.hpp"

#include <array>
#include <memory>
#include <string>

struct pg_conn;

namespace gatehouse::store::postgres {

class pg_connection final : public sql::connection {
  public:
    // Throws std::runtime_error (without the URL, which may carry a password) if unreachable.
    explicit pg_connection(const std::string& url);
    ~pg_connection() override;
    pg_connection(const pg_connection&) = delete;
    pg_connection& operator=(const pg_connection&) = delete;

    sql::dialect dialect() const noexcept override { return sql::dialect::postgres; }
    result<sql::exec_result> exec(sql::query id, std::initializer_list<sql::param> params) override;
    result<sql::exec_result> exec_composed(std::string_view sql, std::span<const sql::param> params) override;
    result<void> exec_script(std::string_view sql) override;

  private:
    bool ensure_open();
    bool prepare(sql::query id);

    pg_conn* conn_ = nullptr;
    std::array<bool, sql::query_count> prepared_{};
};

}  // namespace gatehouse::store::postgres
