#include "api_fixture.hpp"

#include "connections/database.hpp"

namespace gatehouse::mgmt::test {
namespace {

class UsersApi : public ApiTest {
  protected:
    void SetUp() override {
        ApiTest::SetUp();
        create_connection(R"({"name":"Username-Password-Authentication","strategy":"auth0"})");
    }
    std::string create_user(std::string_view email) {
        auto r = call("POST", "/users",
                      R"({"connection":"Username-Password-Authentication","email":")" + std::string(email) +
                          R"(","password":"correct-horse"})");
        EXPECT_EQ(r.status, 201) << r.body;
        return std::string(body(r).at("user_id").as_string());
    }
};

TEST_F(UsersApi, CreateReturnsAuth0ShapeWithoutPassword) {
    auto r = call("POST", "/users", R"({"connection":"Username-Password-Authentication","email":"Ann@Example.com",
        "password":"correct-horse","given_name":"Ann","user_metadata":{"theme":"dark"}})");
    ASSERT_EQ(r.status, 201) << r.body;
    auto b = body(r).as_object();
    auto id = std::string(b.at("user_id").as_string());
    EXPECT_TRUE(id.starts_with("auth0|"));
    EXPECT_EQ(id.size(), 30u);
    EXPECT_EQ(b.at("email"), "ann@example.com");
    EXPECT_EQ(b.at("email_verified"), false);
    EXPECT_EQ(b.at("given_name"), "Ann");
    EXPECT_EQ(b.at("user_metadata").at("theme"), "dark");
    EXPECT_EQ(b.at("identities").as_array()[0].at("provider"), "auth0");
    EXPECT_EQ(b.at("identities").as_array()[0].at("isSocial"), false);
    EXPECT_EQ(b.at("identities").as_array()[0].at("user_id").as_string(), id.substr(6));
    EXPECT_TRUE(b.contains("created_at"));
    EXPECT_EQ(r.body.find("password"), std::string::npos);
    EXPECT_EQ(r.body.find("argon2"), std::string::npos);

    // The path id is URL-encoded by the SDK.
    auto g = call("GET", "/users/auth0%7C" + id.substr(6));
    ASSERT_EQ(g.status, 200) << g.body;
    EXPECT_EQ(body(g).at("user_id").as_string(), id);
}

TEST_F(UsersApi, CreateRejectsBadInput) {
    expect_error(call("POST", "/users",
                      R"({"connection":"Username-Password-Authentication","email":"x@y.z","password":"short"})"),
                 400, "invalid_body");
    expect_error(call("POST", "/users",
                      R"({"connection":"Username-Password-Authentication","email":"nope","password":"long-enough"})"),
                 400, "invalid_body");
    expect_error(call("POST", "/users", R"({"connection":"Missing","email":"a@b.c","password":"long-enough"})"), 400,
                 "invalid_body");
    expect_error(call("POST", "/users", R"({"connection":"Username-Password-Authentication","email":"a@b.c"})"), 400,
                 "invalid_body");
    expect_error(
        call(
            "POST", "/users",
            R"({"connection":"Username-Password-Authentication","email":"a@b.c","password":"long-enough","role":"admin"})"),
        400, "invalid_body");
    create_connection(R"({"name":"wp","strategy":"wordpress"})");
    expect_error(call("POST", "/users", R"({"connection":"wp","email":"a@b.c","password":"long-enough"})"), 400,
                 "operation_not_supported");
    create_user("dup@example.com");
    expect_error(
        call("POST", "/users",
             R"({"connection":"Username-Password-Authentication","email":"DUP@example.com","password":"long-enough"})"),
        409, "");
    EXPECT_EQ(body(call("GET", "/users")).as_array().size(), 1u);
}

TEST_F(UsersApi, ListSearchAndByEmail) {
    create_user("a@example.com");
    create_user("b@example.com");
    auto page = body(call("GET", "/users", {}, {{"page", "0"}, {"per_page", "50"}, {"include_totals", "true"}}));
    EXPECT_EQ(page.at("total"), 2);
    EXPECT_EQ(page.at("length"), 2);
    EXPECT_EQ(page.at("users").as_array().size(), 2u);
    auto q = body(call("GET", "/users", {}, {{"q", "email:\"B@example.com\""}, {"search_engine", "v3"}}));
    ASSERT_EQ(q.as_array().size(), 1u);
    EXPECT_EQ(q.as_array()[0].at("email"), "b@example.com");
    auto by = body(call("GET", "/users-by-email", {}, {{"email", "a@example.com"}}));
    ASSERT_EQ(by.as_array().size(), 1u);
    expect_error(call("GET", "/users-by-email"), 400, "invalid_query_string");
    // A search is data: "1=1" is a bare term matching nobody, not a tautology.
    EXPECT_EQ(body(call("GET", "/users", {}, {{"q", "name:x OR 1=1"}})).as_array().size(), 0u);
    EXPECT_EQ(body(call("GET", "/users", {}, {{"q", "email:b* OR email:a*"}})).as_array().size(), 2u);
    expect_error(call("GET", "/users", {}, {{"q", "name:*x OR 1=1"}}), 400, "invalid_query_string");
    expect_error(call("GET", "/users", {}, {{"q", "email:a"}, {"search_engine", "v1"}}), 400, "invalid_query_string");
}

// Auth0 reports at most 1000 as a search's total (the window it pages through), so the count is
// one bounded index walk however large the tenant.
TEST_F(UsersApi, TotalsStopAtTheThousandUsersASearchCanPageThrough) {
    for (int k = 0; k < 1002; ++k) {
        store::User u;
        u.user_id = "auth0|bulk" + std::to_string(k);
        u.connection = "Username-Password-Authentication";
        u.email = "bulk" + std::to_string(k) + "@example.com";
        u.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
        u.doc = {{"email_verified", false}};
        u.created_at = u.updated_at = 1000 + k;
        ASSERT_TRUE(store_->create_user(u));
    }
    auto all = body(call("GET", "/users", {}, {{"per_page", "1"}, {"include_totals", "true"}}));
    EXPECT_EQ(all.at("total"), 1000);
    auto few = body(call("GET", "/users", {}, {{"q", "email:bulk100*"}, {"include_totals", "true"}}));
    EXPECT_EQ(few.at("total"), 3);  // bulk100, bulk1000, bulk1001
}

TEST_F(UsersApi, PatchPasswordBlockedMetadataAndDelete) {
    auto id = create_user("c@example.com");
    auto path = "/users/auth0%7C" + id.substr(6);
    auto r = call("PATCH", path, R"({"password":"new-password-1","blocked":true,"user_metadata":{"a":1},"name":"C"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(body(r).at("blocked"), true);
    EXPECT_EQ(body(r).at("name"), "C");
    r = call("PATCH", path, R"({"user_metadata":{"b":2,"a":null}})");
    EXPECT_EQ(body(r).at("user_metadata"), (json::object{{"b", 2}}));

    connections::DatabaseConnection db(*store_, "Username-Password-Authentication");
    EXPECT_EQ(db.login("c@example.com", "correct-horse").error(), connections::connection_errc::wrong_credentials);
    EXPECT_EQ(db.login("c@example.com", "new-password-1").error(), connections::connection_errc::user_blocked);
    ASSERT_EQ(call("PATCH", path, R"({"blocked":false})").status, 200);
    EXPECT_TRUE(db.login("c@example.com", "new-password-1"));

    expect_error(call("PATCH", path, R"({"password":"short"})"), 400, "invalid_body");
    expect_error(call("PATCH", path, R"({"blocked":"yes"})"), 400, "invalid_body");
    expect_error(call("PATCH", path, R"({"user_id":"x"})"), 400, "invalid_body");
    create_user("d@example.com");
    expect_error(call("PATCH", path, R"({"email":"d@example.com"})"), 409, "");

    EXPECT_EQ(call("DELETE", path).status, 204);
    auto msg = expect_error(call("GET", path), 404, "inexistent_user");
    EXPECT_EQ(msg, "The user does not exist.");
    expect_error(call("GET", "/users/no-provider"), 400, "invalid_uri");
    scopes_ = {"read:users"};
    expect_error(call("DELETE", path), 403, "insufficient_scope");
}

}  // namespace
}  // namespace gatehouse::mgmt::test
