// A user search as the store runs it: a neutral filter tree (no query syntax, no SQL) over the
// fields of a user, a sort, a connection and a page. The Management API parses Auth0's query
// syntax into it (mgmt/user_search.hpp); the SQL store composes it into one statement whose
// every value is a bound parameter (store/sql/user_search_sql.hpp).
#pragma once

#include "store/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gatehouse::store {

// What a field holds, which decides how a value compares with it.
enum class UserFieldType {
    text,       // exact, case-sensitive (user_id, connection, username, phone_number)
    folded,     // text compared ASCII-case-insensitively: values arrive lower-cased (email, name, ...)
    boolean,    // true / false
    integer,    // logins_count
    epoch,      // created_at, updated_at: seconds since the epoch (columns)
    timestamp,  // last_login: an ISO 8601 string "YYYY-MM-DDTHH:MM:SS.mmmZ" in the document
    metadata,   // app_metadata.* / user_metadata.*: a string, number or boolean of the document
};

enum class UserField {
    user_id,
    connection,
    email,
    email_domain,  // the part after '@' of email: equality and existence only
    username,
    name,
    nickname,
    given_name,
    family_name,
    phone_number,
    email_verified,
    phone_verified,
    blocked,
    logins_count,
    created_at,
    updated_at,
    last_login,
    metadata,  // `path` says where
};

// One bound of a range; `value` is in the field's type (an integer as decimal text for integer
// and epoch fields, an ISO timestamp for timestamp fields).
struct RangeBound {
    std::string value;
    bool inclusive = true;
};

struct UserMatch {
    enum class op {
        equals,  // value (for metadata: a string equal to it, or a number / boolean it spells)
        prefix,  // value is a non-empty prefix of the field (text and folded fields)
        range,   // lower and/or upper (integer, epoch, timestamp fields)
        exists,  // the field has a value
    };
    UserField field = UserField::user_id;
    std::vector<std::string> path;  // metadata: ["app_metadata", "plan", ...]; keys [A-Za-z0-9_-]
    op kind = op::equals;
    std::string value;
    std::optional<RangeBound> lower, upper;
};

struct UserFilter {
    enum class op { match, all_of, any_of, negate };
    op kind = op::match;
    UserMatch match;                   // op::match
    std::vector<UserFilter> children;  // all_of / any_of: 1+; negate: exactly 1
};

UserFieldType user_field_type(UserField) noexcept;

struct UserSort {
    UserField field = UserField::created_at;  // not metadata
    bool descending = false;
};

struct UserSearch {
    std::optional<UserFilter> filter;  // none: every user
    std::string connection;            // empty: any
    std::optional<UserSort> sort;      // none: created_at, then user_id
    Page page;
    bool with_total = true;     // run the COUNT too
    std::size_t total_cap = 0;  // count at most this many matches (0: every one)
};

}  // namespace gatehouse::store
