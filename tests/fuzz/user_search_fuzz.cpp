// mgmt::parse_user_query (Auth0's user search syntax) and the SQL the store composes from what it
// accepts. Invariants: the parser either refuses with a reason or returns a tree within its limits;
// the composed statements, for both dialects, carry every value as a parameter: each placeholder
// names a bound parameter, and the statement text holds no quote or semicolon it did not write
// itself (the input's bytes reach SQL only through parameters).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "mgmt/user_search.hpp"
#include "store/sql/user_search_sql.hpp"

namespace {

using namespace gatehouse;

std::size_t clauses(const store::UserFilter& f, std::size_t depth, std::size_t& max_depth) {
    if (depth > max_depth) max_depth = depth;
    if (f.kind == store::UserFilter::op::match) return 1;
    std::size_t n = 0;
    for (const auto& c : f.children) n += clauses(c, depth + 1, max_depth);
    return n;
}

// The highest $n in `sql`.
std::size_t highest_placeholder(std::string_view sql) {
    std::size_t highest = 0;
    for (std::size_t i = 0; i + 1 < sql.size(); ++i) {
        if (sql[i] != '$' || sql[i + 1] < '0' || sql[i + 1] > '9') continue;
        std::size_t n = 0;
        for (std::size_t j = i + 1; j < sql.size() && sql[j] >= '0' && sql[j] <= '9'; ++j) n = n * 10 + (sql[j] - '0');
        if (n > highest) highest = n;
    }
    return highest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view q(reinterpret_cast<const char*>(data), size);
    mgmt::UserQueryLimits limits;
    auto parsed = mgmt::parse_user_query(q, limits);
    if (!parsed.error.empty()) {
        FUZZ_CHECK(!parsed.filter);
        return 0;
    }
    if (!parsed.filter) return 0;
    std::size_t depth = 0;
    // A bare term expands to one OR of 7 matches: at most 7 leaves per clause.
    FUZZ_CHECK(clauses(*parsed.filter, 0, depth) <= limits.max_clauses * 7);
    store::UserSearch search;
    search.filter = *parsed.filter;
    for (auto d : {store::sql::dialect::sqlite, store::sql::dialect::postgres}) {
        auto sql = store::sql::compose_user_search(search, d, "user_id");
        FUZZ_CHECK(highest_placeholder(sql.select) == sql.params.size());
        FUZZ_CHECK(highest_placeholder(sql.count(1000)) <= sql.where_params);
        FUZZ_CHECK(sql.select_in_index_order.empty() ||
                   highest_placeholder(sql.select_in_index_order) == sql.params.size());
        FUZZ_CHECK(sql.select.find(';') == std::string::npos);
        FUZZ_CHECK(sql.select.find("--") == std::string::npos);
    }
    return 0;
}
