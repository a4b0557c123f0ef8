#include "store/sql/user_search_sql.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace gatehouse::store::sql {

namespace {

// The document of a row as the dialect's JSON: SQLite's functions read the TEXT column directly.
constexpr std::string_view kPgDoc = "CAST(doc AS jsonb)";

struct field_def {
    UserField field;
    std::string_view column;  // a column of users, or empty: the document member `member`
    std::string_view member;
};

constexpr field_def kFields[] = {
    {UserField::user_id, "user_id", ""},
    {UserField::connection, "connection_name", ""},
    {UserField::email, "email_norm", ""},
    {UserField::email_domain, "email_norm", ""},
    {UserField::username, "username", ""},
    {UserField::created_at, "created_at", ""},
    {UserField::updated_at, "updated_at", ""},
    {UserField::name, "", "name"},
    {UserField::nickname, "", "nickname"},
    {UserField::given_name, "", "given_name"},
    {UserField::family_name, "", "family_name"},
    {UserField::phone_number, "", "phone_number"},
    {UserField::email_verified, "", "email_verified"},
    {UserField::phone_verified, "", "phone_verified"},
    {UserField::blocked, "", "blocked"},
    {UserField::logins_count, "", "logins_count"},
    {UserField::last_login, "", "last_login"},
};

const field_def& def_of(UserField f) {
    for (const auto& d : kFields)
        if (d.field == f) return d;
    return kFields[0];  // metadata never reaches here: its path is a parameter
}

// A JSON number as written (-?digits[.digits][e[+-]digits]): what both backends read alike, unlike
// from_chars, which also takes "inf" and "nan".
bool is_json_number(std::string_view v) {
    std::size_t i = 0;
    auto digits = [&]() {
        std::size_t start = i;
        while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
        return i > start;
    };
    if (i < v.size() && v[i] == '-') ++i;
    if (!digits()) return false;
    if (i < v.size() && v[i] == '.' && (++i, !digits())) return false;
    if (i < v.size() && (v[i] == 'e' || v[i] == 'E')) {
        ++i;
        if (i < v.size() && (v[i] == '+' || v[i] == '-')) ++i;
        if (!digits()) return false;
    }
    return i == v.size() && v.size() <= 40;
}

class composer {
  public:
    composer(dialect d) : d_(d) {}

    std::vector<owned_param> params;

    std::string bind(owned_param p) {
        params.push_back(std::move(p));
        return "$" + std::to_string(params.size());
    }

    // The JSON path of a match: a literal of this file for a known field, a parameter for metadata.
    std::string path(const UserMatch& m) {
        if (m.field != UserField::metadata) {
            auto member = def_of(m.field).member;
            if (d_ == dialect::sqlite) return "'$." + std::string(member) + "'";
            return "CAST('{" + std::string(member) + "}' AS text[])";
        }
        // Keys are [A-Za-z0-9_-] (the parser's rule), so quoting them needs no escapes; they are
        // bound all the same.
        std::string p;
        if (d_ == dialect::sqlite) {
            p = "$";
            for (const auto& k : m.path) p += ".\"" + k + "\"";
            return bind(p);
        }
        p = "{";
        for (std::size_t i = 0; i < m.path.size(); ++i) p += (i ? ",\"" : "\"") + m.path[i] + "\"";
        p += "}";
        return "CAST(" + bind(p) + " AS text[])";
    }

    std::string json_type(const std::string& path) {
        if (d_ == dialect::sqlite) return "json_type(doc, " + path + ")";
        // jsonb_typeof names booleans "boolean"; the SQLite spelling is produced so callers compare alike.
        return "(CASE jsonb_typeof(" + std::string(kPgDoc) + " #> " + path + ") WHEN 'string' THEN 'text' " +
               "WHEN 'number' THEN 'number' WHEN 'boolean' THEN (" + std::string(kPgDoc) + " #>> " + path +
               ") WHEN 'null' THEN 'null' WHEN 'object' THEN 'object' WHEN 'array' THEN 'array' END)";
    }

    // The member as text when it is a JSON string, else NULL.
    std::string json_string(const std::string& path) {
        if (d_ == dialect::sqlite)
            return "(CASE WHEN json_type(doc, " + path + ") = 'text' THEN json_extract(doc, " + path + ") END)";
        return "(CASE WHEN jsonb_typeof(" + std::string(kPgDoc) + " #> " + path + ") = 'string' THEN " +
               std::string(kPgDoc) + " #>> " + path + " END)";
    }

    // The member as a number when it is a JSON number, else NULL.
    std::string json_number(const std::string& path) {
        if (d_ == dialect::sqlite)
            return "(CASE WHEN json_type(doc, " + path + ") IN ('integer', 'real') THEN json_extract(doc, " + path +
                   ") END)";
        return "(CASE WHEN jsonb_typeof(" + std::string(kPgDoc) + " #> " + path + ") = 'number' THEN CAST(" +
               std::string(kPgDoc) + " #>> " + path + " AS numeric) END)";
    }

    // Bytewise text order on PostgreSQL whatever the database's collation (SQLite's is BINARY).
    std::string bytewise(const std::string& expr) {
        return d_ == dialect::postgres ? "(" + expr + " COLLATE \"C\")" : expr;
    }

    std::string folded(const std::string& expr) {
        // Both ASCII-only: SQLite's LOWER, and PostgreSQL's under the "C" collation.
        return d_ == dialect::postgres ? "LOWER(" + expr + " COLLATE \"C\")" : "LOWER(" + expr + ")";
    }

    // The value of a field for comparisons (and sorting); NULL when absent or of another type.
    std::string value_of(const UserMatch& m) {
        const auto& def = def_of(m.field);
        auto type = user_field_type(m.field);
        if (!def.column.empty()) return std::string(def.column);
        auto p = path(m);
        switch (type) {
            case UserFieldType::integer:
                return json_number(p);
            case UserFieldType::folded:
                return folded(json_string(p));
            default:
                return json_string(p);
        }
    }

    std::string text_cmp(const std::string& expr, std::string_view op, std::string value) {
        return bytewise(expr) + " " + std::string(op) + " " + bind(std::move(value));
    }

    std::string number_param(const std::string& value) {
        std::int64_t n = 0;
        std::from_chars(value.data(), value.data() + value.size(), n);
        return d_ == dialect::postgres ? "CAST(" + bind(n) + " AS BIGINT)" : bind(n);
    }

    std::string bound_cmp(const UserMatch& m, const std::string& expr, const RangeBound& b, bool lower) {
        std::string op = lower ? (b.inclusive ? ">=" : ">") : (b.inclusive ? "<=" : "<");
        auto type = user_field_type(m.field);
        if (type == UserFieldType::integer || type == UserFieldType::epoch)
            return expr + " " + op + " " + number_param(b.value);
        return text_cmp(expr, op, b.value);
    }

    std::string boolean(const UserMatch& m) {
        auto t = json_type(path(m));
        bool want = m.value == "true";
        // Absent reads as false for the fields the API renders as false when absent.
        bool absent_false = m.field == UserField::email_verified || m.field == UserField::blocked;
        if (!want && absent_false) return "COALESCE(" + t + ", 'false') IN ('false', 'null')";
        return t + " = '" + (want ? "true" : "false") + "'";
    }

    std::string exists(const UserMatch& m) {
        const auto& def = def_of(m.field);
        if (m.field == UserField::metadata || def.column.empty())
            return "COALESCE(" + json_type(path(m)) + ", 'null') <> 'null'";
        if (m.field == UserField::email || m.field == UserField::email_domain || m.field == UserField::username)
            return std::string(def.column) + " IS NOT NULL";
        return "1 = 1";
    }

    std::string metadata_equals(const UserMatch& m) {
        auto p = path(m);
        std::string out = "(" + json_string(p) + " = " + bind(m.value);
        if (is_json_number(m.value)) {
            auto v = bind(m.value);
            out += " OR " + json_number(p) + " = " +
                   (d_ == dialect::postgres ? "CAST(" + v + " AS numeric)" : "CAST(" + v + " AS REAL)");
        }
        if (m.value == "true" || m.value == "false") out += " OR " + json_type(p) + " = '" + m.value + "'";
        return out + ")";
    }

    std::string match(const UserMatch& m) {
        auto type = user_field_type(m.field);
        switch (m.kind) {
            case UserMatch::op::exists:
                return exists(m);
            case UserMatch::op::equals: {
                if (type == UserFieldType::metadata) return metadata_equals(m);
                if (type == UserFieldType::boolean) return boolean(m);
                if (m.field == UserField::email_domain) {
                    // The stored address ends with "@<domain>" (character counts on both backends).
                    auto at_domain = bind("@" + m.value);
                    return "substr(email_norm, length(email_norm) - length(CAST(" + at_domain +
                           " AS TEXT)) + 1) = " + at_domain;
                }
                auto expr = value_of(m);
                if (type == UserFieldType::integer || type == UserFieldType::epoch)
                    return expr + " = " + number_param(m.value);
                return expr + " = " + bind(m.value);
            }
            case UserMatch::op::prefix: {
                auto expr = value_of(m);
                auto upper = prefix_upper_bound(m.value);
                auto out = text_cmp(expr, ">=", m.value);
                if (!upper.empty()) out += " AND " + text_cmp(expr, "<", upper);
                return out;
            }
            case UserMatch::op::range: {
                auto expr = value_of(m);
                std::string out;
                if (m.lower) out = bound_cmp(m, expr, *m.lower, true);
                if (m.upper) out += (out.empty() ? "" : " AND ") + bound_cmp(m, expr, *m.upper, false);
                return out.empty() ? expr + " IS NOT NULL" : out;
            }
        }
        return "1 = 0";
    }

    // Under a NOT a leaf must be strictly true or false, never NULL, so NOT of a missing field is
    // true as in Lucene. Elsewhere NULL already filters like false, and a bare comparison keeps
    // its index usable (COALESCE would hide the column from the planner).
    std::string filter(const UserFilter& f, bool negated = false) {
        switch (f.kind) {
            case UserFilter::op::match:
                return negated ? "COALESCE((" + match(f.match) + "), FALSE)" : "(" + match(f.match) + ")";
            case UserFilter::op::negate:
                return "NOT " + filter(f.children.at(0), true);
            case UserFilter::op::all_of:
            case UserFilter::op::any_of: {
                std::string out = "(";
                for (std::size_t i = 0; i < f.children.size(); ++i) {
                    if (i) out += f.kind == UserFilter::op::all_of ? " AND " : " OR ";
                    out += filter(f.children[i], negated);
                }
                return out + ")";
            }
        }
        return "FALSE";
    }

    std::string order(const std::optional<UserSort>& sort) {
        if (!sort) return "created_at, user_id";
        UserMatch m;
        m.field = sort->field;
        auto expr = value_of(m);
        auto type = user_field_type(sort->field);
        if (type != UserFieldType::integer && type != UserFieldType::epoch && type != UserFieldType::boolean)
            expr = bytewise(expr);
        // Absent values last in either direction, on both backends (their NULL orders differ).
        return "(" + expr + " IS NULL), " + expr + (sort->descending ? " DESC" : " ASC") + ", user_id";
    }

  private:
    dialect d_;
};

}  // namespace

std::string prefix_upper_bound(std::string_view prefix) {
    // Decode to code points, increment the last one that can be (skipping the surrogates), drop the rest.
    std::vector<char32_t> cps;
    for (std::size_t i = 0; i < prefix.size();) {
        auto b = static_cast<unsigned char>(prefix[i]);
        int len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
        for (int k = 1; k < len && i + static_cast<std::size_t>(k) < prefix.size(); ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(prefix[i + static_cast<std::size_t>(k)]) & 0x3F);
        cps.push_back(cp);
        i += static_cast<std::size_t>(len);
    }
    while (!cps.empty()) {
        char32_t next = cps.back() + 1;
        if (next == 0xD800) next = 0xE000;
        if (next <= 0x10FFFF) {
            cps.back() = next;
            break;
        }
        cps.pop_back();
    }
    std::string out;
    for (char32_t cp : cps) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }
    return out;
}

composed_user_search compose_user_search(const UserSearch& search, dialect d, std::string_view columns) {
    composer c(d);
    std::string where;
    if (search.filter) where = c.filter(*search.filter);
    if (!search.connection.empty())
        where = (where.empty() ? "" : where + " AND ") + "connection_name = " + c.bind(search.connection);
    if (where.empty()) where = "1 = 1";
    composed_user_search out;
    out.where = where;
    out.where_params = c.params.size();
    auto order = c.order(search.sort);
    auto limit = c.bind(static_cast<std::int64_t>(search.page.limit));
    auto offset = c.bind(static_cast<std::int64_t>(search.page.offset));
    auto tail = " WHERE " + where + " ORDER BY " + order + " LIMIT " + limit + " OFFSET " + offset;
    out.select = "SELECT " + std::string(columns) + " FROM users" + tail;
    if (d == dialect::sqlite && search.filter && !search.sort) {
        // The indexes of the default order (migrations.cpp): (created_at, user_id), and the same
        // after connection_name when the search names one.
        auto index = search.connection.empty() ? "users_created_idx" : "users_connection_created_idx";
        out.select_in_index_order = "SELECT " + std::string(columns) + " FROM users INDEXED BY " + index + tail;
    }
    out.params = std::move(c.params);
    return out;
}

std::string composed_user_search::count(std::size_t cap) const {
    if (cap == 0) return "SELECT COUNT(*) FROM users WHERE " + where;
    // A literal of ours, not a parameter: the parameters stay those of the filter.
    return "SELECT COUNT(*) FROM (SELECT 1 FROM users WHERE " + where + " LIMIT " + std::to_string(cap) + ") AS capped";
}

std::size_t dense_match_threshold(std::size_t window, std::size_t rows) {
    auto meet = std::sqrt(static_cast<double>(window) * static_cast<double>(rows));
    // Below 32 matches sorting is free whatever the table; past 100,000 the probe itself costs.
    return static_cast<std::size_t>(std::clamp(meet, 32.0, 100000.0));
}

std::vector<param> param_views(const std::vector<owned_param>& params, std::size_t count) {
    std::vector<param> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count && i < params.size(); ++i) {
        if (auto n = std::get_if<std::int64_t>(&params[i]))
            out.emplace_back(*n);
        else
            out.emplace_back(std::string_view(std::get<std::string>(params[i])));
    }
    return out;
}

}  // namespace gatehouse::store::sql
