// The `q` of GET /api/v2/logs: what parses into which filter, and what is refused with a 400.
#include "mgmt/log_query.hpp"

#include <gtest/gtest.h>

namespace gatehouse::mgmt {
namespace {

using store::LogFilter;

TEST(LogQuery, EqualityTermsQuotedOrBare) {
    auto f = parse_log_query(R"(type:"s")");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->op, LogFilter::kind::type);
    EXPECT_EQ(f->value, "s");
    f = parse_log_query(R"(user_id:"auth0|a \"b\"")");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->op, LogFilter::kind::user_id);
    EXPECT_EQ(f->value, "auth0|a \"b\"");
    f = parse_log_query("client_id:abc");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->value, "abc");
    EXPECT_EQ(parse_log_query("  ")->op, LogFilter::kind::all);
}

TEST(LogQuery, AndBindsTighterThanOrAndParenthesesGroup) {
    auto f = parse_log_query("type:s OR type:f AND user_id:u");
    ASSERT_TRUE(f);
    ASSERT_EQ(f->op, LogFilter::kind::either);
    ASSERT_EQ(f->operands.size(), 2u);
    EXPECT_EQ(f->operands[1].op, LogFilter::kind::both);
    f = parse_log_query("(type:s OR type:f) AND user_id:u");
    ASSERT_TRUE(f);
    ASSERT_EQ(f->op, LogFilter::kind::both);
    EXPECT_EQ(f->operands[0].op, LogFilter::kind::either);
}

TEST(LogQuery, DateRangesAreInclusiveAndADateOnlyEndCoversItsDay) {
    auto f = parse_log_query("date:[2024-01-01 TO 2024-01-31]");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->op, LogFilter::kind::date);
    EXPECT_EQ(f->from_ms, 1704067200000);
    EXPECT_EQ(f->to_ms, 1706745600000 - 1);
    f = parse_log_query(R"(date:[* TO "2024-01-01T10:00:00.250Z"])");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->from_ms, INT64_MIN);
    EXPECT_EQ(f->to_ms, 1704067200000 + 10 * 3600 * 1000 + 250);
    EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:01Z"), 1000);
    EXPECT_FALSE(parse_iso8601_ms("2024-13-01"));
    EXPECT_FALSE(parse_iso8601_ms("2024-01-01T25:00"));
    EXPECT_FALSE(parse_iso8601_ms("2024-01-01 10:00"));
}

TEST(LogQuery, AnythingElseIsAQueryError) {
    for (std::string_view q : {"type", "type:", "description:x", "NOT type:s", "type:s AND", "type:s type:f", "(type:s",
                               "type:s)", "type:\"x", "date:2024-01-01", "date:[2024-01-01 2024-02-01]",
                               "date:[yesterday TO now]", "(((((((((type:s)))))))))"}) {
        auto f = parse_log_query(q);
        ASSERT_FALSE(f) << q;
        EXPECT_EQ(f.error().code, mgmt_errc::invalid_query_string) << q;
    }
    std::string many;
    for (int i = 0; i < 40; ++i) many += (i ? " OR " : "") + std::string("type:s");
    EXPECT_FALSE(parse_log_query(many));
    EXPECT_FALSE(parse_log_query(std::string(1100, 'x')));
}

}  // namespace
}  // namespace gatehouse::mgmt
