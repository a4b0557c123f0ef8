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
    std::string select;               // SELECT <user columns> ... ORDER BY ... LIMIT $n OFFSET $n+1
    std::string count;                // SELECT COUNT(*) ... (the same filter)
    std::vector<owned_param> params;  // the select's; the count uses the first count_params
    std::size_t count_params = 0;
};

// `columns` is the column list every user row mapper expects.
composed_user_search compose_user_search(const UserSearch& search, dialect d, std::string_view columns);

// The smallest string greater than every string that starts with `prefix` (bytewise, i.e. in code
// point order), or "" when there is none; `prefix` must be valid UTF-8.
std::string prefix_upper_bound(std::string_view prefix);

std::vector<param> param_views(const std::vector<owned_param>& params, std::size_t count);

}  // namespace gatehouse::store::sql
