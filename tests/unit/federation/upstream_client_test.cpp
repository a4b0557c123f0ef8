// The real upstream client against loopback sockets: scheme policy, refused connections, read
// timeouts, size limits and keep-alive reuse.
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
    UpstreamClient client;
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
    UpstreamClientOptions options;
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
    UpstreamClientOptions options;
    options.max_response_bytes = 10;
    UpstreamClient client(options);
    auto r = run(io, client.send(get(server.url())));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), upstream_errc::response_too_large);
}

TEST(UpstreamClient, fails_because_nothing_listens) {
    net::io_context io;
    UpstreamClient client;
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
