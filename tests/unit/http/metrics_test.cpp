#include "http/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace gatehouse::http {
namespace {

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

TEST(Metrics, CountsByRouteAndStatus) {
    Metrics m;
    m.record_request("/oauth/token", 200, 0.0002);
    m.record_request("/oauth/token", 200, 0.002);
    m.record_request("/oauth/token", 400, 0.0001);
    m.record_request("unmatched", 404, 0.00001);
    auto text = m.render_prometheus();
    EXPECT_TRUE(contains(text, "# TYPE gatehouse_http_requests_total counter\n"));
    EXPECT_TRUE(contains(text, "# HELP gatehouse_http_requests_total "));
    EXPECT_TRUE(contains(text, "gatehouse_http_requests_total{route=\"/oauth/token\",status=\"200\"} 2\n"));
    EXPECT_TRUE(contains(text, "gatehouse_http_requests_total{route=\"/oauth/token\",status=\"400\"} 1\n"));
    EXPECT_TRUE(contains(text, "gatehouse_http_requests_total{route=\"unmatched\",status=\"404\"} 1\n"));
    EXPECT_FALSE(contains(text, "status=\"500\""));
}

TEST(Metrics, LatencyHistogramIsCumulative) {
    Metrics m;
    m.record_request("/a", 200, 0.0002);  // <= 0.00025
    m.record_request("/a", 200, 0.002);   // <= 0.0025
    m.record_request("/a", 200, 7.0);     // only +Inf
    auto text = m.render_prometheus();
    EXPECT_TRUE(contains(text, "# TYPE gatehouse_http_request_duration_seconds histogram\n"));
    EXPECT_TRUE(contains(text, "gatehouse_http_request_duration_seconds_bucket{route=\"/a\",le=\"0.0001\"} 0\n"));
    EXPECT_TRUE(contains(text, "gatehouse_http_request_duration_seconds_bucket{route=\"/a\",le=\"0.00025\"} 1\n"));
    EXPECT_TRUE(contains(text, "gatehouse_http_request_duration_seconds_bucket{route=\"/a\",le=\"0.0025\"} 2\n"));
    EXPECT_TRUE(contains(text, "gatehouse_http_request_duration_seconds_bucket{route=\"/a\",le=\"5\"} 2\n"));
    EXPECT_TRUE(contains(text, "gatehouse_http_request_duration_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"));
    EXPECT_TRUE(contains(text, "gatehouse_http_request_duration_seconds_count{route=\"/a\"} 3\n"));
    EXPECT_TRUE(contains(text, "gatehouse_http_request_duration_seconds_sum{route=\"/a\"} 7.0022"));
}

TEST(Metrics, CustomHistogram) {
    Metrics m;
    m.observe("token_issuance", 0.0003);
    m.observe("bad name!", 0.1);
    auto text = m.render_prometheus();
    EXPECT_TRUE(contains(text, "# TYPE gatehouse_token_issuance_seconds histogram\n"));
    EXPECT_TRUE(contains(text, "# HELP gatehouse_token_issuance_seconds "));
    EXPECT_TRUE(contains(text, "gatehouse_token_issuance_seconds_bucket{le=\"0.0005\"} 1\n"));
    EXPECT_TRUE(contains(text, "gatehouse_token_issuance_seconds_count 1\n"));
    EXPECT_TRUE(contains(text, "gatehouse_bad_name__seconds_count 1\n"));
}

TEST(Metrics, EscapesLabelValues) {
    Metrics m;
    m.record_request("/a\"b\\c", 200, 0.1);
    EXPECT_TRUE(contains(m.render_prometheus(), "route=\"/a\\\"b\\\\c\""));
}

TEST(Metrics, ConcurrentRecording) {
    Metrics m;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&m, t] {
            for (int i = 0; i < 10000; ++i) m.record_request(t % 2 ? "/x" : "/y", 200, 0.001);
        });
    for (auto& t : threads) t.join();
    auto text = m.render_prometheus();
    EXPECT_TRUE(contains(text, "gatehouse_http_requests_total{route=\"/x\",status=\"200\"} 20000\n"));
    EXPECT_TRUE(contains(text, "gatehouse_http_requests_total{route=\"/y\",status=\"200\"} 20000\n"));
}

}  // namespace
}  // namespace gatehouse::http
