#include "mgmt/log_query.hpp"

#include "mgmt/validation.hpp"

#include <array>
#include <charconv>

namespace gatehouse::mgmt {
namespace {

constexpr std::size_t kMaxLength = 1024;
constexpr std::size_t kMaxTerms = 32;
constexpr int kMaxDepth = 8;

using store::LogFilter;
using parsed = boost::system::result<LogFilter, ApiError>;

ApiError query_failure(std::string what) {
    return make_error(mgmt_errc::invalid_query_string, detail::query_error(what, "q"));
}

constexpr std::array<std::pair<std::string_view, LogFilter::kind>, 3> kEqualityFields = {{
    {"type", LogFilter::kind::type},
    {"user_id", LogFilter::kind::user_id},
    {"client_id", LogFilter::kind::client_id},
}};

class Parser {
  public:
    explicit Parser(std::string_view q) : q_(q) {}

    parsed parse() {
        auto e = disjunction(0);
        if (!e) return e;
        skip_spaces();
        if (pos_ != q_.size()) return query_failure("Unexpected \"" + std::string(q_.substr(pos_, 20)) + "\"");
        return e;
    }

  private:
    void skip_spaces() {
        while (pos_ < q_.size() && (q_[pos_] == ' ' || q_[pos_] == '\t')) ++pos_;
    }
    // The operator keyword `word` (AND, OR, TO) followed by a space or a parenthesis.
    bool keyword(std::string_view word) {
        skip_spaces();
        if (q_.substr(pos_, word.size()) != word) return false;
        auto after = pos_ + word.size();
        if (after < q_.size() && q_[after] != ' ' && q_[after] != '(' && q_[after] != '[' && q_[after] != '"')
            return false;
        pos_ = after;
        return true;
    }

    parsed combine(LogFilter::kind op, int depth, parsed (Parser::*operand)(int), std::string_view word) {
        auto first = (this->*operand)(depth);
        if (!first) return first;
        if (!keyword(word)) return first;
        LogFilter node;
        node.op = op;
        node.operands.push_back(std::move(*first));
        do {
            auto next = (this->*operand)(depth);
            if (!next) return next;
            node.operands.push_back(std::move(*next));
        } while (keyword(word));
        return node;
    }

    parsed disjunction(int depth) { return combine(LogFilter::kind::either, depth, &Parser::conjunction, "OR"); }
    parsed conjunction(int depth) { return combine(LogFilter::kind::both, depth, &Parser::primary, "AND"); }

    parsed primary(int depth) {
        skip_spaces();
        if (pos_ < q_.size() && q_[pos_] == '(') {
            if (depth + 1 > kMaxDepth) return query_failure("Too many nested parentheses");
            ++pos_;
            auto inner = disjunction(depth + 1);
            if (!inner) return inner;
            skip_spaces();
            if (pos_ >= q_.size() || q_[pos_] != ')') return query_failure("Missing closing parenthesis");
            ++pos_;
            return inner;
        }
        return term();
    }

    parsed term() {
        if (++terms_ > kMaxTerms) return query_failure("Too many terms");
        auto colon = q_.find(':', pos_);
        if (colon == std::string_view::npos) return query_failure("Expected field:value at \"" + rest() + "\"");
        auto field = q_.substr(pos_, colon - pos_);
        pos_ = colon + 1;
        if (field == "date") return date_range();
        for (const auto& [name, kind] : kEqualityFields) {
            if (field != name) continue;
            auto v = value();
            if (!v) return v.error();
            LogFilter f;
            f.op = kind;
            f.value = std::move(*v);
            return f;
        }
        return query_failure("Unsupported field \"" + std::string(field) +
                             "\": only type, user_id, client_id and date can be searched");
    }

    // A quoted value (\" and \\ escapes) or a bare one up to a space or parenthesis.
    boost::system::result<std::string, ApiError> value(std::string_view stops = " ()") {
        std::string out;
        if (pos_ < q_.size() && q_[pos_] == '"') {
            ++pos_;
            while (pos_ < q_.size() && q_[pos_] != '"') {
                if (q_[pos_] == '\\' && pos_ + 1 < q_.size()) ++pos_;
                out.push_back(q_[pos_++]);
            }
            if (pos_ >= q_.size()) return query_failure("Unterminated quoted value");
            ++pos_;
            return out;
        }
        while (pos_ < q_.size() && stops.find(q_[pos_]) == std::string_view::npos) out.push_back(q_[pos_++]);
        if (out.empty()) return query_failure("Missing value at \"" + rest() + "\"");
        return out;
    }

    parsed date_range() {
        if (pos_ >= q_.size() || q_[pos_] != '[')
            return query_failure("date takes an inclusive range: date:[2024-01-01 TO 2024-01-31]");
        ++pos_;
        skip_spaces();
        auto from = value(" ]");
        if (!from) return from.error();
        if (!keyword("TO")) return query_failure("Expected TO in the date range");
        skip_spaces();
        auto to = value(" ]");
        if (!to) return to.error();
        skip_spaces();
        if (pos_ >= q_.size() || q_[pos_] != ']') return query_failure("Missing ] after the date range");
        ++pos_;
        LogFilter f;
        f.op = LogFilter::kind::date;
        if (*from != "*") {
            auto ms = parse_iso8601_ms(*from);
            if (!ms) return query_failure("Invalid date \"" + *from + "\"");
            f.from_ms = *ms;
        }
        if (*to != "*") {
            auto ms = parse_iso8601_ms(*to, true);
            if (!ms) return query_failure("Invalid date \"" + *to + "\"");
            f.to_ms = *ms;
        }
        return f;
    }

    std::string rest() const { return std::string(q_.substr(pos_, 20)); }

    std::string_view q_;
    std::size_t pos_ = 0;
    std::size_t terms_ = 0;
};

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t at, std::size_t n, unsigned& out) {
    if (at + n > s.size()) return false;
    auto [p, ec] = std::from_chars(s.data() + at, s.data() + at + n, out);
    return ec == std::errc() && p == s.data() + at + n;
}

}  // namespace

std::optional<std::int64_t> parse_iso8601_ms(std::string_view t, bool end_of_day) {
    unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, ms = 0;
    if (!digits(t, 0, 4, year) || t.size() < 10 || t[4] != '-' || !digits(t, 5, 2, month) || t[7] != '-' ||
        !digits(t, 8, 2, day) || month < 1 || month > 12 || day < 1 || day > 31)
        return std::nullopt;
    std::size_t at = 10;
    bool has_time = at < t.size() && t[at] == 'T';
    if (has_time) {
        if (!digits(t, 11, 2, hour) || t.size() < 16 || t[13] != ':' || !digits(t, 14, 2, minute) || hour > 23 ||
            minute > 59)
            return std::nullopt;
        at = 16;
        if (at < t.size() && t[at] == ':') {
            if (!digits(t, 17, 2, second) || second > 60) return std::nullopt;
            at = 19;
            if (at < t.size() && t[at] == '.') {
                std::size_t start = ++at;
                while (at < t.size() && t[at] >= '0' && t[at] <= '9') ++at;
                if (at == start) return std::nullopt;
                unsigned scale = 100;
                for (std::size_t i = start; i < at && i < start + 3; ++i, scale /= 10) ms += (t[i] - '0') * scale;
            }
        }
        if (at < t.size() && t[at] == 'Z') ++at;
    }
    if (at != t.size()) return std::nullopt;
    auto days = days_from_civil(year, month, day);
    std::int64_t value = ((days * 24 + hour) * 60 + minute) * 60'000 + second * 1000 + ms;
    if (!has_time && end_of_day) value += 86'400'000 - 1;
    return value;
}

boost::system::result<store::LogFilter, ApiError> parse_log_query(std::string_view q) {
    if (q.size() > kMaxLength)
        return query_failure("The query is longer than " + std::to_string(kMaxLength) + " characters");
    if (q.find_first_not_of(" \t") == std::string_view::npos) return LogFilter{};
    return Parser(q).parse();
}

}  // namespace gatehouse::mgmt
