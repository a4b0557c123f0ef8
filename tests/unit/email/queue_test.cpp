#include "email/email.hpp"

#include <gtest/gtest.h>

namespace gatehouse::email {
namespace {

TEST(MailQueue, RetryDelaysGrowFourfoldUpToTheCap) {
    WorkerOptions options;  // 30 s base, 1 h cap
    EXPECT_EQ(retry_delay(options, 1).count(), 30);
    EXPECT_EQ(retry_delay(options, 2).count(), 120);
    EXPECT_EQ(retry_delay(options, 3).count(), 480);
    EXPECT_EQ(retry_delay(options, 4).count(), 1920);
    EXPECT_EQ(retry_delay(options, 5).count(), 3600);
    EXPECT_EQ(retry_delay(options, 40).count(), 3600);
    options.retry_base = std::chrono::milliseconds(200);
    EXPECT_EQ(retry_delay(options, 1).count(), 1) << "rounded up to the queue's one-second resolution";
}

TEST(MailQueue, OnlyOnePlainAddressIsARecipient) {
    EXPECT_TRUE(is_plain_address("a.b+c@example.co.uk"));
    for (const char* bad : {"", "a", "@example.com", "a@", "a@@b", "a@b\r\nRCPT TO:<x@y>", "a@b,c@d", "<a@b>", "a b@c",
                            "\"a\"@b", "a@b;c"})
        EXPECT_FALSE(is_plain_address(bad)) << bad;
}

}  // namespace
}  // namespace gatehouse::email
