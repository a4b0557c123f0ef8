// The real upstream client against loopback sockets: scheme policy, the public-address policy (SSRF),
// refused connections, read timeouts, size limits, CA files and keep-alive reuse. The loopback
// servers need allow_private_addresses, as `serve --allow-private-upstreams` gives.
#include "connections/upstream_client.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <thread>

namespace gatehouse::connections {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

template <class T>
T run(net::io_context& io, net::awaitable<T> op) {
    std::optional<T> out;
    net::co_spawn(io, std::move(op), [&](std::exception_ptr e, T v) {
        if (e) std::rethrow_exception(e);
        out = std::move(v);
    });
    io.run();
    io.restart();
    return std::move(*out);
}

// The options of a client that may reach the loopback test servers.
UpstreamClientOptions loopback_allowed() {
    UpstreamClientOptions options;
    options.allow_private_addresses = true;
    return options;
}

HttpRequest get(std::string url, std::string ca_file = {}) {
    HttpRequest r;
    r.url = std::move(url);
    r.ca_file = std::move(ca_file);
    return r;
}

// A one-thread loopback server: `reply` is written after each request head; empty = never answer.
struct LoopbackServer {
    net::io_context io;
    tcp::acceptor acceptor{io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
    std::string reply;
    int accepted = 0;
    std::vector<std::shared_ptr<tcp::socket>> held;
    std::thread thread;

    explicit LoopbackServer(std::string r) : reply(std::move(r)) {
        accept();
        thread = std::thread([this] { io.run(); });
    }
    ~LoopbackServer() {
        io.stop();
        thread.join();
    }
    void accept() {
        acceptor.async_accept([this](boost::system::error_code ec, tcp::socket s) {
            if (ec) return;
            ++accepted;
            serve(std::make_shared<tcp::socket>(std::move(s)), std::make_shared<net::streambuf>());
            accept();
        });
    }
    void serve(std::shared_ptr<tcp::socket> s, std::shared_ptr<net::streambuf> buf) {
        net::async_read_until(*s, *buf, "\r\n\r\n", [this, s, buf](boost::system::error_code ec, std::size_t n) {
            if (ec) return;
            buf->consume(n);
            if (reply.empty()) {  // hold the socket open, say nothing
                held.push_back(s);
                return;
            }
            net::async_write(*s, net::buffer(reply), [this, s, buf](boost::system::error_code ec, std::size_t) {
                if (!ec) serve(s, buf);
            });
        });
    }
    std::string url(std::string_view path = "/x") const {
        return "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + std::string(path);
    }
};

TEST(UpstreamClient, loopback_hosts_are_the_only_plain_http_targets) {
    EXPECT_TRUE(is_loopback_host("127.0.0.1"));
    EXPECT_TRUE(is_loopback_host("127.5.0.1"));
    EXPECT_TRUE(is_loopback_host("::1"));
    EXPECT_TRUE(is_loopback_host("[::1]"));
    EXPECT_TRUE(is_loopback_host("localhost"));
    EXPECT_FALSE(is_loopback_host("10.0.0.1"));
    EXPECT_FALSE(is_loopback_host("example.com"));
    net::io_context io;
    UpstreamClient client;
    auto r = run(io, client.send(get("http://example.com/token")));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), upstream_errc::insecure_scheme);
    EXPECT_EQ(run(io, client.send(get("ftp://127.0.0.1/"))).error(), upstream_errc::invalid_url);
}

TEST(UpstreamClient, form_encoding_escapes_everything_but_unreserved) {
    EXPECT_EQ(form_encode({{"a b", "x+y&z=é"}, {"c", ""}}), "a%20b=x%2By%26z%3D%C3%A9&c=");
}

TEST(UpstreamClient, reuses_a_keep_alive_connection_and_reads_the_body) {
    LoopbackServer server("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
    net::io_context io;
    UpstreamClient client(loopback_allowed());
    for (int i = 0; i < 3; ++i) {
        auto r = run(io, client.send(get(server.url())));
        ASSERT_TRUE(r) << r.error().message();
        EXPECT_EQ(r->status, 200);
        EXPECT_EQ(r->body, "{}");
        EXPECT_EQ(r->content_type, "application/json");
    }
    EXPECT_EQ(server.accepted, 1);
    client.close_idle();
}

TEST(UpstreamClient, fails_because_the_server_never_answers) {
    LoopbackServer server("");
    net::io_context io;
    auto options = loopback_allowed();
    options.read_timeout = std::chrono::milliseconds(300);
    UpstreamClient client(options);
    auto started = std::chrono::steady_clock::now();
    auto r = run(io, client.send(get(server.url())));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), upstream_errc::timeout);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
}

TEST(UpstreamClient, fails_because_the_response_is_too_large) {
    LoopbackServer server("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x'));
    net::io_context io;
    auto options = loopback_allowed();
    options.max_response_bytes = 10;
    UpstreamClient client(options);
    auto r = run(io, client.send(get(server.url())));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), upstream_errc::response_too_large);
}

TEST(UpstreamClient, fails_because_nothing_listens) {
    net::io_context io;
    UpstreamClient client(loopback_allowed());
    auto r = run(io, client.send(get("http://127.0.0.1:9/")));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), upstream_errc::connect_failed);
}

TEST(UpstreamClient, fails_because_the_ca_file_is_missing) {
    net::io_context io;
    UpstreamClient client;
    auto r = run(io, client.send(get("https://127.0.0.1:9/", "/nonexistent/ca.pem")));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), upstream_errc::bad_ca_file);
}

}  // namespace
}  // namespace gatehouse::connections

namespace gatehouse::connections {
namespace {

bool is_public(std::string_view literal) { return is_public_address(net::ip::make_address(literal)); }

TEST(PublicAddress, refuses_every_non_public_ipv4_range_at_both_ends) {
    for (auto a : {"0.0.0.0",         "0.255.255.255",  "10.0.0.0",        "10.255.255.255",  "100.64.0.0",
                   "100.127.255.255", "127.0.0.1",      "127.255.255.255", "169.254.0.0",     "169.254.169.254",
                   "169.254.255.255", "172.16.0.0",     "172.31.255.255",  "192.0.0.0",       "192.0.0.255",
                   "192.0.2.1",       "192.88.99.1",    "192.168.0.0",     "192.168.255.255", "198.18.0.0",
                   "198.19.255.255",  "198.51.100.7",   "203.0.113.9",     "224.0.0.1",       "239.255.255.255",
                   "240.0.0.1",       "255.255.255.255"})
        EXPECT_FALSE(is_public(a)) << a;
}

TEST(PublicAddress, accepts_public_ipv4_next_to_the_refused_ranges) {
    for (auto a : {"1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0",
                   "126.255.255.255", "128.0.0.0", "169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0",
                   "192.0.1.0", "192.167.255.255", "192.169.0.0", "198.17.255.255", "198.20.0.0", "223.255.255.255"})
        EXPECT_TRUE(is_public(a)) << a;
}

TEST(PublicAddress, refuses_non_public_ipv6_and_the_v6_forms_of_private_ipv4) {
    for (auto a : {"::",
                   "::1",
                   "::127.0.0.1",
                   "::ffff:127.0.0.1",
                   "::ffff:10.1.2.3",
                   "::ffff:169.254.169.254",
                   "::ffff:192.168.1.1",
                   "::ffff:100.64.0.1",
                   "::ffff:0.0.0.0",
                   "64:ff9b::a9fe:a9fe",
                   "64:ff9b::7f00:1",
                   "64:ff9b:1::1",
                   "100::1",
                   "fc00::1",
                   "fd12:3456::1",
                   "fe80::1",
                   "febf::1",
                   "fec0::1",
                   "ff02::1",
                   "2001::1",
                   "2001:1ff::1",
                   "2001:db8::1",
                   "2002:a00:1::1",
                   "3fff::1",
                   "4000::1",
                   "e000::1"})
        EXPECT_FALSE(is_public(a)) << a;
    for (auto a : {"2606:4700:4700::1111", "2a00:1450:4001::200e", "2001:200::1", "::ffff:8.8.8.8", "64:ff9b::808:808",
                   "3ffe::1"})
        EXPECT_TRUE(is_public(a)) << a;
}

TEST(UpstreamClient, ssrf_a_loopback_upstream_is_refused_after_resolution_and_never_connected_to) {
    LoopbackServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
    net::io_context io;
    UpstreamClient client;  // the default: public addresses only
    auto port = std::to_string(server.acceptor.local_endpoint().port());
    for (const auto& url : {"http://127.0.0.1:" + port + "/token", "http://localhost:" + port + "/token",
                            "https://[::ffff:127.0.0.1]:" + port + "/token"}) {
        auto r = run(io, client.send(get(url)));
        ASSERT_FALSE(r) << url;
        EXPECT_EQ(r.error(), upstream_errc::forbidden_address) << url;
    }
    EXPECT_EQ(server.accepted, 0);
    UpstreamClient allowed(loopback_allowed());
    EXPECT_TRUE(run(io, allowed.send(get(server.url()))));
    EXPECT_EQ(server.accepted, 1);
    allowed.close_idle();
}

TEST(UpstreamClient, ssrf_metadata_and_private_literals_are_refused_before_any_connect) {
    // Refused from the resolved address itself, so nothing is sent: the short timeout would
    // turn a connect attempt into `timeout` instead.
    UpstreamClientOptions options;
    options.connect_timeout = std::chrono::milliseconds(200);
    UpstreamClient client(options);
    net::io_context io;
    for (auto url : {"https://169.254.169.254/latest/meta-data/", "https://10.0.0.1/token", "https://192.168.1.1/",
                     "https://[fd00::1]/", "https://[::ffff:169.254.169.254]/", "https://0.0.0.0/"}) {
        auto r = run(io, client.send(get(url)));
        ASSERT_FALSE(r) << url;
        EXPECT_EQ(r.error(), upstream_errc::forbidden_address) << url;
    }
}

TEST(UpstreamClient, ca_file_must_be_a_bounded_regular_file) {
    net::io_context io;
    UpstreamClient client(loopback_allowed());
    // A device would be read forever, a relative path depends on the working directory.
    for (auto ca : {"/dev/zero", "/dev/urandom", "/etc", "relative/ca.pem"}) {
        auto r = run(io, client.send(get("https://127.0.0.1:9/", ca)));
        ASSERT_FALSE(r) << ca;
        EXPECT_EQ(r.error(), upstream_errc::bad_ca_file) << ca;
    }
}

}  // namespace
}  // namespace gatehouse::connections
