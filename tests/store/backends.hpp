// The backends the conformance suite runs against. Each hands out a URL of a fresh, empty,
// isolated database per test and removes it afterwards.
#pragma once

#include "store/model.hpp"

#include <functional>
#include <ostream>
#include <string>
#include <utility>

namespace gatehouse::store::test_backends {

struct backend {
    std::string name;
    // Empty when usable; otherwise why not (the test is skipped with that message).
    std::function<std::string()> unavailable;
    std::function<std::string()> create;
    std::function<void(const std::string&)> destroy;
    // Whether a second open_store(url) reaches the same data (false for sqlite::memory:).
    bool shared = true;
    // Ends every server-side session of the stores opened on url, as a database restart or
    // failover does; null for embedded backends, which have none.
    std::function<void(const std::string&)> end_sessions;
};

// Readable test names in ctest/gtest output instead of a byte dump of the struct.
inline void PrintTo(const backend& b, std::ostream* os) { *os << b.name; }

backend sqlite_file_backend();
backend sqlite_memory_backend();
backend postgres_backend();

// A fresh directory under the system temp dir, removed by the caller.
std::string make_temp_dir();

// The log filter "`k` equals `value`" (type, user_id or client_id).
inline LogFilter log_equals(LogFilter::kind k, std::string value) {
    LogFilter f;
    f.op = k;
    f.value = std::move(value);
    return f;
}

}  // namespace gatehouse::store::test_backends
