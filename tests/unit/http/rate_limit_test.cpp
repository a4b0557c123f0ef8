#include "http/rate_limit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace gatehouse::http {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

TEST(RateLimiter, AllowsBurstThenDeniesWithRetryAfter) {
    RateLimiter limiter({.burst = 3, .per_second = 0.5});
    auto t0 = Clock::now();
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.acquire("ip:1.2.3.4", t0)) << i;
    auto denied = limiter.acquire("ip:1.2.3.4", t0);
    EXPECT_FALSE(denied);
    EXPECT_EQ(denied.retry_after, 2);  // one token at 0.5/s
    // Denied requests take nothing: after the advertised wait, exactly one more goes through.
    EXPECT_FALSE(limiter.acquire("ip:1.2.3.4", t0 + 1s));
    EXPECT_TRUE(limiter.acquire("ip:1.2.3.4", t0 + 2s));
    EXPECT_FALSE(limiter.acquire("ip:1.2.3.4", t0 + 2s));
}

TEST(RateLimiter, RetryAfterRoundsUpToWholeSeconds) {
    RateLimiter limiter({.burst = 1, .per_second = 4});
    auto t0 = Clock::now();
    ASSERT_TRUE(limiter.acquire("k", t0));
    auto d = limiter.acquire("k", t0);
    EXPECT_FALSE(d);
    EXPECT_EQ(d.retry_after, 1);  // 0.25 s is still "Retry-After: 1", never 0
    EXPECT_TRUE(limiter.acquire("k", t0 + 250ms));
}

TEST(RateLimiter, RefillsUpToBurstOnly) {
    RateLimiter limiter({.burst = 2, .per_second = 10});
    auto t0 = Clock::now();
    EXPECT_TRUE(limiter.acquire("k", t0));
    // An hour idle refills to the burst, not to 36000 tokens.
    auto later = t0 + 1h;
    EXPECT_TRUE(limiter.acquire("k", later));
    EXPECT_TRUE(limiter.acquire("k", later));
    EXPECT_FALSE(limiter.acquire("k", later));
}

TEST(RateLimiter, KeysAreIndependent) {
    RateLimiter limiter({.burst = 1, .per_second = 0.01});
    auto t0 = Clock::now();
    EXPECT_TRUE(limiter.acquire("ip:10.0.0.1", t0));
    EXPECT_FALSE(limiter.acquire("ip:10.0.0.1", t0));
    EXPECT_TRUE(limiter.acquire("ip:10.0.0.2", t0));
    EXPECT_TRUE(limiter.acquire("user:alice@example.com", t0));
    EXPECT_TRUE(limiter.acquire("client:abc", t0));
    EXPECT_EQ(limiter.size(), 4u);
}

TEST(RateLimiter, CostAndCheckAndReset) {
    RateLimiter limiter({.burst = 5, .per_second = 1});
    auto t0 = Clock::now();
    EXPECT_TRUE(limiter.check("user:bob", t0, 5));
    EXPECT_EQ(limiter.size(), 0u);  // check() of an unknown key remembers nothing
    EXPECT_TRUE(limiter.acquire("user:bob", t0, 4));
    EXPECT_TRUE(limiter.check("user:bob", t0));
    EXPECT_TRUE(limiter.check("user:bob", t0));  // check() does not consume
    auto d = limiter.check("user:bob", t0, 3);
    EXPECT_FALSE(d);
    EXPECT_EQ(d.retry_after, 2);
    EXPECT_FALSE(limiter.acquire("user:bob", t0, 6));  // more than the burst: never
    limiter.reset("user:bob");
    EXPECT_TRUE(limiter.acquire("user:bob", t0, 5));
    limiter.reset("never-seen");  // harmless
}

TEST(RateLimiter, MemoryIsBoundedAndIdleKeysGoFirst) {
    RateLimiter limiter({.burst = 1, .per_second = 1, .max_keys = 64});
    auto t0 = Clock::now();
    for (int i = 0; i < 10'000; ++i) (void)limiter.acquire("ip:" + std::to_string(i), t0);
    EXPECT_LE(limiter.size(), 64u);

    // Idle keys (refilled) are dropped as new ones arrive; an active key is kept.
    RateLimiter small({.burst = 1, .per_second = 1, .max_keys = 16});
    for (int i = 0; i < 16; ++i) (void)small.acquire("old:" + std::to_string(i), t0);
    auto t1 = t0 + 10s;  // every old key has refilled
    EXPECT_FALSE(small.acquire("old:3", t0));
    for (int i = 0; i < 16; ++i) (void)small.acquire("new:" + std::to_string(i), t1);
    EXPECT_LE(small.size(), 16u);
    // new:* are fresh and empty now; they were not evicted for the idle old:* keys.
    int denied = 0;
    for (int i = 0; i < 16; ++i) denied += !small.acquire("new:" + std::to_string(i), t1);
    EXPECT_GE(denied, 8);
}

TEST(RateLimiter, LongKeysAreHashedNotStoredWhole) {
    RateLimiter limiter({.burst = 1, .per_second = 0.01});
    auto t0 = Clock::now();
    std::string a(100'000, 'a'), b = a;
    b.back() = 'b';
    EXPECT_TRUE(limiter.acquire("user:" + a, t0));
    EXPECT_FALSE(limiter.acquire("user:" + a, t0));
    EXPECT_TRUE(limiter.acquire("user:" + b, t0));  // differing in the last byte: another key
}

TEST(RateLimiter, RejectsNonsenseOptions) {
    EXPECT_THROW(RateLimiter({.burst = 0}), std::invalid_argument);
    EXPECT_THROW(RateLimiter({.burst = 1, .per_second = 0}), std::invalid_argument);
    EXPECT_THROW(RateLimiter({.burst = 1, .per_second = -1}), std::invalid_argument);
    EXPECT_THROW(RateLimiter({.burst = 1, .per_second = 1, .max_keys = 0}), std::invalid_argument);
}

TEST(RateLimiter, ThreadSafeAndExact) {
    // 4 threads hammer one key with a bucket that cannot refill in time: exactly `burst` succeed.
    RateLimiter limiter({.burst = 100, .per_second = 1e-6});
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 1000; ++i) {
                allowed += limiter.acquire("ip:203.0.113.7").allowed;
                (void)limiter.acquire("ip:" + std::to_string(t * 1000 + i));  // other keys alongside
            }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(allowed.load(), 100);
}

TEST(RateLimiter, RefundGivesBackUpToTheBurst) {
    RateLimiter limiter({.burst = 2, .per_second = 1e-6});
    auto t0 = Clock::now();
    EXPECT_TRUE(limiter.acquire("k", t0));
    EXPECT_TRUE(limiter.acquire("k", t0));
    EXPECT_FALSE(limiter.acquire("k", t0));
    limiter.refund("k");
    EXPECT_TRUE(limiter.acquire("k", t0)) << "the refunded token is there again";
    limiter.refund("k", 10);
    EXPECT_TRUE(limiter.acquire("k", t0));
    EXPECT_TRUE(limiter.acquire("k", t0));
    EXPECT_FALSE(limiter.acquire("k", t0)) << "a refund never fills beyond the burst";
    limiter.refund("never-seen");  // harmless, and remembers nothing
    EXPECT_EQ(limiter.size(), 1u);
}

// The failed-login limit reserves before the password hash is checked: with one attempt left, of 16
// guesses racing on their own threads exactly one may proceed (check-then-acquire let 8 through).
TEST(RateLimiter, ParallelReservationsWithOneAttemptLeftAdmitExactlyOne) {
    for (int round = 0; round < 20; ++round) {
        RateLimiter limiter({.burst = 10, .per_second = 1e-6});
        for (int i = 0; i < 9; ++i) ASSERT_TRUE(limiter.acquire("db:alice@example.com"));
        std::atomic<int> admitted{0};
        std::atomic<bool> go{false};
        std::vector<std::thread> guesses;
        for (int t = 0; t < 16; ++t)
            guesses.emplace_back([&] {
                while (!go) std::this_thread::yield();
                admitted += limiter.acquire("db:alice@example.com").allowed;
            });
        go = true;
        for (auto& g : guesses) g.join();
        EXPECT_EQ(admitted.load(), 1) << "round " << round;
    }
}

TEST(RateLimitNotation, ParsesRateUnitAndBurst) {
    auto limit = [](std::string_view text) { return parse_rate_limit(text).value(); };
    auto l = limit("10/s,300");
    ASSERT_TRUE(l);
    EXPECT_DOUBLE_EQ(l->per_second, 10);
    EXPECT_DOUBLE_EQ(l->burst, 300);
    l = limit("1/min,10");
    EXPECT_DOUBLE_EQ(l->per_second, 1.0 / 60);
    EXPECT_DOUBLE_EQ(l->burst, 10);
    l = limit("120/h");
    EXPECT_DOUBLE_EQ(l->per_second, 120.0 / 3600);
    EXPECT_DOUBLE_EQ(l->burst, 240) << "without a burst: twice the rate";
    l = limit("5");
    EXPECT_DOUBLE_EQ(l->per_second, 5);
    EXPECT_DOUBLE_EQ(l->burst, 10) << "a bare number is per second, as --token-rate-limit always took it";
    l = limit("0.5");
    EXPECT_DOUBLE_EQ(l->burst, 1) << "at least one request";
    EXPECT_FALSE(limit("0")) << "0 is no limit";
    EXPECT_FALSE(limit("off"));
}

TEST(RateLimitNotation, RefusesWhatItCannotReadSayingHowToWriteIt) {
    for (const char* bad : {"", "ten", "10/day", "10/s,", "10/s,0", "10/s,x", "-1", "1e3", "10/s,300,1", "/s", "inf"}) {
        auto parsed = parse_rate_limit(bad);
        ASSERT_FALSE(parsed) << bad;
        EXPECT_NE(parsed.error().description.find("RATE[/s|/min|/h][,BURST]"), std::string::npos)
            << parsed.error().description;
    }
}

TEST(RateLimitNotation, FormatsWhatItParses) {
    for (const char* text : {"10/s,300", "1/min,10", "100/s,1000", "1000/s,2000", "2/h,5", "1.5/s,3"})
        EXPECT_EQ(format_rate_limit(parse_rate_limit(text).value()), text);
    EXPECT_EQ(format_rate_limit(RateLimitOptions{.burst = 10, .per_second = 1.0 / 60}), "1/min,10");
    EXPECT_EQ(format_rate_limit(std::nullopt), "off");
}

TEST(RateLimiter, WallClockOverload) {
    RateLimiter limiter({.burst = 2, .per_second = 1000});
    EXPECT_TRUE(limiter.acquire("k"));
    EXPECT_TRUE(limiter.check("k"));
}

}  // namespace
}  // namespace gatehouse::http
