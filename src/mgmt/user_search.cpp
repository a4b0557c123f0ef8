#include "mgmt/user_search.hpp"

#include "connections/database.hpp"
#include "util/util.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>

namespace gatehouse::mgmt {

namespace {

using store::UserField;
using store::UserFieldType;
using store::UserFilter;
using store::UserMatch;

struct named_field {
    std::string_view name;
    UserField field;
};

constexpr std::array kFieldNames = {
    named_field{"user_id", UserField::user_id},
    named_field{"connection", UserField::connection},
    named_field{"identities.connection", UserField::connection},
    named_field{"email", UserField::email},
    named_field{"email.domain", UserField::email_domain},
    named_field{"username", UserField::username},
    named_field{"name", UserField::name},
    named_field{"nickname", UserField::nickname},
    named_field{"given_name", UserField::given_name},
    named_field{"family_name", UserField::family_name},
    named_field{"phone_number", UserField::phone_number},
    named_field{"email_verified", UserField::email_verified},
    named_field{"phone_verified", UserField::phone_verified},
    named_field{"blocked", UserField::blocked},
    named_field{"logins_count", UserField::logins_count},
    named_field{"created_at", UserField::created_at},
    named_field{"updated_at", UserField::updated_at},
    named_field{"last_login", UserField::last_login},
};

// What a term without a field searches (Auth0: not the metadata).
constexpr std::array kBareTermFields = {UserField::email,      UserField::name,        UserField::nickname,
                                        UserField::given_name, UserField::family_name, UserField::username,
                                        UserField::user_id};

constexpr std::size_t kMaxMetadataDepth = 5;
constexpr std::size_t kMaxMetadataKey = 64;

struct refused {
    std::string why;
};

// A resolved field: a known one, or a metadata path.
struct field_ref {
    UserField field = UserField::user_id;
    std::vector<std::string> path;
    std::string name;  // as written, for messages
};

bool metadata_key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

field_ref resolve_field(std::string_view name) {
    for (const auto& f : kFieldNames)
        if (f.name == name) return field_ref{f.field, {}, std::string(name)};
    for (std::string_view root : {"app_metadata", "user_metadata"}) {
        if (!name.starts_with(root) || name.size() == root.size() || name[root.size()] != '.') continue;
        field_ref ref{UserField::metadata, {std::string(root)}, std::string(name)};
        std::string_view rest = name.substr(root.size() + 1);
        for (;;) {
            auto dot = rest.find('.');
            auto key = rest.substr(0, dot);
            if (key.empty() || key.size() > kMaxMetadataKey || !std::all_of(key.begin(), key.end(), metadata_key_char))
                throw refused{"metadata field '" + std::string(name) +
                              "' must be dot-separated keys of letters, digits, '_' and '-'"};
            ref.path.emplace_back(key);
            if (dot == std::string_view::npos) break;
            rest = rest.substr(dot + 1);
        }
        if (ref.path.size() > kMaxMetadataDepth + 1)
            throw refused{"metadata field '" + std::string(name) + "' is nested too deeply"};
        return ref;
    }
    throw refused{"the field '" + std::string(name) + "' is not supported"};
}

// ---- dates: a value denotes an interval [start, end) in milliseconds --------------------------

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t at, std::size_t n, unsigned& out) {
    if (at + n > s.size()) return false;
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + static_cast<unsigned>(s[i] - '0');
    }
    return true;
}

struct interval {
    std::int64_t start = 0, end = 0;
};

// YYYY-MM-DD (the whole day) or YYYY-MM-DDTHH:MM:SS[.fff]Z (that millisecond).
std::optional<interval> parse_date(std::string_view s) {
    unsigned y, mo, d;
    if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
        !digits(s, 8, 2, d) || mo < 1 || mo > 12 || d < 1 || d > 31)
        return std::nullopt;
    std::int64_t day_ms = days_from_civil(y, mo, d) * 86400000;
    if (s.size() == 10) return interval{day_ms, day_ms + 86400000};
    unsigned h, mi, sec, ms = 0;
    if (s[10] != 'T' || !digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' ||
        !digits(s, 17, 2, sec) || h > 23 || mi > 59 || sec > 60)
        return std::nullopt;
    std::size_t at = 19;
    if (at < s.size() && s[at] == '.') {
        std::size_t n = 0;
        unsigned frac = 0;
        while (at + 1 + n < s.size() && s[at + 1 + n] >= '0' && s[at + 1 + n] <= '9' && n < 9) ++n;
        if (n == 0 || !digits(s, at + 1, n, frac)) return std::nullopt;
        for (std::size_t i = n; i < 3; ++i) frac *= 10;
        for (std::size_t i = 3; i < n; ++i) frac /= 10;
        ms = frac;
        at += 1 + n;
    }
    if (at + 1 != s.size() || s[at] != 'Z') return std::nullopt;
    std::int64_t t = day_ms + (static_cast<std::int64_t>(h) * 3600 + mi * 60 + sec) * 1000 + ms;
    return interval{t, t + 1};
}

std::int64_t ceil_div_1000(std::int64_t ms) { return ms >= 0 ? (ms + 999) / 1000 : -((-ms) / 1000); }

// A bound in the field's representation: epoch seconds, or the stored ISO string. `at_ms` is
// always compared as ">= at_ms" (lower) or "< at_ms" (upper).
store::RangeBound time_bound(UserFieldType type, std::int64_t at_ms, bool lower) {
    store::RangeBound b;
    b.inclusive = lower;  // >= for lower bounds, < for upper bounds
    b.value = type == UserFieldType::epoch ? std::to_string(ceil_div_1000(at_ms)) : util::iso8601_ms(at_ms);
    return b;
}

std::optional<std::int64_t> parse_integer(std::string_view s) {
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty() || n < -1'000'000'000'000 || n > 1'000'000'000'000)
        return std::nullopt;
    return n;
}

// ---- the parser -------------------------------------------------------------------------------

// A value as written: its text (escapes resolved), whether it was quoted, and whether it ended in
// an unescaped '*'.
struct term_value {
    std::string text;
    bool quoted = false;
    bool trailing_wildcard = false;
};

class parser {
  public:
    parser(std::string_view q, const UserQueryLimits& limits) : q_(q), limits_(limits) {}

    std::optional<UserFilter> parse() {
        skip_space();
        if (at_end()) return std::nullopt;
        auto f = or_expr(nullptr);
        skip_space();
        if (!at_end()) {
            if (peek() == ')') throw refused{"unbalanced ')'"};
            throw refused{"unexpected '" + std::string(1, peek()) + "'"};
        }
        return f;
    }

  private:
    std::string_view q_;
    const UserQueryLimits& limits_;
    std::size_t pos_ = 0;
    std::size_t depth_ = 0;
    std::size_t clauses_ = 0;

    bool at_end() const { return pos_ >= q_.size(); }
    char peek() const { return q_[pos_]; }
    void skip_space() {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++pos_;
    }

    struct depth_guard {
        parser& p;
        explicit depth_guard(parser& owner) : p(owner) {
            if (++p.depth_ > p.limits_.max_depth)
                throw refused{"the query is nested more than " + std::to_string(p.limits_.max_depth) + " levels deep"};
        }
        ~depth_guard() { --p.depth_; }
    };

    // The operator word at the cursor (AND, OR, NOT, &&, ||, !), without consuming it.
    std::string_view peek_operator() const {
        for (std::string_view op : {"AND", "OR", "NOT", "&&", "||"}) {
            if (q_.substr(pos_, op.size()) != op) continue;
            std::size_t after = pos_ + op.size();
            bool word = op[0] >= 'A' && op[0] <= 'Z';
            if (!word || after >= q_.size() || q_[after] == ' ' || q_[after] == '(' || q_[after] == '\t' ||
                q_[after] == '"')
                return op;
        }
        if (!at_end() && peek() == '!') return "!";
        return {};
    }

    static UserFilter combine(UserFilter::op kind, std::vector<UserFilter> children) {
        if (children.size() == 1) return std::move(children.front());
        UserFilter f;
        f.kind = kind;
        f.children = std::move(children);
        return f;
    }

    UserFilter or_expr(const field_ref* default_field) {
        std::vector<UserFilter> parts;
        parts.push_back(and_expr(default_field));
        for (;;) {
            skip_space();
            auto op = peek_operator();
            if (op != "OR" && op != "||") break;
            pos_ += op.size();
            parts.push_back(and_expr(default_field));
        }
        return combine(UserFilter::op::any_of, std::move(parts));
    }

    UserFilter and_expr(const field_ref* default_field) {
        std::vector<UserFilter> parts;
        parts.push_back(unary(default_field));
        for (;;) {
            skip_space();
            if (at_end() || peek() == ')') break;
            auto op = peek_operator();
            if (op == "OR" || op == "||") break;
            if (op == "AND" || op == "&&") pos_ += op.size();  // otherwise an implicit AND
            parts.push_back(unary(default_field));
        }
        return combine(UserFilter::op::all_of, std::move(parts));
    }

    UserFilter unary(const field_ref* default_field) {
        skip_space();
        if (at_end()) throw refused{"the query ends where a term was expected"};
        auto op = peek_operator();
        if (op == "NOT" || op == "!") {
            pos_ += op.size();
            depth_guard guard(*this);
            UserFilter f;
            f.kind = UserFilter::op::negate;
            f.children.push_back(unary(default_field));
            return f;
        }
        if (!op.empty()) throw refused{"'" + std::string(op) + "' needs a term on each side"};
        if (peek() == '+' || peek() == '-')
            throw refused{"the '+' and '-' prefixes are not supported; use AND and NOT"};
        if (peek() == '(') {
            ++pos_;
            depth_guard guard(*this);
            auto f = or_expr(default_field);
            skip_space();
            if (at_end() || peek() != ')') throw refused{"missing ')'"};
            ++pos_;
            return f;
        }
        return clause(default_field);
    }

    // field:value, field:(...), _exists_:field, or a bare value.
    UserFilter clause(const field_ref* default_field) {
        std::size_t start = pos_;
        // A field name runs up to an unescaped ':' made of name characters only.
        std::size_t i = pos_;
        while (i < q_.size() && (metadata_key_char(q_[i]) || q_[i] == '.')) ++i;
        if (i < q_.size() && q_[i] == ':' && i > start) {
            std::string_view name = q_.substr(start, i - start);
            pos_ = i + 1;
            if (default_field) throw refused{"a field inside '" + default_field->name + ":(...)' is not supported"};
            if (name == "_exists_") {
                auto v = value();
                if (v.trailing_wildcard) throw refused{"_exists_ takes a field name"};
                return exists(resolve_field(v.text));
            }
            auto field = resolve_field(name);
            if (!at_end() && peek() == '(') {
                ++pos_;
                depth_guard guard(*this);
                auto f = or_expr(&field);
                skip_space();
                if (at_end() || peek() != ')') throw refused{"missing ')'"};
                ++pos_;
                return f;
            }
            return field_term(field);
        }
        if (default_field) return field_term(*default_field);
        return bare_term();
    }

    void count_clause() {
        if (++clauses_ > limits_.max_clauses)
            throw refused{"the query has more than " + std::to_string(limits_.max_clauses) + " terms"};
    }

    UserFilter exists(const field_ref& field) {
        count_clause();
        UserFilter f;
        f.match.field = field.field;
        f.match.path = field.path;
        f.match.kind = UserMatch::op::exists;
        return f;
    }

    // A value: "phrase" or a word up to whitespace or ')' (backslash escapes one character).
    term_value value() {
        term_value v;
        if (at_end()) throw refused{"a value is missing after ':'"};
        if (peek() == '"') {
            v.quoted = true;
            ++pos_;
            for (;;) {
                if (at_end()) throw refused{"unterminated quoted phrase"};
                char c = q_[pos_++];
                if (c == '"') break;
                if (c == '\\') {
                    if (at_end()) throw refused{"unterminated quoted phrase"};
                    c = q_[pos_++];
                }
                v.text += c;
            }
        } else {
            while (!at_end()) {
                char c = peek();
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ')' || c == '(') break;
                ++pos_;
                if (c == '\\') {
                    if (at_end()) throw refused{"a '\\' ends the query"};
                    v.text += q_[pos_++];
                    continue;
                }
                if (c == '*') {
                    bool last = at_end() || peek() == ' ' || peek() == ')' || peek() == '\t';
                    // A leading wildcard could only be answered by reading every row; refused.
                    if (!last && v.text.empty()) throw refused{"leading wildcards are not supported"};
                    if (!last) throw refused{"wildcards are supported only at the end of a term"};
                    v.trailing_wildcard = true;  // `field:*` alone: the field exists
                    continue;
                }
                if (c == '?') throw refused{"the '?' wildcard is not supported"};
                if (c == '~') throw refused{"fuzzy and proximity searches ('~') are not supported"};
                if (c == '^') throw refused{"boosts ('^') are not supported"};
                if (c == '"') throw refused{"a quote inside a term; quote the whole value"};
                if (c == '/' && v.text.empty()) throw refused{"regular expressions are not supported"};
                if (c == '[' || c == ']' || c == '{' || c == '}')
                    throw refused{"'" + std::string(1, c) + "' must be escaped outside a range"};
                if (c == ':') throw refused{"':' in a value must be escaped or quoted"};
                v.text += c;
            }
            if (v.text.empty() && !v.trailing_wildcard) throw refused{"a value is missing"};
        }
        if (v.text.size() > limits_.max_value)
            throw refused{"a value is longer than " + std::to_string(limits_.max_value) + " bytes"};
        return v;
    }

    UserFilter bare_term() {
        if (!at_end() && (peek() == '[' || peek() == '{' || peek() == '>' || peek() == '<'))
            throw refused{"a range needs a field"};
        count_clause();
        auto v = value();
        if (v.text.empty()) throw refused{"'*' alone needs a field"};
        UserFilter any;
        any.kind = UserFilter::op::any_of;
        for (auto f : kBareTermFields) any.children.push_back(text_match(f, {}, v));
        return any;
    }

    static UserFilter text_match(UserField field, std::vector<std::string> path, const term_value& v) {
        UserFilter f;
        f.match.field = field;
        f.match.path = std::move(path);
        f.match.kind = v.trailing_wildcard ? UserMatch::op::prefix : UserMatch::op::equals;
        f.match.value =
            store::user_field_type(field) == UserFieldType::folded ? connections::lower_ascii(v.text) : v.text;
        return f;
    }

    UserFilter field_term(const field_ref& field) {
        auto type = store::user_field_type(field.field);
        if (!at_end() && (peek() == '[' || peek() == '{')) return range(field, type);
        if (!at_end() && (peek() == '>' || peek() == '<')) return comparison(field, type);
        count_clause();
        auto v = value();
        if (v.text.empty()) {  // field:*
            --clauses_;
            return exists(field);
        }
        switch (type) {
            case UserFieldType::text:
            case UserFieldType::folded:
                if (v.trailing_wildcard && field.field == UserField::email_domain)
                    throw refused{"wildcards are not supported on email.domain"};
                return text_match(field.field, field.path, v);
            case UserFieldType::metadata:
                if (v.trailing_wildcard)
                    throw refused{"wildcards are not supported on metadata fields ('" + field.name + "')"};
                return text_match(field.field, field.path, v);
            case UserFieldType::boolean: {
                if (v.trailing_wildcard || (v.text != "true" && v.text != "false"))
                    throw refused{"'" + field.name + "' takes true or false"};
                return text_match(field.field, field.path, v);
            }
            case UserFieldType::integer: {
                if (v.trailing_wildcard || !parse_integer(v.text))
                    throw refused{"'" + field.name + "' takes an integer"};
                UserFilter f = text_match(field.field, field.path, v);
                f.match.value = std::to_string(*parse_integer(v.text));
                return f;
            }
            case UserFieldType::epoch:
            case UserFieldType::timestamp: {
                if (v.trailing_wildcard) throw refused{"wildcards are not supported on dates ('" + field.name + "')"};
                auto when = date_of(field, v.text);
                UserFilter f = range_match(field);
                f.match.lower = time_bound(type, when.start, true);
                f.match.upper = time_bound(type, when.end, false);
                return f;
            }
        }
        throw refused{"unsupported term"};
    }

    static UserFilter range_match(const field_ref& field) {
        UserFilter f;
        f.match.field = field.field;
        f.match.path = field.path;
        f.match.kind = UserMatch::op::range;
        return f;
    }

    static interval date_of(const field_ref& field, std::string_view text) {
        auto when = parse_date(text);
        if (!when)
            throw refused{"'" + field.name + "' takes a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS.sssZ), not '" +
                          std::string(text) + "'"};
        return *when;
    }

    static void check_rangeable(const field_ref& field, UserFieldType type) {
        if (type != UserFieldType::integer && type != UserFieldType::epoch && type != UserFieldType::timestamp)
            throw refused{"ranges are supported on created_at, updated_at, last_login and logins_count, not '" +
                          field.name + "'"};
    }

    // Sets the bound `lower` (or upper) of f from the written value; `inclusive` as written.
    static void set_bound(UserFilter& f, const field_ref& field, UserFieldType type, std::string_view text, bool lower,
                          bool inclusive) {
        if (text == "*") return;  // open
        if (type == UserFieldType::integer) {
            auto n = parse_integer(text);
            if (!n) throw refused{"'" + field.name + "' takes an integer, not '" + std::string(text) + "'"};
            // Integers: >= n (inclusive) or >= n+1; <= n or <= n-1, so every bound is inclusive.
            std::int64_t v = lower ? (inclusive ? *n : *n + 1) : (inclusive ? *n : *n - 1);
            (lower ? f.match.lower : f.match.upper) = store::RangeBound{std::to_string(v), true};
            return;
        }
        auto when = date_of(field, text);
        if (lower)
            f.match.lower = time_bound(type, inclusive ? when.start : when.end, true);
        else
            f.match.upper = time_bound(type, inclusive ? when.end : when.start, false);
    }

    // [a TO b], {a TO b}, and the mixed [a TO b} / {a TO b].
    UserFilter range(const field_ref& field, UserFieldType type) {
        check_rangeable(field, type);
        count_clause();
        bool lower_inclusive = peek() == '[';
        ++pos_;
        auto read_bound = [&]() {
            skip_space();
            std::size_t start = pos_;
            while (!at_end() && peek() != ' ' && peek() != ']' && peek() != '}') ++pos_;
            return std::string(q_.substr(start, pos_ - start));
        };
        auto low = read_bound();
        skip_space();
        if (q_.substr(pos_, 2) != "TO") throw refused{"a range is written [a TO b]"};
        pos_ += 2;
        auto high = read_bound();
        skip_space();
        if (at_end() || (peek() != ']' && peek() != '}')) throw refused{"a range is written [a TO b]"};
        bool upper_inclusive = peek() == ']';
        ++pos_;
        if (low.empty() || high.empty()) throw refused{"a range is written [a TO b]"};
        UserFilter f = range_match(field);
        set_bound(f, field, type, low, true, lower_inclusive);
        set_bound(f, field, type, high, false, upper_inclusive);
        return f;
    }

    // >n, >=n, <n, <=n.
    UserFilter comparison(const field_ref& field, UserFieldType type) {
        check_rangeable(field, type);
        count_clause();
        bool greater = peek() == '>';
        ++pos_;
        bool inclusive = !at_end() && peek() == '=';
        if (inclusive) ++pos_;
        auto v = value();
        if (v.trailing_wildcard || v.text.empty()) throw refused{"a comparison needs a value"};
        UserFilter f = range_match(field);
        set_bound(f, field, type, v.text, greater, inclusive);
        return f;
    }
};

}  // namespace

UserQueryParse parse_user_query(std::string_view q, const UserQueryLimits& limits) {
    if (q.size() > limits.max_length)
        return {std::nullopt, "the query is longer than " + std::to_string(limits.max_length) + " bytes"};
    if (!util::valid_utf8(q)) return {std::nullopt, "the query is not valid UTF-8"};
    for (char c : q)
        if (static_cast<unsigned char>(c) < 0x20 && c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return {std::nullopt, "the query contains a control character"};
    try {
        parser p(q, limits);
        return {p.parse(), {}};
    } catch (const refused& r) {
        return {std::nullopt, r.why};
    }
}

std::variant<store::UserSort, std::string> parse_user_sort(std::string_view sort) {
    auto colon = sort.rfind(':');
    if (colon == std::string_view::npos) return std::string("sort is written field:1 or field:-1");
    auto name = sort.substr(0, colon);
    auto dir = sort.substr(colon + 1);
    if (dir != "1" && dir != "-1") return std::string("sort is written field:1 or field:-1");
    static constexpr std::array sortable = {UserField::user_id,    UserField::connection,  UserField::email,
                                            UserField::username,   UserField::name,        UserField::nickname,
                                            UserField::given_name, UserField::family_name, UserField::created_at,
                                            UserField::updated_at, UserField::last_login,  UserField::logins_count};
    for (const auto& f : kFieldNames)
        if (f.name == name && std::find(sortable.begin(), sortable.end(), f.field) != sortable.end())
            return store::UserSort{f.field, dir == "-1"};
    return std::string("sorting by '" + std::string(name.substr(0, 64)) + "' is not supported");
}

}  // namespace gatehouse::mgmt
