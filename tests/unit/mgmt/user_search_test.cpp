// Auth0's user search syntax into the store's filter tree: what is accepted becomes exactly that
// tree; everything else is refused with a reason (never approximated).
#include "mgmt/user_search.hpp"

#include <gtest/gtest.h>

namespace gatehouse::mgmt {
namespace {

using store::UserField;
using store::UserFilter;
using store::UserMatch;

// A compact rendering of a filter tree, so expectations read like the query.
std::string show(const UserFilter& f) {
    switch (f.kind) {
        case UserFilter::op::negate:
            return "NOT(" + show(f.children.at(0)) + ")";
        case UserFilter::op::all_of:
        case UserFilter::op::any_of: {
            std::string out = f.kind == UserFilter::op::all_of ? "AND(" : "OR(";
            for (std::size_t i = 0; i < f.children.size(); ++i) out += (i ? "," : "") + show(f.children[i]);
            return out + ")";
        }
        case UserFilter::op::match:
            break;
    }
    const auto& m = f.match;
    std::string field = std::to_string(static_cast<int>(m.field));
    for (const auto& p : m.path) field += "." + p;
    switch (m.kind) {
        case UserMatch::op::equals:
            return field + "=" + m.value;
        case UserMatch::op::prefix:
            return field + "^" + m.value;
        case UserMatch::op::exists:
            return field + "?";
        case UserMatch::op::range:
            return field + (m.lower ? (m.lower->inclusive ? "[" : "(") + m.lower->value : "[*") + "," +
                   (m.upper ? m.upper->value + (m.upper->inclusive ? "]" : ")") : "*]");
    }
    return "?";
}

std::string parsed(std::string_view q) {
    auto r = parse_user_query(q);
    EXPECT_TRUE(r.error.empty()) << q << ": " << r.error;
    return r.filter ? show(*r.filter) : "ALL";
}

std::string refused(std::string_view q, const UserQueryLimits& limits = {}) {
    auto r = parse_user_query(q, limits);
    EXPECT_FALSE(r.error.empty()) << q << " was accepted as " << (r.filter ? show(*r.filter) : "ALL");
    return r.error;
}

constexpr auto kEmail = static_cast<int>(UserField::email);

std::string f(UserField field) { return std::to_string(static_cast<int>(field)); }

TEST(UserSearchParser, FieldTermsPhrasesAndCaseFolding) {
    EXPECT_EQ(parsed(""), "ALL");
    EXPECT_EQ(parsed("   "), "ALL");
    EXPECT_EQ(parsed("email:Jane@Example.com"), std::to_string(kEmail) + "=jane@example.com");
    EXPECT_EQ(parsed("name:\"Jane Doe\""), f(UserField::name) + "=jane doe");
    EXPECT_EQ(parsed("user_id:\"auth0|ABC\""), f(UserField::user_id) + "=auth0|ABC");
    EXPECT_EQ(parsed("identities.connection:Username-Password-Authentication"),
              f(UserField::connection) + "=Username-Password-Authentication");
    EXPECT_EQ(parsed("name:\"say \\\"hi\\\"\""), f(UserField::name) + "=say \"hi\"");
    EXPECT_EQ(parsed("email:a\\:b"), f(UserField::email) + "=a:b");
    EXPECT_EQ(parsed("name:\"jane*\""), f(UserField::name) + "=jane*");  // quoted: a literal star
    EXPECT_EQ(parsed("blocked:true"), f(UserField::blocked) + "=true");
    EXPECT_EQ(parsed("email.domain:Example.COM"), f(UserField::email_domain) + "=example.com");
    EXPECT_NE(refused("email.domain:exa*").find("email.domain"), std::string::npos);
    EXPECT_EQ(parsed("logins_count:0010"), f(UserField::logins_count) + "=10");
}

TEST(UserSearchParser, TrailingWildcardsOnlyAndExistence) {
    EXPECT_EQ(parsed("email:JANE*"), f(UserField::email) + "^jane");
    EXPECT_EQ(parsed("name:j*"), f(UserField::name) + "^j");
    EXPECT_EQ(parsed("email:*"), f(UserField::email) + "?");
    EXPECT_EQ(parsed("_exists_:app_metadata.plan"), f(UserField::metadata) + ".app_metadata.plan?");
    EXPECT_NE(refused("email:*doe").find("leading wildcards"), std::string::npos);
    EXPECT_NE(refused("*").find("needs a field"), std::string::npos);
    EXPECT_NE(refused("email:ja*ne").find("end of a term"), std::string::npos);
    EXPECT_NE(refused("email:ja?e").find("'?'"), std::string::npos);
    EXPECT_NE(refused("user_metadata.color:bl*").find("metadata"), std::string::npos);
    EXPECT_NE(refused("blocked:tr*").find("true or false"), std::string::npos);
}

TEST(UserSearchParser, BooleanOperatorsPrecedenceAndGroups) {
    auto a = f(UserField::email) + "=a";
    auto b = f(UserField::email) + "=b";
    auto c = f(UserField::email) + "=c";
    EXPECT_EQ(parsed("email:a OR email:b"), "OR(" + a + "," + b + ")");
    EXPECT_EQ(parsed("email:a || email:b"), "OR(" + a + "," + b + ")");
    EXPECT_EQ(parsed("email:a AND email:b OR email:c"), "OR(AND(" + a + "," + b + ")," + c + ")");
    EXPECT_EQ(parsed("email:a email:b"), "AND(" + a + "," + b + ")");
    EXPECT_EQ(parsed("email:a NOT email:b"), "AND(" + a + ",NOT(" + b + "))");
    EXPECT_EQ(parsed("NOT email:a"), "NOT(" + a + ")");
    EXPECT_EQ(parsed("!email:a"), "NOT(" + a + ")");
    EXPECT_EQ(parsed("email:a AND (email:b OR email:c)"), "AND(" + a + ",OR(" + b + "," + c + "))");
    EXPECT_EQ(parsed("email:(a OR b)"), "OR(" + a + "," + b + ")");
    // Operators are upper case; a lower-case "and" or a word starting with AND is a term.
    EXPECT_EQ(parsed("email:a and"), "AND(" + a + ",OR(" + f(UserField::email) + "=and," + f(UserField::name) +
                                         "=and," + f(UserField::nickname) + "=and," + f(UserField::given_name) +
                                         "=and," + f(UserField::family_name) + "=and," + f(UserField::username) +
                                         "=and," + f(UserField::user_id) + "=and))");
    EXPECT_NE(refused("email:a OR").find("ends where a term"), std::string::npos);
    EXPECT_NE(refused("(email:a").find("missing ')'"), std::string::npos);
    EXPECT_NE(refused("email:a)").find("unbalanced"), std::string::npos);
    EXPECT_NE(refused("OR email:a").find("needs a term"), std::string::npos);
    EXPECT_NE(refused("-email:a").find("'-'"), std::string::npos);
}

TEST(UserSearchParser, BareTermsSearchTheProfileNotTheMetadata) {
    EXPECT_EQ(parsed("Jane"), "OR(" + f(UserField::email) + "=jane," + f(UserField::name) + "=jane," +
                                  f(UserField::nickname) + "=jane," + f(UserField::given_name) + "=jane," +
                                  f(UserField::family_name) + "=jane," + f(UserField::username) + "=Jane," +
                                  f(UserField::user_id) + "=Jane)");
}

TEST(UserSearchParser, RangesOnNumbersAndDates) {
    auto lc = f(UserField::logins_count);
    EXPECT_EQ(parsed("logins_count:>10"), lc + "[11,*]");
    EXPECT_EQ(parsed("logins_count:>=10"), lc + "[10,*]");
    EXPECT_EQ(parsed("logins_count:<10"), lc + "[*,9]");
    EXPECT_EQ(parsed("logins_count:[1 TO 5}"), lc + "[1,4]");
    EXPECT_EQ(parsed("logins_count:{1 TO *]"), lc + "[2,*]");
    auto ca = f(UserField::created_at);
    // A date is its whole day: [d1 TO d2] is from the start of d1 to the end of d2.
    EXPECT_EQ(parsed("created_at:[2024-01-01 TO 2024-01-31]"), ca + "[1704067200,1706745600)");
    EXPECT_EQ(parsed("created_at:{2024-01-01 TO 2024-01-31}"), ca + "[1704153600,1706659200)");
    EXPECT_EQ(parsed("created_at:2024-01-01"), ca + "[1704067200,1704153600)");
    EXPECT_EQ(parsed("created_at:[2024-01-01T00:00:00.500Z TO *]"), ca + "[1704067201,*]");
    auto ll = f(UserField::last_login);
    EXPECT_EQ(parsed("last_login:<2024-01-01"), ll + "[*,2024-01-01T00:00:00.000Z)");
    EXPECT_NE(refused("created_at:[2024-13-01 TO *]").find("date"), std::string::npos);
    EXPECT_NE(refused("name:[a TO b]").find("ranges are supported"), std::string::npos);
    EXPECT_NE(refused("app_metadata.n:>3").find("ranges are supported"), std::string::npos);
    EXPECT_NE(refused("logins_count:[1 5]").find("[a TO b]"), std::string::npos);
    EXPECT_NE(refused("[1 TO 2]").find("needs a field"), std::string::npos);
}

TEST(UserSearchParser, UnknownFieldsAndMetadataPathsAreRefused) {
    EXPECT_EQ(parsed("app_metadata.org.tier:gold"), f(UserField::metadata) + ".app_metadata.org.tier=gold");
    EXPECT_EQ(parsed("user_metadata.Color:Blue"), f(UserField::metadata) + ".user_metadata.Color=Blue");
    EXPECT_NE(refused("password_hash:x").find("'password_hash' is not supported"), std::string::npos);
    EXPECT_NE(refused("identities.provider:x").find("not supported"), std::string::npos);
    EXPECT_NE(refused("app_metadata:x").find("not supported"), std::string::npos);
    EXPECT_NE(refused("app_metadata..x:1").find("dot-separated"), std::string::npos);
    EXPECT_NE(refused("_exists_:app_metadata.a'b").find("dot-separated"), std::string::npos);
    EXPECT_NE(refused("app_metadata.a.b.c.d.e.f:1").find("too deeply"), std::string::npos);
    EXPECT_NE(refused("email:(name:x)").find("inside"), std::string::npos);
    EXPECT_NE(refused("name:jane~").find("fuzzy"), std::string::npos);
    EXPECT_NE(refused("name:jane^2").find("boost"), std::string::npos);
    EXPECT_NE(refused("name:/ja.e/").find("regular expressions"), std::string::npos);
}

TEST(UserSearchParser, QueryComplexityIsBounded) {
    UserQueryLimits limits;
    EXPECT_NE(refused(std::string(limits.max_length + 1, 'a')).find("longer than"), std::string::npos);
    std::string many;
    for (std::size_t i = 0; i <= limits.max_clauses; ++i) many += (i ? " OR email:a" : "email:a");
    EXPECT_NE(refused(many).find("more than"), std::string::npos);
    std::string deep = std::string(limits.max_depth + 1, '(') + "email:a" + std::string(limits.max_depth + 1, ')');
    EXPECT_NE(refused(deep).find("nested"), std::string::npos);
    std::string nots;
    for (std::size_t i = 0; i <= limits.max_depth; ++i) nots += "NOT ";
    EXPECT_NE(refused(nots + "email:a").find("nested"), std::string::npos);
    EXPECT_NE(refused("email:" + std::string(limits.max_value + 1, 'a')).find("longer than"), std::string::npos);
    EXPECT_NE(refused("email:\xff").find("UTF-8"), std::string::npos);
    EXPECT_NE(refused(std::string("email:a\0b", 9)).find("control"), std::string::npos);
}

TEST(UserSearchParser, Sort) {
    auto s = parse_user_sort("created_at:-1");
    ASSERT_TRUE(std::holds_alternative<store::UserSort>(s));
    EXPECT_EQ(std::get<store::UserSort>(s).field, UserField::created_at);
    EXPECT_TRUE(std::get<store::UserSort>(s).descending);
    EXPECT_FALSE(std::get<store::UserSort>(parse_user_sort("email:1")).descending);
    for (auto bad : {"email", "email:2", "password_hash:1", "app_metadata.plan:1", "email:1; DROP TABLE users", ""})
        EXPECT_TRUE(std::holds_alternative<std::string>(parse_user_sort(bad))) << bad;
}

}  // namespace
}  // namespace gatehouse::mgmt
