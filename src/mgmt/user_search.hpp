// Auth0's user search query syntax (search_engine v3, a Lucene subset) parsed into the store's
// neutral filter tree. What is supported answers exactly; everything else is refused with a
// message naming the problem, never approximated: field terms (`email:jane@example.com`), quoted
// phrases (exact values), trailing wildcards (`jane*`), AND / OR / NOT (also && || !) with
// parentheses and implicit AND, `field:(a OR b)`, `_exists_:field`, `field:*`, ranges
// `[a TO b]` / `{a TO b}` / `>n` `>=n` `<n` `<=n` on dates and logins_count, metadata fields
// (`app_metadata.plan:gold`, equality and existence only), `email.domain` (equality), and bare terms (any of email,
// name, nickname, given_name, family_name, username, user_id). Leading or inner wildcards, `?`, fuzzy
// `~`, boosts `^`, regular expressions and unknown fields are refused. The size of a query is
// bounded (length, clauses, nesting), so a query costs at most a bounded statement.
#pragma once

#include "store/user_search.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace gatehouse::mgmt {

struct UserQueryLimits {
    std::size_t max_length = 2048;  // bytes of q
    std::size_t max_clauses = 64;   // field terms, bare terms, ranges, _exists_
    std::size_t max_depth = 10;     // nested parentheses and NOTs
    std::size_t max_value = 512;    // bytes of one value
};

// Either the filter (nullopt for an empty query: every user) or the reason the query is refused.
struct UserQueryParse {
    std::optional<store::UserFilter> filter;
    std::string error;  // non-empty: refused
};
UserQueryParse parse_user_query(std::string_view q, const UserQueryLimits& limits = {});

// `sort=field:1|-1`; the error names the problem.
std::variant<store::UserSort, std::string> parse_user_sort(std::string_view sort);

}  // namespace gatehouse::mgmt
