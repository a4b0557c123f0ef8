#include "http/metrics.hpp"

#include <charconv>
#include <mutex>

namespace gatehouse::http {

namespace {

// Status codes 100-599 map onto one slot each, so recording never allocates or locks exclusively.
constexpr unsigned min_status = 100, max_status = 599;

std::string sanitize(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        out += ok ? c : '_';
    }
    return out;
}

// Label values escape backslash, double quote and newline (exposition format 0.0.4).
std::string label(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

// Shortest text that reads back as the same double: "0.00025", not "0.00025000000000000001".
std::string number(double v) {
    char buf[400];  // fixed notation of any double fits
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
    return ec == std::errc{} ? std::string(buf, end) : std::string("NaN");
}

void render_histogram(std::string& out, const std::string& name, const std::string& labels,
                      const Metrics::Histogram& h) {
    std::uint64_t cumulative = 0;
    std::string prefix = labels.empty() ? "{" : "{" + labels + ",";
    for (std::size_t i = 0; i < Metrics::buckets.size(); ++i) {
        cumulative += h.counts[i].load(std::memory_order_relaxed);
        out += name + "_bucket" + prefix + "le=\"" + number(Metrics::buckets[i]) + "\"} " + std::to_string(cumulative) +
               "\n";
    }
    cumulative += h.counts[Metrics::buckets.size()].load(std::memory_order_relaxed);
    out += name + "_bucket" + prefix + "le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
    std::string braces = labels.empty() ? "" : "{" + labels + "}";
    out += name + "_sum" + braces + " " + number(h.sum.load(std::memory_order_relaxed)) + "\n";
    out += name + "_count" + braces + " " + std::to_string(cumulative) + "\n";
}

}  // namespace

struct Metrics::RouteStats {
    std::array<std::atomic<std::uint64_t>, max_status - min_status + 1> by_status{};
    Histogram latency;
};

void Metrics::Histogram::observe(double seconds) {
    std::size_t i = 0;
    while (i < buckets.size() && seconds > buckets[i]) ++i;
    counts[i].fetch_add(1, std::memory_order_relaxed);
    sum.fetch_add(seconds, std::memory_order_relaxed);
}

Metrics::Metrics() = default;
Metrics::~Metrics() = default;

template <class T>
T& Metrics::find_or_add(std::map<std::string, std::unique_ptr<T>, std::less<>>& map, std::string_view key) {
    {
        std::shared_lock lock(mutex_);
        if (auto it = map.find(key); it != map.end()) return *it->second;
    }
    // Entries are never removed, so the reference stays valid after the lock is released.
    std::unique_lock lock(mutex_);
    auto& slot = map[std::string(key)];
    if (!slot) slot = std::make_unique<T>();
    return *slot;
}

void Metrics::record_request(std::string_view route, unsigned status, double seconds) {
    auto& stats = find_or_add(routes_, route);
    if (status < min_status || status > max_status) status = 500;
    stats.by_status[status - min_status].fetch_add(1, std::memory_order_relaxed);
    stats.latency.observe(seconds);
}

void Metrics::observe(std::string_view name, double seconds) { find_or_add(custom_, sanitize(name)).observe(seconds); }

std::string Metrics::render_prometheus() const {
    std::string out;
    std::shared_lock lock(mutex_);
    out += "# HELP gatehouse_http_requests_total HTTP requests answered, by route and status.\n";
    out += "# TYPE gatehouse_http_requests_total counter\n";
    for (const auto& [route, stats] : routes_) {
        for (unsigned s = min_status; s <= max_status; ++s) {
            auto n = stats->by_status[s - min_status].load(std::memory_order_relaxed);
            if (n == 0) continue;
            out += "gatehouse_http_requests_total{route=\"" + label(route) + "\",status=\"" + std::to_string(s) +
                   "\"} " + std::to_string(n) + "\n";
        }
    }
    out += "# HELP gatehouse_http_request_duration_seconds Time from request headers read to response written.\n";
    out += "# TYPE gatehouse_http_request_duration_seconds histogram\n";
    for (const auto& [route, stats] : routes_)
        render_histogram(out, "gatehouse_http_request_duration_seconds", "route=\"" + label(route) + "\"",
                         stats->latency);
    for (const auto& [name, h] : custom_) {
        std::string metric = "gatehouse_" + name + "_seconds";
        out += "# HELP " + metric + " Latency of " + name + ".\n";
        out += "# TYPE " + metric + " histogram\n";
        render_histogram(out, metric, {}, *h);
    }
    return out;
}

}  // namespace gatehouse::http
