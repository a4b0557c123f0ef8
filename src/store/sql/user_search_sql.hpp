// Composes a UserSearch into SQL for one dialect. The text is assembled only from fixed fragments
// of this file (column names, JSON operators, literal paths of the known fields); every value a
// caller supplied, including metadata paths, is a numbered parameter. Text compares bytewise on
// both backends (PostgreSQL through COLLATE "C"), and case folding is ASCII-only on both, so a
// search answers the same on SQLite and PostgreSQL.
#pragma once

#include "store/sql/connection.hpp"
#include "store/user_search.hpp"

#include <string>
#include <variant>
#include <vector>

namespace gatehouse::store::sql {

using owned_param = std::variant<std::int64_t, std::string>;

struct composed_user_search {
    std::string select;  // SELECT <user columns> ... ORDER BY ... LIMIT $n OFFSET $n+1
    // SQLite, default order, with a filter: the same select made to walk the order's index and
    // test each row, which stops after one page when matches are dense (empty otherwise). SQLite
    // keeps no statistics on how many rows a range matches, so it always sorts every match of an
    // indexed term instead (111,000 for email:user1* of 1M users); the store chooses by a probe.
    std::string select_in_index_order;
    std::string where;                // the filter, for count()
    std::vector<owned_param> params;  // the select's; the filter uses the first where_params
    std::size_t where_params = 0;

    // SELECT COUNT(*) of the matches, counting at most `cap` of them (0: every one).
    std::string count(std::size_t cap) const;
};

// `columns` is the column list every user row mapper expects.
composed_user_search compose_user_search(const UserSearch& search, dialect d, std::string_view columns);

// The smallest string greater than every string that starts with `prefix` (bytewise, i.e. in code
// point order), or "" when there is none; `prefix` must be valid UTF-8.
std::string prefix_upper_bound(std::string_view prefix);

// The number of matches from which walking the order's index finds a page of `window` rows
// (offset + limit) sooner than sorting every match: walking reads about window * rows / matches
// rows, sorting reads `matches`; they meet at sqrt(window * rows).
std::size_t dense_match_threshold(std::size_t window, std::size_t rows);

std::vector<param> param_views(const std::vector<owned_param>& params, std::size_t count);

}  // namespace gatehouse::store::sql
