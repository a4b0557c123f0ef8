#include "store/sqlite/sqlite_connection.hpp"
#include "store/store.hpp"

#include <filesystem>
#include <stdexcept>

namespace gatehouse::store {

std::unique_ptr<Store> open_postgres_store(const std::string& url, int pool_size);

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::unique_ptr<Store> open_sqlite_file(const std::string& path) {
    if (path.empty()) throw std::runtime_error("SQLite database URL names no file");
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(parent, ec);
        if (ec)
            throw std::runtime_error("cannot create directory '" + parent.string() +
                                     "' for the SQLite database: " + ec.message());
    }
    return sqlite::open_sqlite_store(path);
}

}  // namespace

std::unique_ptr<Store> open_store(const std::string& url, int pool_size) {
    if (url.empty()) throw std::runtime_error("empty database URL");
    if (url == "sqlite::memory:") return sqlite::open_sqlite_store(":memory:");
    // "sqlite:///abs" keeps its leading slash as the path's root; "sqlite://rel" is relative.
    if (starts_with(url, "sqlite://")) return open_sqlite_file(url.substr(9));
    if (starts_with(url, "postgres://") || starts_with(url, "postgresql://")) {
        if (pool_size < 1) throw std::runtime_error("PostgreSQL pool size must be at least 1");
        return open_postgres_store(url, pool_size);
    }
    auto scheme_end = url.find("://");
    if (scheme_end != std::string::npos)
        throw std::runtime_error("unsupported database URL scheme '" + url.substr(0, scheme_end) +
                                 "' (expected sqlite:// or postgres://)");
    if (starts_with(url, "sqlite:"))
        throw std::runtime_error(
            "malformed SQLite URL (expected sqlite:///abs/path.db, sqlite://rel/path.db or "
            "sqlite::memory:)");
    return open_sqlite_file(url);
}

}  // namespace gatehouse::store
