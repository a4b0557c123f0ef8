// Metrics: request counters by (route, status), a latency histogram per route and named custom
// histograms, rendered in the Prometheus text format 0.0.4. Thread-safe; recording takes a shared
// lock and a few relaxed atomic increments.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>

namespace gatehouse::http {

class Metrics {
  public:
    Metrics();
    ~Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    // Called by the server once per request; `route` is the router pattern or "unmatched".
    void record_request(std::string_view route, unsigned status, double seconds);
    // A custom latency histogram, exported as gatehouse_<name>_seconds (name sanitised to
    // [a-zA-Z0-9_]), e.g. observe("token_issuance", 0.0003).
    void observe(std::string_view name, double seconds);

    std::string render_prometheus() const;

    // Bucket upper bounds in seconds, shared by every histogram.
    static constexpr std::array<double, 14> buckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                       0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   5.0};

    struct Histogram {
        std::array<std::atomic<std::uint64_t>, buckets.size() + 1> counts{};  // last = +Inf
        std::atomic<double> sum{0};
        void observe(double seconds);
    };
    struct RouteStats;

  private:
    template <class T>
    T& find_or_add(std::map<std::string, std::unique_ptr<T>, std::less<>>& map, std::string_view key);

    mutable std::shared_mutex mutex_;
    std::map<std::string, std::unique_ptr<RouteStats>, std::less<>> routes_;
    std::map<std::string, std::unique_ptr<Histogram>, std::less<>> custom_;
};

}  // namespace gatehouse::http
