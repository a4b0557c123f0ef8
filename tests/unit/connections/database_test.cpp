#include "connections/database.hpp"
#include "connections/user_json.hpp"

#include <gtest/gtest.h>

namespace gatehouse::connections {
namespace {

class DatabaseConnectionTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = store::open_store("sqlite::memory:");
        ASSERT_TRUE(store_->migrate());
    }
    std::unique_ptr<store::Store> store_;
};

TEST_F(DatabaseConnectionTest, SignupThenLoginByEmailAndUsername) {
    DatabaseConnection db(*store_, "Username-Password-Authentication");
    auto u = db.signup("Alice@Example.com", "s3cret-pass", json::object{{"username", "alice"}});
    ASSERT_TRUE(u) << u.error().message();
    EXPECT_TRUE(u->user_id.starts_with("auth0|"));
    EXPECT_EQ(u->user_id.size(), 6u + 24u);
    EXPECT_EQ(u->email, "alice@example.com");
    EXPECT_TRUE(u->password_hash.starts_with("$argon2id$"));

    auto by_email = db.login("ALICE@example.com", "s3cret-pass");
    ASSERT_TRUE(by_email) << by_email.error().message();
    EXPECT_EQ(by_email->user_id, u->user_id);
    auto by_name = db.login("alice", "s3cret-pass");
    ASSERT_TRUE(by_name);
    EXPECT_EQ(by_name->user_id, u->user_id);
}

TEST_F(DatabaseConnectionTest, UnknownUserAndWrongPasswordAreTheSameError) {
    DatabaseConnection db(*store_, "db");
    ASSERT_TRUE(db.signup("bob@example.com", "right-password", {}));
    auto wrong = db.login("bob@example.com", "wrong-password");
    auto unknown = db.login("nobody@example.com", "right-password");
    ASSERT_FALSE(wrong);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(wrong.error(), connection_errc::wrong_credentials);
    EXPECT_EQ(unknown.error(), wrong.error());
    EXPECT_EQ(wrong.error().message(), unknown.error().message());
}

TEST_F(DatabaseConnectionTest, UsersAreScopedToTheirConnection) {
    DatabaseConnection a(*store_, "a"), b(*store_, "b");
    ASSERT_TRUE(a.signup("carol@example.com", "password-a", {}));
    auto r = b.login("carol@example.com", "password-a");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), connection_errc::wrong_credentials);
}

TEST_F(DatabaseConnectionTest, BlockedUserWithRightPasswordIsDistinct) {
    DatabaseConnection db(*store_, "db");
    ASSERT_TRUE(db.signup("dave@example.com", "password-d", json::object{{"blocked", true}}));
    auto r = db.login("dave@example.com", "password-d");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), connection_errc::user_blocked);
    auto wrong = db.login("dave@example.com", "nope-nope");
    EXPECT_EQ(wrong.error(), connection_errc::wrong_credentials);
}

TEST_F(DatabaseConnectionTest, SignupEnforcesPolicyAndUniqueness) {
    DatabaseConnection db(*store_, "db");
    EXPECT_EQ(db.signup("not-an-email", "long-enough", {}).error(), connection_errc::invalid_email);
    EXPECT_EQ(db.signup("e@example.com", "short", {}).error(), connection_errc::invalid_password);
    ASSERT_TRUE(db.signup("e@example.com", "long-enough", {}));
    EXPECT_EQ(db.signup("E@example.com", "long-enough", {}).error(), connection_errc::user_exists);
}

TEST_F(DatabaseConnectionTest, ImportedBcryptUserKeepsItsIdLogsInAndIsRehashedToArgon2id) {
    DatabaseConnection db(*store_, "Username-Password-Authentication");
    NewUser n;
    n.id = "legacy-42";
    n.email = "old@example.com";
    n.password_hash = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";  // "U*U"
    auto u = db.create(n);
    ASSERT_TRUE(u) << u.error().message();
    EXPECT_EQ(u->user_id, "auth0|legacy-42");
    EXPECT_FALSE(db.login("old@example.com", "U*V"));
    EXPECT_EQ(store_->get_user("auth0|legacy-42").value().password_hash, n.password_hash) << "no rehash on failure";
    ASSERT_TRUE(db.login("old@example.com", "U*U"));
    auto stored = store_->get_user("auth0|legacy-42").value().password_hash;
    EXPECT_TRUE(stored.starts_with("$argon2id$")) << stored;
    EXPECT_TRUE(db.login("old@example.com", "U*U")) << "the same password after the rehash";
    EXPECT_FALSE(db.login("old@example.com", "U*V"));
    n.email = "other@example.com";  // the id alone collides
    EXPECT_EQ(db.create(n).error(), connection_errc::user_exists);
}

TEST_F(DatabaseConnectionTest, ImportRefusesHashesThatAreNotBcryptAndHashWithPassword) {
    DatabaseConnection db(*store_, "Username-Password-Authentication");
    NewUser n;
    n.email = "x@example.com";
    n.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA";
    EXPECT_EQ(db.create(n).error(), connection_errc::invalid_password);
    n.password_hash = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
    n.password = "also a password";
    EXPECT_EQ(db.create(n).error(), connection_errc::invalid_password);
    EXPECT_FALSE(store_->find_user_by_email("Username-Password-Authentication", "x@example.com"));
}

TEST(PasswordPolicy, LengthInCharactersAndUtf8) {
    EXPECT_TRUE(check_password_policy("1234567"));
    EXPECT_FALSE(check_password_policy("12345678"));
    EXPECT_FALSE(check_password_policy(std::string(128, 'a')));
    EXPECT_TRUE(check_password_policy(std::string(129, 'a')));
    EXPECT_FALSE(check_password_policy("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"));  // 8 x é
    EXPECT_TRUE(check_password_policy("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"));  // 4 chars, 8 bytes
    EXPECT_TRUE(check_password_policy("abcdefg\xff"));
}

// Auth0's PasswordStrengthError description: the same rules as check_password_policy, each marked.
TEST(PasswordPolicy, ReportMarksEachRuleAsCheckPasswordPolicyDecides) {
    auto weak = password_policy_report("short");
    EXPECT_EQ(weak.at("verified"), false);
    const auto& rules = weak.at("rules").as_array();
    ASSERT_EQ(rules.size(), 2u);
    EXPECT_EQ(rules[0].at("code"), "lengthAtLeast");
    EXPECT_EQ(rules[0].at("message"), "At least %d characters in length");
    EXPECT_EQ(rules[0].at("format"), json::array{8});
    EXPECT_EQ(rules[0].at("verified"), false);
    EXPECT_EQ(rules[1].at("verified"), true);
    EXPECT_EQ(password_policy_report(std::string(129, 'a')).at("rules").as_array()[1].at("verified"), false);
    for (std::string p : {std::string("12345678"), std::string(128, 'a'), std::string("short"), std::string(129, 'a'),
                          std::string("abcdefg\xff")})
        EXPECT_EQ(password_policy_report(p).at("verified").as_bool(), !check_password_policy(p)) << p;
    EXPECT_EQ(password_policy_text(), "* At least 8 characters in length\n* At most 128 characters in length");
}

}  // namespace
}  // namespace gatehouse::connections
