#include "http/server.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "http/response.hpp"
#include "support/http_client.hpp"

namespace gatehouse::http {
namespace {

using namespace std::chrono_literals;
using testing::HttpClient;
using tcp = net::ip::tcp;

// A server on an ephemeral loopback port, run on a background thread for the test's lifetime.
class TestServer {
  public:
    explicit TestServer(ServerOptions options = {}) {
        router_.add(bhttp::verb::get, "/hello", [](RequestContext&) -> net::awaitable<Response> {
            co_return text_response(bhttp::status::ok, "hello", "text/plain");
        });
        router_.add(bhttp::verb::post, "/echo", [](RequestContext& ctx) -> net::awaitable<Response> {
            co_return text_response(bhttp::status::ok, ctx.req.body(), "text/plain");
        });
        router_.add_prefix(bhttp::verb::post, "/api/v2/", [](RequestContext& ctx) -> net::awaitable<Response> {
            co_return text_response(bhttp::status::ok, std::to_string(ctx.req.body().size()), "text/plain");
        });
        router_.add(bhttp::verb::get, "/boom", [](RequestContext&) -> net::awaitable<Response> {
            throw std::runtime_error("handler exploded");
            co_return empty_response(bhttp::status::ok);
        });
        router_.add(bhttp::verb::get, "/slow", [this](RequestContext&) -> net::awaitable<Response> {
            net::steady_timer timer(co_await net::this_coro::executor, slow_delay);
            co_await timer.async_wait(net::use_awaitable);
            co_return text_response(bhttp::status::ok, "slow done", "text/plain");
        });
        router_.add(bhttp::verb::get, "/whoami", [](RequestContext& ctx) -> net::awaitable<Response> {
            ctx.log_client_id = "client_abc";
            co_return text_response(
                bhttp::status::ok, ctx.path + "|" + ctx.query + "|" + ctx.remote_ip + "|" + (ctx.tls ? "tls" : "plain"),
                "text/plain");
        });
        router_.add(bhttp::verb::get, "/metrics", [this](RequestContext&) -> net::awaitable<Response> {
            co_return text_response(bhttp::status::ok, metrics_.render_prometheus(), "text/plain; version=0.0.4");
        });
        options.host = "127.0.0.1";
        options.port = 0;
        server_ = std::make_unique<Server>(std::move(options), router_, metrics_);
        thread_ = std::thread([this] {
            server_->run();
            stopped_.set_value();
        });
        done_ = stopped_.get_future();
    }
    ~TestServer() {
        server_->stop();
        if (thread_.joinable()) thread_.join();
    }

    std::uint16_t port() const { return server_->port(); }
    HttpClient client() const { return HttpClient("127.0.0.1", port()); }
    Server& server() { return *server_; }
    // True when run() returned within `timeout`.
    bool wait_stopped(std::chrono::milliseconds timeout) {
        return done_.wait_for(timeout) == std::future_status::ready;
    }

    std::chrono::milliseconds slow_delay{1000};

  private:
    Router router_;
    Metrics metrics_;
    std::unique_ptr<Server> server_;
    std::thread thread_;
    std::promise<void> stopped_;
    std::future<void> done_;
};

// One TCP connection driven step by step, every step bounded by a deadline.
class RawConnection {
  public:
    explicit RawConnection(std::uint16_t port) {
        stream_.expires_after(5s);
        boost::system::error_code result;
        stream_.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                              [&](boost::system::error_code ec) { result = ec; });
        run();
        if (result) throw std::runtime_error("connect: " + result.message());
    }
    bool send(const std::string& bytes) {
        stream_.expires_after(5s);
        boost::system::error_code result;
        net::async_write(stream_, net::buffer(bytes), [&](boost::system::error_code ec, std::size_t) { result = ec; });
        run();
        return !result;
    }
    std::optional<bhttp::response<bhttp::string_body>> read(std::chrono::milliseconds timeout = 5s) {
        stream_.expires_after(timeout);
        bhttp::response_parser<bhttp::string_body> parser;
        boost::system::error_code result;
        bhttp::async_read(stream_, buffer_, parser, [&](boost::system::error_code ec, std::size_t) { result = ec; });
        run();
        if (result) return std::nullopt;
        return parser.release();
    }
    // True when the server closes the connection within `timeout` (false: still open at the deadline).
    bool closed_by_peer(std::chrono::milliseconds timeout) {
        stream_.expires_after(timeout);
        char byte;
        boost::system::error_code result;
        stream_.async_read_some(net::buffer(&byte, 1), [&](boost::system::error_code ec, std::size_t) { result = ec; });
        run();
        return result && result != beast::error::timeout;
    }

  private:
    void run() {
        ioc_.restart();
        ioc_.run();
    }
    net::io_context ioc_;
    beast::tcp_stream stream_{ioc_};
    beast::flat_buffer buffer_;
};

std::string get_request(std::string_view path, std::string_view extra = "") {
    return "GET " + std::string(path) + " HTTP/1.1\r\nHost: localhost\r\n" + std::string(extra) + "\r\n";
}

class ServerTest : public ::testing::Test {
  protected:
    void SetUp() override { spdlog::set_level(spdlog::level::warn); }
    void TearDown() override { spdlog::set_level(spdlog::level::info); }
};

TEST_F(ServerTest, ServesAndKeepsConnectionsAlive) {
    TestServer server;
    RawConnection conn(server.port());
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(conn.send(get_request("/hello")));
        auto res = conn.read();
        ASSERT_TRUE(res);
        EXPECT_EQ(res->result_int(), 200u);
        EXPECT_EQ(res->body(), "hello");
        EXPECT_TRUE(res->keep_alive());
    }
    // Pipelined: two requests in one write, two answers in order.
    ASSERT_TRUE(conn.send(get_request("/hello") + get_request("/whoami?x=1")));
    auto first = conn.read(), second = conn.read();
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->body(), "hello");
    EXPECT_EQ(second->body(), "/whoami|x=1|127.0.0.1|plain");
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
    TestServer server;
    RawConnection conn(server.port());
    ASSERT_TRUE(conn.send(get_request("/hello", "Connection: close\r\n")));
    auto res = conn.read();
    ASSERT_TRUE(res);
    EXPECT_FALSE(res->keep_alive());
    EXPECT_TRUE(conn.closed_by_peer(2s));
}

TEST_F(ServerTest, ContextHasDecodedPathAndRawQuery) {
    TestServer server;
    auto res = server.client().get("/who%61mi?a=%20b&c");
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.body, "/whoami|a=%20b&c|127.0.0.1|plain");
}

TEST_F(ServerTest, NotFoundAndMethodNotAllowed) {
    TestServer server;
    auto client = server.client();
    auto nf = client.get("/missing");
    EXPECT_EQ(nf.status, 404);
    EXPECT_EQ(nf.json().at("error"), "not_found");
    auto na = client.request(bhttp::verb::delete_, "/hello");
    EXPECT_EQ(na.status, 405);
    EXPECT_EQ(na.header("allow"), "GET, HEAD");
}

TEST_F(ServerTest, HeadSendsLengthWithoutBody) {
    TestServer server;
    auto res = server.client().request(bhttp::verb::head, "/hello");
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.header("content-length"), "5");
    EXPECT_TRUE(res.body.empty());
}

TEST_F(ServerTest, BodyOverLimitIs413AndServerKeepsServing) {
    TestServer server;
    auto client = server.client();
    auto ok = client.request(bhttp::verb::post, "/echo", std::string(60 * 1024, 'a'), "text/plain");
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body.size(), 60u * 1024);
    auto res = client.request(bhttp::verb::post, "/echo", std::string(100 * 1024, 'a'), "text/plain");
    EXPECT_EQ(res.status, 413);
    EXPECT_EQ(res.json().at("error"), "invalid_request");
    EXPECT_EQ(res.json().at("error_description"), "Request body too large");
    EXPECT_EQ(res.header("connection"), "close");
    EXPECT_EQ(client.get("/hello").status, 200);
}

TEST_F(ServerTest, ChunkedBodyOverLimitIs413) {
    TestServer server;
    RawConnection conn(server.port());
    std::string chunk(32 * 1024, 'x');
    char size[16];
    std::snprintf(size, sizeof size, "%zx", chunk.size());
    std::string req = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 3; ++i) req += std::string(size) + "\r\n" + chunk + "\r\n";
    req += "0\r\n\r\n";
    conn.send(req);
    auto res = conn.read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result_int(), 413u);
}

TEST_F(ServerTest, LargeBodyPrefixHasItsOwnLimit) {
    TestServer server;
    auto client = server.client();
    auto ok = client.request(bhttp::verb::post, "/api/v2/connections", std::string(512 * 1024, 'a'), "text/plain");
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body, std::to_string(512 * 1024));
    auto big =
        client.request(bhttp::verb::post, "/api/v2/connections", std::string(1024 * 1024 + 1, 'a'), "text/plain");
    EXPECT_EQ(big.status, 413);
}

TEST_F(ServerTest, HeaderOverLimitIs431) {
    TestServer server;
    auto client = server.client();
    auto res = client.get("/hello", {{"X-Big", std::string(10000, 'h')}});
    EXPECT_EQ(res.status, 431);
    EXPECT_EQ(res.json().at("error"), "invalid_request");
    EXPECT_EQ(res.json().at("error_description"), "Request header too large");
    EXPECT_EQ(client.get("/hello").status, 200);
}

TEST_F(ServerTest, MalformedRequestIs400AndServerKeepsServing) {
    TestServer server;
    auto client = server.client();
    for (std::string bad :
         {"GARBAGE\r\n\r\n", "GET /hello HTTP/9.9\r\n\r\n", "GET /hello HTTP/1.1\r\nBad Header\r\n\r\n",
          "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n",
          "GET nopath HTTP/1.1\r\nHost: x\r\n\r\n"}) {
        auto raw = client.raw(bad, 3s);
        EXPECT_EQ(raw.substr(0, 12), "HTTP/1.1 400") << bad;
        EXPECT_NE(raw.find("invalid_request"), std::string::npos) << bad;
    }
    EXPECT_EQ(client.get("/hello").status, 200);
}

TEST_F(ServerTest, SlowClientIsDisconnected) {
    ServerOptions options;
    options.request_timeout = 1s;
    TestServer server(options);
    RawConnection partial(server.port());
    ASSERT_TRUE(partial.send("GET /hello HTTP/1.1\r\nHost: x\r\n"));  // never finishes the header
    auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(partial.closed_by_peer(4s));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);

    // An idle keep-alive connection is closed after the same timeout.
    RawConnection idle(server.port());
    ASSERT_TRUE(idle.send(get_request("/hello")));
    ASSERT_TRUE(idle.read());
    EXPECT_TRUE(idle.closed_by_peer(4s));
    EXPECT_EQ(server.client().get("/hello").status, 200);
}

TEST_F(ServerTest, HandlerExceptionIs500AndServerKeepsServing) {
    TestServer server;
    auto client = server.client();
    auto res = client.get("/boom");
    EXPECT_EQ(res.status, 500);
    EXPECT_EQ(res.json().at("error"), "server_error");
    EXPECT_EQ(res.json().at("error_description"), "Internal error");
    EXPECT_EQ(res.body.find("exploded"), std::string::npos);
    EXPECT_EQ(client.get("/hello").status, 200);
}

TEST_F(ServerTest, ExpectContinue) {
    TestServer server;
    RawConnection conn(server.port());
    ASSERT_TRUE(conn.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
    auto interim = conn.read(2s);
    ASSERT_TRUE(interim);
    EXPECT_EQ(interim->result_int(), 100u);
    ASSERT_TRUE(conn.send("abcde"));
    auto res = conn.read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body(), "abcde");
}

TEST_F(ServerTest, GracefulStopWaitsForInFlightRequest) {
    TestServer server;
    RawConnection idle(server.port());
    ASSERT_TRUE(idle.send(get_request("/hello")));
    ASSERT_TRUE(idle.read());

    auto slow = std::async(std::launch::async, [&] { return server.client().get("/slow"); });
    std::this_thread::sleep_for(300ms);  // the slow request is now in its handler
    auto stop_at = std::chrono::steady_clock::now();
    server.server().stop();

    EXPECT_TRUE(idle.closed_by_peer(2s));  // idle keep-alive connections close at once
    auto res = slow.get();
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.body, "slow done");
    EXPECT_EQ(res.header("connection"), "close");
    ASSERT_TRUE(server.wait_stopped(3s));
    EXPECT_GE(std::chrono::steady_clock::now() - stop_at, 500ms);
    // No longer accepting.
    EXPECT_THROW(server.client().get("/hello"), std::exception);
}

TEST_F(ServerTest, GracePeriodBoundsShutdown) {
    ServerOptions options;
    options.shutdown_grace = 1s;
    TestServer server(options);
    server.slow_delay = 20s;
    auto slow = std::async(std::launch::async, [&] {
        try {
            return server.client().get("/slow").status;
        } catch (const std::exception&) {
            return -1;
        }
    });
    std::this_thread::sleep_for(300ms);
    server.server().stop();
    EXPECT_TRUE(server.wait_stopped(4s));
    EXPECT_EQ(slow.get(), -1);
}

TEST_F(ServerTest, StopBeforeRunReturnsPromptly) {
    Router router;
    Metrics metrics;
    Server server(ServerOptions{.host = "127.0.0.1", .port = 0}, router, metrics);
    server.stop();
    auto done = std::async(std::launch::async, [&] { server.run(); });
    EXPECT_EQ(done.wait_for(3s), std::future_status::ready);
}

TEST_F(ServerTest, BindErrorIsClear) {
    TestServer server;
    Router router;
    Metrics metrics;
    try {
        Server second(ServerOptions{.host = "127.0.0.1", .port = server.port()}, router, metrics);
        FAIL() << "second bind succeeded";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()),
                  "cannot listen on 127.0.0.1:" + std::to_string(server.port()) + ": Address already in use");
    }
}

TEST_F(ServerTest, SeveralThreads) {
    ServerOptions options;
    options.threads = 2;
    TestServer server(options);
    std::vector<std::future<int>> results;
    for (int i = 0; i < 8; ++i)
        results.push_back(std::async(std::launch::async, [&] {
            int ok = 0;
            for (int j = 0; j < 20; ++j) ok += server.client().get("/hello").status == 200;
            return ok;
        }));
    for (auto& r : results) EXPECT_EQ(r.get(), 20);
}

TEST_F(ServerTest, ConnectionsPerIpAreLimited) {
    ServerOptions options;
    options.max_connections_per_ip = 2;
    TestServer server(options);
    // Two keep-alive connections, each proven accepted by an answer.
    auto first = std::make_unique<RawConnection>(server.port());
    RawConnection second(server.port());
    for (auto* conn : {first.get(), &second}) {
        ASSERT_TRUE(conn->send(get_request("/hello")));
        ASSERT_TRUE(conn->read());
    }
    // The third is refused at once, with a JSON body and a hint when to retry.
    RawConnection third(server.port());
    third.send(get_request("/hello"));
    auto refused = third.read();
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->result_int(), 503u);
    EXPECT_EQ(refused->at(bhttp::field::retry_after), "1");
    EXPECT_NE(refused->body().find("Too many connections from this address"), std::string::npos);
    EXPECT_FALSE(refused->keep_alive());
    EXPECT_TRUE(third.closed_by_peer(3s));
    // The two held connections still work.
    ASSERT_TRUE(second.send(get_request("/hello")));
    auto again = second.read();
    ASSERT_TRUE(again);
    EXPECT_EQ(again->result_int(), 200u);

    // Closing one frees its slot (once the server has noticed the close).
    first.reset();
    int status = 0;
    for (int i = 0; i < 50 && status != 200; ++i) {
        status = server.client().get("/hello").status;
        if (status != 200) std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(status, 200);
}

TEST_F(ServerTest, ConnectionsPerIpZeroMeansUnlimited) {
    ServerOptions options;
    options.max_connections_per_ip = 0;
    TestServer server(options);
    std::vector<std::unique_ptr<RawConnection>> open;
    for (int i = 0; i < 5; ++i) {
        open.push_back(std::make_unique<RawConnection>(server.port()));
        ASSERT_TRUE(open.back()->send(get_request("/hello")));
        auto res = open.back()->read();
        ASSERT_TRUE(res);
        EXPECT_EQ(res->result_int(), 200u);
    }
}

TEST_F(ServerTest, MetricsAfterRequests) {
    TestServer server;
    auto client = server.client();
    for (int i = 0; i < 3; ++i) client.get("/hello");
    client.get("/missing");
    client.get("/boom");
    client.get("/hello", {{"X-Big", std::string(10000, 'h')}});
    auto text = client.get("/metrics").body;
    EXPECT_NE(text.find("gatehouse_http_requests_total{route=\"unmatched\",status=\"431\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("gatehouse_http_requests_total{route=\"/hello\",status=\"200\"} 3\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("gatehouse_http_requests_total{route=\"unmatched\",status=\"404\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("gatehouse_http_requests_total{route=\"/boom\",status=\"500\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("gatehouse_http_request_duration_seconds_count{route=\"/hello\"} 3\n"), std::string::npos);
}

TEST_F(ServerTest, AccessLogLineHasNoSecrets) {
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    auto previous = spdlog::default_logger();
    auto logger = std::make_shared<spdlog::logger>("test", sink);
    logger->set_pattern("%v");
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
    {
        TestServer server;
        server.client().get("/whoami?code=SECRETCODE", {{"Authorization", "Bearer SECRETTOKEN"}});
    }
    spdlog::set_default_logger(previous);
    auto log = out.str();
    EXPECT_NE(log.find("method=GET path=/whoami status=200 duration_us="), std::string::npos) << log;
    EXPECT_NE(log.find("ip=127.0.0.1 client_id=client_abc"), std::string::npos) << log;
    EXPECT_EQ(log.find("SECRET"), std::string::npos) << log;
}

// A self-signed P-256 certificate for 127.0.0.1, written as PEM files into a temporary directory.
struct SelfSigned {
    std::filesystem::path dir, cert, key;
    SelfSigned() {
        dir = std::filesystem::temp_directory_path() / ("gatehouse-tls-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        cert = dir / "cert.pem";
        key = dir / "key.pem";
        EVP_PKEY* pkey = EVP_EC_gen("P-256");
        X509* x = X509_new();
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
        X509_gmtime_adj(X509_getm_notBefore(x), 0);
        X509_gmtime_adj(X509_getm_notAfter(x), 3600);
        X509_set_pubkey(x, pkey);
        X509_NAME* name = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1,
                                   -1, 0);
        X509_set_issuer_name(x, name);
        X509_sign(x, pkey, EVP_sha256());
        FILE* f = std::fopen(cert.c_str(), "w");
        PEM_write_X509(f, x);
        std::fclose(f);
        f = std::fopen(key.c_str(), "w");
        PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr);
        std::fclose(f);
        X509_free(x);
        EVP_PKEY_free(pkey);
    }
    ~SelfSigned() { std::filesystem::remove_all(dir); }
};

TEST_F(ServerTest, ServesTls) {
    SelfSigned files;
    ServerOptions options;
    options.tls_cert_file = files.cert.string();
    options.tls_key_file = files.key.string();
    TestServer server(options);
    HttpClient client("127.0.0.1", server.port(), true);
    auto res = client.get("/whoami");
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.body, "/whoami||127.0.0.1|tls");
    EXPECT_EQ(client.post_form("/echo", {{"a", "b c"}}).body, "a=b%20c");
    // Plain HTTP to the TLS port gets no HTTP answer.
    EXPECT_EQ(server.client().raw(get_request("/hello"), 3s), "");
}

TEST_F(ServerTest, BadTlsFilesThrow) {
    Router router;
    Metrics metrics;
    ServerOptions options{.host = "127.0.0.1", .port = 0};
    options.tls_cert_file = "/nonexistent/cert.pem";
    options.tls_key_file = "/nonexistent/key.pem";
    EXPECT_THROW(Server(options, router, metrics), std::runtime_error);
    options.tls_key_file.clear();
    EXPECT_THROW(Server(options, router, metrics), std::runtime_error);
}

}  // namespace
}  // namespace gatehouse::http
