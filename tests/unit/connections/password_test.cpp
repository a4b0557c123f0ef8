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

}  // namespace
}  // namespace gatehouse::connections
