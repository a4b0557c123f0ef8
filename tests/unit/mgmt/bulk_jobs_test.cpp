#include "mgmt/bulk_jobs.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

namespace gatehouse::mgmt::detail {
namespace {

namespace json = boost::json;

constexpr std::string_view kBcrypt = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

std::vector<std::string> codes(const json::value& row) {
    std::vector<std::string> out;
    for (const auto& e : import_row_errors(row)) out.emplace_back(e.at("code").as_string());
    return out;
}

TEST(BulkImportRows, AValidRowHasNoErrors) {
    EXPECT_TRUE(codes(json::parse(R"({"email":"a@example.com","user_id":"legacy-1","given_name":"A",
        "email_verified":true,"blocked":false,"app_metadata":{"x":1},"user_metadata":{},
        "custom_password_hash":{"algorithm":"bcrypt","hash":{"value":")" +
                                  std::string(kBcrypt) + R"("}}})"))
                    .empty());
    EXPECT_TRUE(codes(json::object{{"email", "b@example.com"}, {"password_hash", kBcrypt}}).empty());
}

TEST(BulkImportRows, BadRowsGetAuth0Codes) {
    EXPECT_EQ(codes(json::value(3)), std::vector<std::string>{"INVALID_TYPE"});
    EXPECT_EQ(codes(json::object{}), std::vector<std::string>{"OBJECT_MISSING_REQUIRED_PROPERTY"});
    EXPECT_EQ(codes(json::object{{"email", "nope"}}), std::vector<std::string>{"INVALID_FORMAT"});
    EXPECT_EQ(codes(json::object{{"email", "a@b.c"}, {"connection", "other"}}),
              std::vector<std::string>{"OBJECT_ADDITIONAL_PROPERTIES"});
    EXPECT_EQ(codes(json::object{{"email", "a@b.c"}, {"blocked", "yes"}}), std::vector<std::string>{"INVALID_TYPE"});
    EXPECT_EQ(codes(json::object{{"email", "a@b.c"}, {"user_id", "a|b"}}), std::vector<std::string>{"INVALID_FORMAT"});
    EXPECT_EQ(codes(json::object{{"email", "a@b.c"}, {"password_hash", "$1$md5$crypt"}}),
              std::vector<std::string>{"INVALID_FORMAT"});
    auto md4 = json::parse(R"({"email":"a@b.c","custom_password_hash":{"algorithm":"md4","hash":{"value":"x"}}})");
    auto errors = import_row_errors(md4);
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0].at("code"), "ENUM_MISMATCH");
    EXPECT_EQ(errors[0].at("path"), "custom_password_hash.algorithm");
    auto both = json::object{{"email", "a@b.c"},
                             {"password_hash", kBcrypt},
                             {"custom_password_hash", json::parse(R"({"algorithm":"bcrypt","hash":{"value":")" +
                                                                  std::string(kBcrypt) + R"("}})")}};
    EXPECT_EQ(codes(both), std::vector<std::string>{"CONFLICT"});
    // A CPU-exhausting bcrypt cost is not a bcrypt hash Gatehouse takes.
    std::string cost31(kBcrypt);
    cost31.replace(4, 2, "31");
    EXPECT_EQ(codes(json::object{{"email", "a@b.c"}, {"password_hash", cost31}}),
              std::vector<std::string>{"INVALID_FORMAT"});
}

TEST(BulkImportRows, MaskedRowsHideEveryHash) {
    auto row = json::parse(R"({"email":"a@b.c","password_hash":"h1","custom_password_hash":{"algorithm":"bcrypt",
        "hash":{"value":"h2"}}})");
    auto masked = masked_import_row(row);
    EXPECT_EQ(masked.at("password_hash"), "*****");
    EXPECT_EQ(masked.at("custom_password_hash").at("hash").at("value"), "*****");
    EXPECT_EQ(masked.at("email"), "a@b.c");
}

store::User user() {
    store::User u;
    u.user_id = "auth0|1";
    u.connection = "db";
    u.email = "a@example.com";
    u.password_hash = std::string(kBcrypt);
    u.doc = {{"name", "Say \"hi\", =1+1"}, {"app_metadata", {{"plan", "gold"}, {"n", 2}}}, {"password_hash", "x"}};
    return u;
}

TEST(BulkExport, NdjsonHasOnlyTheRequestedFieldsUnderTheirNames) {
    auto fields = json::parse(R"([{"name":"user_id","export_as":"id"},{"name":"app_metadata.plan","export_as":"plan"},
        {"name":"missing"},{"name":"password_hash"}])")
                      .as_array();
    EXPECT_EQ(export_line(user(), fields, false), R"({"id":"auth0|1","plan":"gold"})"
                                                  "\n");
}

TEST(BulkExport, CsvQuotesAndPrefixesStrings) {
    auto fields = json::parse(R"([{"name":"name"},{"name":"app_metadata.n","export_as":"n"},{"name":"missing"},
        {"name":"app_metadata"}])")
                      .as_array();
    EXPECT_EQ(export_csv_header(fields), "\"name\",\"n\",\"missing\",\"app_metadata\"\n");
    EXPECT_EQ(export_line(user(), fields, true),
              "\"'Say \"\"hi\"\", =1+1\",2,,\"'{\"\"plan\"\":\"\"gold\"\",\"\"n\"\":2}\"\n");
    auto line = export_line(user(), default_export_fields(), true);
    EXPECT_EQ(line.find("$2a$"), std::string::npos);
}

TEST(BulkExport, GzipMembersConcatenateIntoOneStream) {
    auto data = gzip("hello ") + gzip("world");
    z_stream z{};
    ASSERT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
    std::string out(64, '\0');
    z.next_in = reinterpret_cast<Bytef*>(data.data());
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    int members = 0;
    while (z.avail_in > 0) {  // what gunzip does: each member to its end, then the next
        ASSERT_EQ(inflate(&z, Z_NO_FLUSH), Z_STREAM_END);
        ++members;
        ASSERT_EQ(inflateReset(&z), Z_OK);
    }
    out.resize(out.size() - z.avail_out);
    inflateEnd(&z);
    EXPECT_EQ(members, 2);
    EXPECT_EQ(out, "hello world");
}

}  // namespace
}  // namespace gatehouse::mgmt::detail
