// RateLimiter: a thread-safe keyed token bucket with bounded memory, for throttling logins and token
// requests per IP, per user and per client (spec §7).
//
// Each key ("ip:203.0.113.7", "user:alice@example.com", "client:abc", ...) has a bucket holding up
// to `burst` tokens that refills continuously at `per_second`; a request costs one token (or `cost`).
// A key never seen, or idle long enough to refill, behaves as a full bucket, so forgetting such keys
// loses nothing: memory stays bounded by evicting them first, and only when more than `max_keys`
// keys are all active does the least recently used one go (it then starts over with a full bucket:
// under a flood of distinct keys the limiter fails open for the oldest ones rather than growing).
//
// Usage (one limiter per policy, shared by every handler thread):
//
//     http::RateLimiter per_address({.burst = 30, .per_second = 0.5});
//     if (auto d = per_address.acquire(address_key(ctx.remote_ip)); !d)   // IPv6: the /64
//         co_return too_many_requests(d.retry_after);   // 429 with "Retry-After: <seconds>"
//
// (The public routes get theirs from http/endpoints/rate_limits.hpp.)
//
// For "per user on failed logins": acquire() before verifying the password, so that of N parallel
// guesses with one attempt left only one is checked; keep the token when the password was wrong,
// reset() after a success, refund() when no password was compared after all.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/parse.hpp"

namespace gatehouse::http {

struct RateLimitOptions {
    double burst = 10;               // bucket capacity: requests allowed back to back (> 0)
    double per_second = 1;           // refill rate: the sustained requests per second (> 0)
    std::size_t max_keys = 100'000;  // memory bound over all keys (~100-200 bytes each, plus the key)
};

// A limit as operators write it (serve flags, GATEHOUSE_* variables): "RATE[/s|/min|/h][,BURST]".
// "10/s,300" is a burst of 300 requests refilled at 10 a second; "1/min,10" ten, then one a minute.
// Without a unit the rate is per second; without a burst it is twice the rate (at least 1), so "5"
// is 5/s with a burst of 10. "0" or "off" is no limit (nullopt). The error says what is wrong.
ParseResult<std::optional<RateLimitOptions>> parse_rate_limit(std::string_view text);
// The same notation back ("10/s,300"), for --help and the start log; "off" for nullopt.
std::string format_rate_limit(const std::optional<RateLimitOptions>& limit);

struct RateDecision {
    bool allowed = true;
    // When denied: whole seconds until the request would be allowed (>= 1), the Retry-After value
    // (RFC 9110 §10.2.3). 0 when allowed.
    std::int64_t retry_after = 0;
    explicit operator bool() const noexcept { return allowed; }
};

class RateLimiter {
  public:
    using Clock = std::chrono::steady_clock;

    // Throws std::invalid_argument for burst or per_second not > 0, or max_keys == 0.
    explicit RateLimiter(RateLimitOptions options = {});
    ~RateLimiter();
    RateLimiter(const RateLimiter&) = delete;
    RateLimiter& operator=(const RateLimiter&) = delete;

    // Takes `cost` tokens from key's bucket if it has them (allowed), else takes nothing (denied,
    // with the wait until it will have them; a cost above `burst` is always denied). Keys of any
    // length and content are fine: long keys are stored as their SHA-256.
    RateDecision acquire(std::string_view key, double cost = 1);
    RateDecision acquire(std::string_view key, Clock::time_point now, double cost = 1);  // for tests

    // What acquire() would answer, without taking anything.
    RateDecision check(std::string_view key, double cost = 1) const;
    RateDecision check(std::string_view key, Clock::time_point now, double cost = 1) const;

    // Forgets the key: its next request sees a full bucket (e.g. after a successful login).
    void reset(std::string_view key);

    // Gives back `cost` tokens that acquire() took for a request that turned out not to count
    // (never beyond the burst; nothing for a key not remembered).
    void refund(std::string_view key, double cost = 1);

    // Keys currently remembered (<= max_keys). For tests and metrics.
    std::size_t size() const;

    struct impl;

  private:
    std::unique_ptr<impl> impl_;
};

}  // namespace gatehouse::http
