#include "connections/password.hpp"

#include <gtest/gtest.h>

namespace gatehouse::connections {
namespace {

TEST(Password, HashIsArgon2idAtOwaspParametersAndVerifies) {
    auto h = hash_password("correct horse battery staple");
    EXPECT_TRUE(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << h;
    EXPECT_TRUE(verify_password(h, "correct horse battery staple"));
    EXPECT_FALSE(verify_password(h, "correct horse battery stapl"));
    EXPECT_FALSE(verify_password(h, ""));
}

TEST(Password, SaltsDiffer) { EXPECT_NE(hash_password("same password"), hash_password("same password")); }

TEST(Password, MalformedOrEmptyHashNeverVerifies) {
    EXPECT_FALSE(verify_password("", "anything"));
    EXPECT_FALSE(verify_password("$2b$10$notargon", "anything"));
    EXPECT_FALSE(verify_dummy_password("anything"));
}

// crypt_blowfish's published test vector: the hash another system's bcrypt produced.
constexpr std::string_view openwall_vector = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

TEST(Password, BcryptHashesOfAnotherSystemVerifyAndAskForARehash) {
    ASSERT_TRUE(is_bcrypt_hash(openwall_vector));
    EXPECT_TRUE(verify_password(openwall_vector, "U*U"));
    EXPECT_FALSE(verify_password(openwall_vector, "U*V"));
    EXPECT_FALSE(verify_password(openwall_vector, ""));
    EXPECT_TRUE(needs_rehash(openwall_vector));
    EXPECT_FALSE(needs_rehash(hash_password("x")));
    EXPECT_TRUE(needs_rehash(""));
    // $2b$ and $2y$ are the same algorithm under later names.
    EXPECT_TRUE(
        verify_password("$2y$04$abcdefghijklmnopqrstuuqREtd3VJD2QVZbuFskFSLk6eRIrQoOS", "correct horse battery"));
}

TEST(Password, TruncationAtNulCannotLogInWithAPrefixOfThePassword) {
    // crypt_r sees a C string: "U*U\0anything" must not verify as "U*U".
    EXPECT_FALSE(verify_password(openwall_vector, std::string_view("U*U\0anything", 12)));
}

TEST(Password, CpuExhaustionThroughAnImportedBcryptCostIsRefused) {
    // Cost 31 would be 2^31 rounds per login attempt: such a hash is not accepted, and verifying
    // against one costs only the dummy argon2id check.
    std::string slow(openwall_vector);
    slow.replace(4, 2, "31");
    EXPECT_FALSE(is_bcrypt_hash(slow));
    EXPECT_FALSE(verify_password(slow, "U*U"));
    for (std::string_view cost : {"03", "15", "99", "1a"}) {
        std::string h(openwall_vector);
        h.replace(4, 2, cost);
        EXPECT_FALSE(is_bcrypt_hash(h)) << h;
    }
    EXPECT_FALSE(is_bcrypt_hash("$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW")) << "other variant";
    EXPECT_FALSE(is_bcrypt_hash("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe")) << "short";
    EXPECT_FALSE(is_bcrypt_hash("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe!")) << "alphabet";
    EXPECT_FALSE(is_bcrypt_hash("$1$salt$hash")) << "md5-crypt";
}

}  // namespace
}  // namespace gatehouse::connections
