#include "http/rate_limit.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <list>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "util/util.hpp"

namespace gatehouse::http {

namespace {

// Longer keys are hashed so an attacker-chosen user name cannot make one entry arbitrarily large;
// the prefix keeps hashed keys apart from short ones.
constexpr std::size_t max_raw_key = 128;

std::string stored_key(std::string_view key) {
    if (key.size() <= max_raw_key) return std::string(key);
    return "#sha256:" + util::sha256_b64url(key);
}

struct Bucket {
    std::string key;
    double tokens = 0;
    RateLimiter::Clock::time_point updated;
};

// One lock per shard: unrelated keys rarely contend.
struct Shard {
    mutable std::mutex mutex;
    std::list<Bucket> lru;                                                    // most recently used first
    std::unordered_map<std::string_view, std::list<Bucket>::iterator> index;  // views into lru's keys
};

}  // namespace

struct RateLimiter::impl {
    RateLimitOptions opts;
    std::size_t per_shard;
    std::vector<Shard> shards;

    // Sharding splits the key budget too, so small limiters keep a single shard and an exact LRU.
    explicit impl(RateLimitOptions o) : opts(o), shards(std::clamp<std::size_t>(o.max_keys / 4096, 1, 16)) {
        per_shard = std::max<std::size_t>(1, opts.max_keys / shards.size());
    }

    Shard& shard_of(std::string_view key) { return shards[std::hash<std::string_view>{}(key) % shards.size()]; }
    const Shard& shard_of(std::string_view key) const {
        return shards[std::hash<std::string_view>{}(key) % shards.size()];
    }

    double tokens_at(const Bucket& b, Clock::time_point now) const {
        // Threads read the clock before taking the lock, so `now` may be a little behind `updated`.
        double elapsed = std::max(0.0, std::chrono::duration<double>(now - b.updated).count());
        return std::min(opts.burst, b.tokens + elapsed * opts.per_second);
    }

    RateDecision decide(double tokens, double cost) const {
        if (cost <= tokens) return {true, 0};
        double wait = std::ceil((cost - tokens) / opts.per_second);
        // Clamp so a huge cost or a tiny rate cannot overflow the integer.
        return {false, static_cast<std::int64_t>(std::clamp(wait, 1.0, 1e9))};
    }

    // Drops least recently used buckets that have refilled completely: they mean the same as absent.
    void drop_refilled(Shard& s, Clock::time_point now, std::size_t limit) {
        while (limit-- > 0 && !s.lru.empty() && tokens_at(s.lru.back(), now) >= opts.burst) {
            s.index.erase(s.lru.back().key);
            s.lru.pop_back();
        }
    }
};

RateLimiter::RateLimiter(RateLimitOptions options) {
    if (!(options.burst > 0) || !(options.per_second > 0) || options.max_keys == 0)
        throw std::invalid_argument("rate limiter needs burst > 0, per_second > 0 and max_keys > 0");
    impl_ = std::make_unique<impl>(options);
}

RateLimiter::~RateLimiter() = default;

RateDecision RateLimiter::acquire(std::string_view key, double cost) { return acquire(key, Clock::now(), cost); }

RateDecision RateLimiter::acquire(std::string_view key, Clock::time_point now, double cost) {
    auto& s = *impl_;
    std::string k = stored_key(key);
    Shard& shard = s.shard_of(k);
    std::lock_guard lock(shard.mutex);
    // A little housekeeping on every call keeps idle keys from piling up between floods.
    s.drop_refilled(shard, now, 2);

    auto it = shard.index.find(k);
    if (it == shard.index.end()) {
        if (shard.lru.size() >= s.per_shard) {
            s.drop_refilled(shard, now, shard.lru.size());
            if (shard.lru.size() >= s.per_shard) {
                shard.index.erase(shard.lru.back().key);
                shard.lru.pop_back();
            }
        }
        shard.lru.push_front(Bucket{std::move(k), s.opts.burst, now});
        it = shard.index.emplace(shard.lru.front().key, shard.lru.begin()).first;
    } else {
        shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
    }

    Bucket& b = *it->second;
    b.tokens = s.tokens_at(b, now);
    b.updated = std::max(b.updated, now);
    auto decision = s.decide(b.tokens, cost);
    if (decision.allowed) b.tokens -= cost;
    return decision;
}

RateDecision RateLimiter::check(std::string_view key, double cost) const { return check(key, Clock::now(), cost); }

RateDecision RateLimiter::check(std::string_view key, Clock::time_point now, double cost) const {
    const auto& s = *impl_;
    std::string k = stored_key(key);
    const Shard& shard = s.shard_of(k);
    std::lock_guard lock(shard.mutex);
    auto it = shard.index.find(k);
    return s.decide(it == shard.index.end() ? s.opts.burst : s.tokens_at(*it->second, now), cost);
}

void RateLimiter::reset(std::string_view key) {
    auto& s = *impl_;
    std::string k = stored_key(key);
    Shard& shard = s.shard_of(k);
    std::lock_guard lock(shard.mutex);
    if (auto it = shard.index.find(k); it != shard.index.end()) {
        auto node = it->second;
        shard.index.erase(it);
        shard.lru.erase(node);
    }
}

std::size_t RateLimiter::size() const {
    std::size_t n = 0;
    for (const auto& shard : impl_->shards) {
        std::lock_guard lock(shard.mutex);
        n += shard.lru.size();
    }
    return n;
}

}  // namespace gatehouse::http
