#include "util/multipart.hpp"

#include <gtest/gtest.h>

namespace gatehouse::util {
namespace {

const MultipartLimits kLimits{.max_part_size = 64, .max_parts = 4};

std::string error_of(std::string_view body, const MultipartLimits& limits = kLimits) {
    auto r = parse_multipart(body, "XyZ", limits);
    if (const auto* e = std::get_if<MultipartError>(&r)) return e->message;
    return {};
}

TEST(Multipart, BoundaryFromContentType) {
    EXPECT_EQ(std::get<std::string>(multipart_boundary("multipart/form-data; boundary=abc")), "abc");
    EXPECT_EQ(std::get<std::string>(multipart_boundary("Multipart/Form-Data;boundary=\"a b:c\"")), "a b:c");
    EXPECT_EQ(std::get<std::string>(multipart_boundary("multipart/form-data; boundary=----formdata-undici-0123456789")),
              "----formdata-undici-0123456789");
}

TEST(Multipart, MissingOrBadBoundaryIsRefused) {
    EXPECT_TRUE(std::holds_alternative<MultipartError>(multipart_boundary("multipart/form-data")));
    EXPECT_TRUE(std::holds_alternative<MultipartError>(multipart_boundary("multipart/form-data; charset=utf-8")));
    EXPECT_TRUE(std::holds_alternative<MultipartError>(multipart_boundary("multipart/form-data; boundary=")));
    EXPECT_TRUE(std::holds_alternative<MultipartError>(multipart_boundary("multipart/form-data; boundary=\"abc")));
    EXPECT_TRUE(std::holds_alternative<MultipartError>(multipart_boundary("multipart/form-data; boundary=a\x01")));
    EXPECT_TRUE(std::holds_alternative<MultipartError>(
        multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a'))));
    EXPECT_TRUE(
        std::holds_alternative<MultipartError>(multipart_boundary("multipart/form-data; boundary=a; boundary=b")));
    EXPECT_TRUE(std::holds_alternative<MultipartError>(multipart_boundary("application/json; boundary=abc")));
}

TEST(Multipart, ReadsFieldsAndFiles) {
    std::string body =
        "--XyZ\r\nContent-Disposition: form-data; name=\"users\"; filename=\"users.json\"\r\n"
        "Content-Type: application/json\r\n\r\n[{\"email\":\"a@b.c\"}]\r\n"
        "--XyZ\r\ncontent-disposition: form-data; name=connection_id\r\n\r\ncon_1\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"empty\"\r\n\r\n\r\n"
        "--XyZ--\r\n";
    auto r = parse_multipart(body, "XyZ", kLimits);
    ASSERT_TRUE(std::holds_alternative<std::vector<FormPart>>(r)) << std::get<MultipartError>(r).message;
    auto& parts = std::get<std::vector<FormPart>>(r);
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(parts[0].name, "users");
    EXPECT_EQ(parts[0].filename, "users.json");
    EXPECT_EQ(parts[0].content_type, "application/json");
    EXPECT_EQ(parts[0].content, "[{\"email\":\"a@b.c\"}]");
    EXPECT_EQ(parts[1].name, "connection_id");
    EXPECT_EQ(parts[1].content, "con_1");
    EXPECT_EQ(parts[2].content, "");
}

TEST(Multipart, ContentMayHoldCrLfAndDashes) {
    std::string body = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\na\r\n--Xy\r\n--\r\n--XyZ--";
    auto r = parse_multipart(body, "XyZ", kLimits);
    ASSERT_TRUE(std::holds_alternative<std::vector<FormPart>>(r));
    EXPECT_EQ(std::get<std::vector<FormPart>>(r)[0].content, "a\r\n--Xy\r\n--");
}

TEST(Multipart, MalformedBodiesAreRefused) {
    const std::string part = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n";
    EXPECT_NE(error_of(""), "");
    EXPECT_NE(error_of("preamble\r\n" + part + "--XyZ--"), "");                               // not at the start
    EXPECT_NE(error_of(part), "");                                                            // unterminated body
    EXPECT_NE(error_of("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx"), "");  // unterminated part
    EXPECT_NE(error_of("--XyZ\r\nContent-Disposition: form-data; name=\"a\""), "");           // unterminated headers
    EXPECT_NE(error_of("--XyZ--"), "");                                                       // no parts
    EXPECT_NE(error_of(part + "--XyZ--junk"), "");                                            // data after the end
    EXPECT_NE(error_of("--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--"), "");         // no disposition
    EXPECT_NE(error_of("--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--XyZ--"), "");
    EXPECT_NE(error_of("--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--"), "");  // no name
    EXPECT_NE(error_of("--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--XyZ--"), "");
    EXPECT_NE(error_of("--XyZ\r\nno colon here\r\n\r\nx\r\n--XyZ--"), "");
    EXPECT_NE(error_of("--XyZ junk\r\n"), "");  // delimiter not followed by CRLF
}

TEST(Multipart, DuplicateFieldsAreRefused) {
    const std::string part = "--XyZ\r\nContent-Disposition: form-data; name=\"upsert\"\r\n\r\ntrue\r\n";
    EXPECT_EQ(error_of(part + part + "--XyZ--"), "the field 'upsert' appears twice");
    EXPECT_NE(error_of("--XyZ\r\nContent-Disposition: form-data; name=\"a\"; name=\"b\"\r\n\r\nx\r\n--XyZ--"), "");
    EXPECT_NE(error_of("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Disposition: form-data; "
                       "name=\"a\"\r\n\r\nx\r\n--XyZ--"),
              "");
}

TEST(Multipart, SizeAndCountCapsHold) {
    std::string big =
        "--XyZ\r\nContent-Disposition: form-data; name=\"users\"\r\n\r\n" + std::string(65, 'x') + "\r\n--XyZ--";
    EXPECT_EQ(error_of(big), "the part 'users' is larger than 64 bytes");
    std::string at_cap =
        "--XyZ\r\nContent-Disposition: form-data; name=\"users\"\r\n\r\n" + std::string(64, 'x') + "\r\n--XyZ--";
    EXPECT_EQ(error_of(at_cap), "");
    std::string many;
    for (int i = 0; i < 5; ++i)
        many += "--XyZ\r\nContent-Disposition: form-data; name=\"f" + std::to_string(i) + "\"\r\n\r\nx\r\n";
    EXPECT_EQ(error_of(many + "--XyZ--"), "too many parts in the multipart body");
    std::string long_headers =
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: " + std::string(2000, 'p') +
        "\r\n\r\nx\r\n--XyZ--";
    EXPECT_NE(error_of(long_headers), "");
}

}  // namespace
}  // namespace gatehouse::util
