#include "store/postgres/pg_connection.hpp"

#include "store/sql/sql_store.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace gatehouse::store::postgres {

namespace {

struct result_deleter {
    void operator()(PGresult* r) const { PQclear(r); }
};
using pg_result = std::unique_ptr<PGresult, result_deleter>;

constexpr std::string_view kUniqueViolation = "23505";

// Only SQLSTATE and the primary message are logged: DETAIL would quote the offending key values.
boost::system::error_code classify(PGconn* conn, const PGresult* res, std::string_view what) {
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    if (state && state == kUniqueViolation) return store_errc::already_exists;
    const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    if (!primary) primary = PQerrorMessage(conn);
    spdlog::error("store: postgres {} failed: [{}] {}", what, state ? state : "-", primary ? primary : "");
    return store_errc::backend;
}

std::string pg_error(PGconn* conn) {
    std::string msg = conn ? PQerrorMessage(conn) : "out of memory";
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return msg;
}

}  // namespace

pg_connection::pg_connection(const std::string& url) {
    conn_ = PQconnectdb(url.c_str());
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
        auto msg = pg_error(conn_);
        PQfinish(conn_);
        conn_ = nullptr;
        throw std::runtime_error("cannot connect to PostgreSQL: " + msg);
    }
    // NOTICEs ("relation already exists, skipping") are expected during migrations; not log noise.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
}

pg_connection::~pg_connection() { PQfinish(conn_); }

bool pg_connection::ensure_open() {
    // A session the server ended while this connection sat in the pool (restart, failover,
    // pg_terminate_backend) still reads CONNECTION_OK until libpq touches the socket, and the next
    // statement would fail on it. Reading what is pending finds out first; it never blocks (libpq's
    // socket is non-blocking) and costs a recv or two next to a round trip. The server's goodbye
    // (an ErrorResponse) and the end of the stream can take one read each.
    for (int i = 0; i < 2 && PQstatus(conn_) == CONNECTION_OK; ++i) PQconsumeInput(conn_);
    if (PQstatus(conn_) == CONNECTION_OK) return true;
    // Server restart or failover: reconnect once; prepared statements died with the session.
    PQreset(conn_);
    prepared_.fill(false);
    if (PQstatus(conn_) == CONNECTION_OK) return true;
    spdlog::error("store: postgres connection lost and reconnect failed: {}", pg_error(conn_));
    return false;
}

bool pg_connection::prepare(sql::query id) {
    auto index = static_cast<std::size_t>(id);
    if (prepared_[index]) return true;
    auto name = "gh" + std::to_string(index);
    std::string text(sql::query_text(id, sql::dialect::postgres));
    pg_result res(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr));
    if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
        classify(conn_, res.get(), "prepare of statement " + std::to_string(index));
        return false;
    }
    prepared_[index] = true;
    return true;
}

namespace {

// Text-format parameters must be NUL-terminated, so each one is copied once.
struct text_params {
    std::vector<std::string> values;
    std::vector<const char*> ptrs;
    explicit text_params(std::span<const sql::param> params) {
        values.reserve(params.size());
        for (const auto& p : params) {
            if (auto n = std::get_if<std::int64_t>(&p))
                values.push_back(std::to_string(*n));
            else
                values.emplace_back(std::get<std::string_view>(p));
        }
        ptrs.reserve(values.size());
        for (const auto& v : values) ptrs.push_back(v.c_str());
    }
};

sql::exec_result rows_of(const PGresult* res) {
    sql::exec_result out;
    int rows = PQntuples(res);
    int cols = PQnfields(res);
    out.rows.reserve(static_cast<std::size_t>(rows));
    for (int r = 0; r < rows; ++r) {
        sql::row row;
        row.cells.reserve(static_cast<std::size_t>(cols));
        for (int c = 0; c < cols; ++c) {
            if (PQgetisnull(res, r, c))
                row.cells.emplace_back(std::monostate{});
            else
                row.cells.emplace_back(
                    std::string(PQgetvalue(res, r, c), static_cast<std::size_t>(PQgetlength(res, r, c))));
        }
        out.rows.push_back(std::move(row));
    }
    const char* affected = PQcmdTuples(const_cast<PGresult*>(res));
    if (affected && *affected) std::from_chars(affected, affected + std::strlen(affected), out.affected);
    return out;
}

bool succeeded(const pg_result& res) {
    auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

}  // namespace

result<sql::exec_result> pg_connection::exec(sql::query id, std::initializer_list<sql::param> params) {
    if (!ensure_open() || !prepare(id)) return make_error_code(store_errc::backend);
    text_params values(std::span<const sql::param>(params.begin(), params.size()));
    auto name = "gh" + std::to_string(static_cast<std::size_t>(id));
    pg_result res(PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.ptrs.size()), values.ptrs.data(), nullptr,
                                 nullptr, 0));
    if (!succeeded(res)) {
        auto ec = classify(conn_, res.get(), "statement " + std::to_string(static_cast<std::size_t>(id)));
        if (PQstatus(conn_) != CONNECTION_OK) prepared_.fill(false);
        return ec;
    }
    return rows_of(res.get());
}

result<sql::exec_result> pg_connection::exec_dynamic(std::string_view sql, std::span<const sql::param> params) {
    if (!ensure_open()) return make_error_code(store_errc::backend);
    text_params values(params);
    std::string text(sql);
    pg_result res(PQexecParams(conn_, text.c_str(), static_cast<int>(values.ptrs.size()), nullptr, values.ptrs.data(),
                               nullptr, nullptr, 0));
    if (!succeeded(res)) {
        auto ec = classify(conn_, res.get(), "composed statement");
        if (PQstatus(conn_) != CONNECTION_OK) prepared_.fill(false);
        return ec;
    }
    return rows_of(res.get());
}

result<void> pg_connection::exec_script(std::string_view sql) {
    if (!ensure_open()) return make_error_code(store_errc::backend);
    std::string text(sql);
    pg_result res(PQexec(conn_, text.c_str()));
    auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return classify(conn_, res.get(), "script");
    return {};
}

}  // namespace gatehouse::store::postgres

namespace gatehouse::store {

std::unique_ptr<Store> open_postgres_store(const std::string& url, int pool_size) {
    std::vector<std::unique_ptr<sql::connection>> conns;
    for (int i = 0; i < pool_size; ++i) conns.push_back(std::make_unique<postgres::pg_connection>(url));
    auto store = std::make_unique<sql::sql_store>(std::make_unique<sql::pool>(std::move(conns)));
    auto v = store->migrate();
    if (!v) throw std::runtime_error("cannot migrate the PostgreSQL database: " + v.error().message());
    sql::require_known_schema(*v);
    return store;
}

}  // namespace gatehouse::store
