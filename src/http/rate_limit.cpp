#include "http/rate_limit.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
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

// A positive decimal number ("10", "0.5"), the whole of `text`.
std::optional<double> parse_positive(std::string_view text) {
    if (text.empty() || text.size() > 16) return std::nullopt;
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
    if (ec != std::errc() || end != text.data() + text.size() || !(value > 0) || !std::isfinite(value))
        return std::nullopt;
    return value;
}

struct RateUnit {
    std::string_view name;
    double seconds;
};
constexpr std::array<RateUnit, 3> kRateUnits = {{{"s", 1}, {"min", 60}, {"h", 3600}}};

// "10", "2.5" (no exponent, no trailing zeros) for the notation parse_rate_limit reads.
std::string format_number(double value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", value);
    std::string out(buf);
    out.erase(out.find_last_not_of('0') + 1);
    if (out.back() == '.') out.pop_back();
    return out;
}

}  // namespace

ParseResult<std::optional<RateLimitOptions>> parse_rate_limit(std::string_view text) {
    if (text == "0" || text == "off") return std::optional<RateLimitOptions>();
    auto bad = [&](std::string_view why) {
        return ParseError{"\"" + std::string(text) + "\" is not a rate limit (" + std::string(why) +
                          "): write RATE[/s|/min|/h][,BURST], e.g. 10/s,300, or 0 for no limit"};
    };
    auto comma = text.find(',');
    auto rate_text = text.substr(0, comma);
    RateLimitOptions limit;
    double per_unit_seconds = 1;
    if (auto slash = rate_text.find('/'); slash != std::string_view::npos) {
        auto unit = rate_text.substr(slash + 1);
        auto found = std::find_if(kRateUnits.begin(), kRateUnits.end(), [&](auto& u) { return u.name == unit; });
        if (found == kRateUnits.end()) return bad("the unit is s, min or h");
        per_unit_seconds = found->seconds;
        rate_text = rate_text.substr(0, slash);
    }
    auto rate = parse_positive(rate_text);
    if (!rate) return bad("the rate is a positive number");
    limit.per_second = *rate / per_unit_seconds;
    limit.burst = std::max(1.0, 2 * *rate);
    if (comma != std::string_view::npos) {
        auto burst = parse_positive(text.substr(comma + 1));
        if (!burst || *burst < 1) return bad("the burst is a number of requests, at least 1");
        limit.burst = *burst;
    }
    return std::optional<RateLimitOptions>(limit);
}

std::string format_rate_limit(const std::optional<RateLimitOptions>& limit) {
    if (!limit) return "off";
    // The largest unit in which the rate is at least one request reads best: 1/min, not 0.016667/s.
    const RateUnit* unit = &kRateUnits.front();
    while (unit != &kRateUnits.back() && limit->per_second * unit->seconds < 1 - 1e-9) ++unit;
    return format_number(limit->per_second * unit->seconds) + "/" + std::string(unit->name) + "," +
           format_number(limit->burst);
}

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

void RateLimiter::refund(std::string_view key, double cost) {
    auto& s = *impl_;
    std::string k = stored_key(key);
    Shard& shard = s.shard_of(k);
    std::lock_guard lock(shard.mutex);
    if (auto it = shard.index.find(k); it != shard.index.end())
        it->second->tokens = std::min(s.opts.burst, it->second->tokens + cost);
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
