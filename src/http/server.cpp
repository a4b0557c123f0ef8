#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "http/client_address.hpp"
#include "http/parse.hpp"
#include "http/response.hpp"

namespace gatehouse::http {

namespace {

using tcp = net::ip::tcp;
using clock = std::chrono::steady_clock;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

// What stop() needs to reach a connection. Only touched on the connection's strand, except the
// registry membership, which the server mutex guards.
struct Connection {
    net::any_io_executor strand;
    std::string ip;                       // the client address it counts against; "" = not counted
    beast::tcp_stream* stream = nullptr;  // null once the session has ended
    bool busy = false;                    // a request is being read past its header, handled or written
};

// Parse failures the client caused (answered 400) versus transport events (connection dropped).
bool is_malformed(const boost::system::error_code& ec) {
    if (ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category()) return false;
    return ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message && ec != bhttp::error::need_more &&
           ec != bhttp::error::short_read && ec != bhttp::error::stale_parser;
}

// logfmt: quote only when the value would otherwise be ambiguous.
std::string logfmt_value(std::string_view v) {
    constexpr std::size_t max_len = 256;
    bool quote = v.empty() || v.size() > max_len;
    for (char c : v)
        if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) quote = true;
    if (!quote) return std::string(v);
    std::string out = "\"";
    for (char c : v.substr(0, max_len)) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += "\\x";
            out += "0123456789abcdef"[(c >> 4) & 0xf];
            out += "0123456789abcdef"[c & 0xf];
        } else {
            out += c;
        }
    }
    if (v.size() > max_len) out += "...";
    out += '"';
    return out;
}

// The status line and header fields of `res` as they go on the wire. Beast's own serializer walks
// nested buffer sequences per write and was half the user-space time of a discovery GET
// (bench/README.md); the fields are already validated, so writing them out is all that is left.
void render_head(const bhttp::response_header<>& res, std::string& out) {
    out.clear();
    out += res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += std::to_string(res.result_int());
    out += ' ';
    out += res.reason();
    out += "\r\n";
    for (const auto& field : res) {
        out += field.name_string();
        out += ": ";
        out += field.value();
        out += "\r\n";
    }
    out += "\r\n";
}

}  // namespace

struct Server::impl {
    ServerOptions opts;
    const Router& router;
    Metrics& metrics;
    // Declared before the io_context so that they outlive the coroutine frames it destroys.
    std::mutex mutex;
    std::unordered_set<std::shared_ptr<Connection>> connections;
    std::unordered_map<std::string, std::size_t> connections_per_ip;
    std::atomic<bool> stopping{false};
    std::atomic<int> refusing{0};  // refuse_busy() coroutines in flight

    net::io_context ioc;
    net::strand<net::io_context::executor_type> strand;  // acceptor, signals and the grace timer
    tcp::acceptor acceptor;
    net::signal_set signals;
    net::steady_timer grace;
    std::optional<net::ssl::context> ssl;
    std::uint16_t port = 0;

    impl(ServerOptions o, const Router& r, Metrics& m)
        : opts(std::move(o)),
          router(r),
          metrics(m),
          ioc(std::max(1, opts.threads)),
          strand(net::make_strand(ioc)),
          acceptor(strand),
          signals(strand),
          grace(strand) {}

    void listen();
    void load_tls();
    net::awaitable<void> accept_loop();
    net::awaitable<void> run_plain(tcp::socket socket, std::shared_ptr<Connection> conn);
    net::awaitable<void> run_tls(tcp::socket socket, std::shared_ptr<Connection> conn);
    net::awaitable<void> refuse_busy(tcp::socket socket, std::string ip);
    template <class Stream>
    net::awaitable<bool> serve(Stream& stream, Connection& conn, bool tls);
    template <class Stream>
    net::awaitable<void> reject(Stream& stream, const std::string& remote_ip, bhttp::status status,
                                std::string_view description, std::string_view json_body = {});
    void begin_shutdown();
    void forget(const std::shared_ptr<Connection>& conn);
    void log_request(const RequestContext& ctx, unsigned status, std::int64_t duration_us);
};

void Server::impl::listen() {
    auto where = opts.host + ":" + std::to_string(opts.port);
    boost::system::error_code ec;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(opts.host, std::to_string(opts.port), tcp::resolver::passive, ec);
    if (ec || results.empty())
        throw std::runtime_error("cannot listen on " + where + ": " + (ec ? ec.message() : "host not found"));
    auto ep = results.begin()->endpoint();
    if (acceptor.open(ep.protocol(), ec); !ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
    port = acceptor.local_endpoint().port();
}

void Server::impl::load_tls() {
    if (opts.tls_cert_file.empty() && opts.tls_key_file.empty()) return;
    if (opts.tls_cert_file.empty() || opts.tls_key_file.empty())
        throw std::runtime_error("TLS needs both a certificate and a private key file");
    ssl.emplace(net::ssl::context::tls_server);
    ssl->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                     net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    ssl->use_certificate_chain_file(opts.tls_cert_file, ec);
    if (ec) throw std::runtime_error("cannot load TLS certificate " + opts.tls_cert_file + ": " + ec.message());
    ssl->use_private_key_file(opts.tls_key_file, net::ssl::context::pem, ec);
    if (ec) throw std::runtime_error("cannot load TLS private key " + opts.tls_key_file + ": " + ec.message());
}

net::awaitable<void> Server::impl::accept_loop() {
    for (;;) {
        // One thread needs no strand; skipping it saves an executor indirection per operation.
        auto executor = opts.threads > 1 ? net::any_io_executor(net::make_strand(ioc)) : ioc.get_executor();
        auto [ec, socket] = co_await acceptor.async_accept(executor, use_tuple);
        if (stopping || ec == net::error::operation_aborted) co_return;
        if (ec) {
            // Out of descriptors and the like: back off instead of spinning.
            spdlog::warn("accept failed: {}", ec.message());
            net::steady_timer pause(strand, std::chrono::milliseconds(100));
            co_await pause.async_wait(use_tuple);
            continue;
        }
        auto conn = std::make_shared<Connection>();
        conn->strand = socket.get_executor();
        bool over_limit = false;
        if (opts.max_connections_per_ip > 0) {
            // A trusted proxy carries many clients over its connections: it is not one client.
            boost::system::error_code rec;
            auto remote = socket.remote_endpoint(rec);
            if (!rec && !opts.trusted_proxies.contains(remote.address()))
                conn->ip = address_key(remote.address());  // an IPv6 host owns its whole /64
        }
        {
            std::lock_guard lock(mutex);
            if (!conn->ip.empty()) {
                auto& count = connections_per_ip[conn->ip];
                over_limit = count >= opts.max_connections_per_ip;
                if (over_limit) {
                    if (count == 0) connections_per_ip.erase(conn->ip);
                } else {
                    ++count;
                }
            }
            if (!over_limit) connections.insert(conn);
        }
        if (over_limit) {
            // Answering costs a descriptor for up to two seconds; under a flood, just close.
            constexpr int max_refusing = 64;
            if (refusing.fetch_add(1) >= max_refusing) {
                refusing.fetch_sub(1);
                boost::system::error_code ignored;
                socket.close(ignored);
                continue;
            }
            // Not registered, so stop() does not wait for it: refuse_busy() is bounded by its own timer.
            net::co_spawn(conn->strand, refuse_busy(std::move(socket), std::move(conn->ip)),
                          [this](std::exception_ptr) { refusing.fetch_sub(1); });
            continue;
        }
        auto session = ssl ? run_tls(std::move(socket), conn) : run_plain(std::move(socket), conn);
        net::co_spawn(conn->strand, std::move(session), [this, conn](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    spdlog::error("connection failed: {}", ex.what());
                }
            }
            conn->stream = nullptr;
            forget(conn);
        });
    }
}

net::awaitable<void> Server::impl::run_plain(tcp::socket socket, std::shared_ptr<Connection> conn) {
    beast::tcp_stream stream(std::move(socket));
    conn->stream = &stream;
    if (co_await serve(stream, *conn, false)) {
        boost::system::error_code ec;
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    conn->stream = nullptr;
}

net::awaitable<void> Server::impl::run_tls(tcp::socket socket, std::shared_ptr<Connection> conn) {
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *ssl);
    auto& lowest = beast::get_lowest_layer(stream);
    conn->stream = &lowest;
    lowest.expires_after(opts.request_timeout);
    auto [ec] = co_await stream.async_handshake(net::ssl::stream_base::server, use_tuple);
    if (!ec && co_await serve(stream, *conn, true)) {
        // close_notify; bounded, since many clients just drop the TCP connection.
        lowest.expires_after(std::min<std::chrono::seconds>(opts.request_timeout, std::chrono::seconds(5)));
        co_await stream.async_shutdown(use_tuple);
    }
    conn->stream = nullptr;
}

// A connection over max_connections_per_ip: answered before its request is read (there is nothing
// to route), then closed. TLS clients get no answer, since that would need a handshake first.
net::awaitable<void> Server::impl::refuse_busy(tcp::socket socket, std::string ip) {
    beast::tcp_stream stream(std::move(socket));
    if (!ssl) {
        auto res = json_error(bhttp::status::service_unavailable, "temporarily_unavailable",
                              "Too many connections from this address");
        res.set(bhttp::field::retry_after, "1");
        res.keep_alive(false);
        res.prepare_payload();
        metrics.record_request("unmatched", 503, 0.0);
        if (auto* logger = spdlog::default_logger_raw(); logger->should_log(spdlog::level::info))
            logger->info("method=- path=- status=503 duration_us=0 ip={} client_id=- error={}", ip,
                         logfmt_value("Too many connections from this address"));
        stream.expires_after(std::chrono::seconds(2));
        auto [ec, n] = co_await bhttp::async_write(stream, res, use_tuple);
        if (!ec) {
            // As in reject(): drain what the client sends so that closing does not reset the answer away.
            boost::system::error_code ignored;
            stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
            char sink[1024];
            for (std::size_t drained = 0; drained < 64 * 1024;) {
                auto [rec, got] = co_await stream.async_read_some(net::buffer(sink), use_tuple);
                if (rec) break;
                drained += got;
            }
        }
    }
    boost::system::error_code ignored;
    stream.socket().close(ignored);
}

// Answers a request that could not be read and closes: the rest of the stream cannot be trusted.
template <class Stream>
net::awaitable<void> Server::impl::reject(Stream& stream, const std::string& remote_ip, bhttp::status status,
                                          std::string_view description, std::string_view json_body) {
    auto res = json_error(status, "invalid_request", description);
    if (!json_body.empty()) {
        res.body() = std::string(json_body);
        res.prepare_payload();
    }
    res.keep_alive(false);
    metrics.record_request("unmatched", static_cast<unsigned>(status), 0.0);
    if (auto* logger = spdlog::default_logger_raw(); logger->should_log(spdlog::level::info))
        logger->info("method=- path=- status={} duration_us=0 ip={} client_id=- error={}",
                     static_cast<unsigned>(status), remote_ip, logfmt_value(description));
    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_after(opts.request_timeout);
    auto [ec, n] = co_await bhttp::async_write(stream, res, use_tuple);
    if (ec) co_return;
    // Read and discard what the client is still sending (briefly), so that closing with unread data
    // does not reset the connection before the client has read the answer.
    boost::system::error_code ignored;
    lowest.socket().shutdown(tcp::socket::shutdown_send, ignored);
    lowest.expires_after(std::chrono::seconds(1));
    char sink[4096];
    std::size_t drained = 0;
    while (drained < opts.large_body_limit) {
        auto [rec, got] = co_await lowest.async_read_some(net::buffer(sink), use_tuple);
        if (rec) break;
        drained += got;
    }
}

// Reads, dispatches and answers requests until the connection should close. Returns true when the
// connection is still sound and should be shut down politely.
template <class Stream>
net::awaitable<bool> Server::impl::serve(Stream& stream, Connection& conn, bool tls) {
    auto& lowest = beast::get_lowest_layer(stream);
    boost::system::error_code ec;
    auto remote = lowest.socket().remote_endpoint(ec);
    const std::string remote_ip = ec ? std::string("-") : unmapped(remote.address()).to_string();
    const bool behind_proxy = !ec && opts.trusted_proxies.contains(remote.address());
    beast::flat_buffer buffer;
    std::string head_bytes;  // the response header, rendered into the same storage every time

    for (;;) {
        if (stopping) co_return true;
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(opts.header_limit));
        // The real limit depends on the path, known only once the header is in (then checked against
        // Content-Length and set for the body read, below); unlimited here so a large Content-Length
        // is answered in the shape of the API it was sent to.
        parser.body_limit(boost::none);
        lowest.expires_after(opts.request_timeout);
        conn.busy = false;
        auto [rec, rn] = co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
        conn.busy = true;
        if (rec == bhttp::error::header_limit) {
            co_await reject(stream, remote_ip, bhttp::status::request_header_fields_too_large,
                            "Request header too large");
            co_return false;
        }
        if (rec == bhttp::error::body_limit) {
            co_await reject(stream, remote_ip, bhttp::status::payload_too_large, "Request body too large");
            co_return false;
        }
        if (is_malformed(rec)) {
            co_await reject(stream, remote_ip, bhttp::status::bad_request, "Malformed HTTP request");
            co_return false;
        }
        if (rec) co_return rec == bhttp::error::end_of_stream;
        const auto start = clock::now();

        const Request& req = parser.get();
        std::string_view target = req.target();
        auto qmark = target.find('?');
        auto path = decode_path(target.substr(0, qmark));
        if (target.empty() || target.front() != '/' || !path) {
            co_await reject(stream, remote_ip, bhttp::status::bad_request, "Malformed request target");
            co_return false;
        }
        const bool large = !opts.large_body_prefix.empty() && path->starts_with(opts.large_body_prefix);
        const std::size_t limit = large ? opts.large_body_limit : opts.body_limit;
        const std::string_view too_large_body =
            large ? std::string_view(opts.large_body_rejection) : std::string_view();
        if (auto len = parser.content_length(); len && *len > limit) {
            co_await reject(stream, remote_ip, bhttp::status::payload_too_large, "Request body too large",
                            too_large_body);
            co_return false;
        }
        parser.body_limit(limit);
        if (!parser.is_done()) {
            // curl and others wait up to a second for this before sending a larger body.
            if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
                bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, req.version()};
                auto [wec, wn] = co_await bhttp::async_write(stream, cont, use_tuple);
                if (wec) co_return false;
            }
            auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
            if (bec == bhttp::error::body_limit) {
                co_await reject(stream, remote_ip, bhttp::status::payload_too_large, "Request body too large",
                                too_large_body);
                co_return false;
            }
            if (is_malformed(bec)) {
                co_await reject(stream, remote_ip, bhttp::status::bad_request, "Malformed HTTP request");
                co_return false;
            }
            if (bec) co_return false;
        }

        RequestContext ctx{req,
                           behind_proxy ? client_address(remote.address(), req, opts.trusted_proxies) : remote_ip,
                           std::move(*path),
                           qmark == std::string_view::npos ? std::string() : std::string(target.substr(qmark + 1)),
                           tls,
                           {},
                           {}};
        Response res = co_await router.dispatch(ctx);

        const bool head = req.method() == bhttp::verb::head;
        const bool keep_alive = req.keep_alive() && !stopping;
        const unsigned status = res.result_int();
        res.version(req.version());
        res.keep_alive(keep_alive);
        lowest.expires_after(opts.request_timeout);
        // HEAD reports the length the GET body would have, and sends no body.
        if (!head || !res.body().empty() || !res.has_content_length()) res.prepare_payload();
        render_head(res.base(), head_bytes);
        const std::array<net::const_buffer, 2> wire{net::buffer(head_bytes),
                                                    head ? net::const_buffer() : net::buffer(res.body())};
        auto [wec, wn] = co_await net::async_write(stream, wire, use_tuple);

        const auto elapsed = clock::now() - start;
        metrics.record_request(ctx.route.empty() ? std::string_view("unmatched") : std::string_view(ctx.route), status,
                               std::chrono::duration<double>(elapsed).count());
        log_request(ctx, status, std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
        if (wec || !keep_alive) co_return !wec;
    }
}

void Server::impl::log_request(const RequestContext& ctx, unsigned status, std::int64_t duration_us) {
    auto* logger = spdlog::default_logger_raw();
    if (!logger->should_log(spdlog::level::info)) return;
    // Never the query string, the body or the Authorization header: they carry codes and secrets.
    logger->info("method={} path={} status={} duration_us={} ip={} client_id={}", ctx.req.method_string(),
                 logfmt_value(ctx.path), status, duration_us, ctx.remote_ip,
                 ctx.log_client_id.empty() ? std::string("-") : logfmt_value(ctx.log_client_id));
}

void Server::impl::forget(const std::shared_ptr<Connection>& conn) {
    bool last = false;
    {
        std::lock_guard lock(mutex);
        if (!conn->ip.empty()) {
            if (auto it = connections_per_ip.find(conn->ip); it != connections_per_ip.end() && --it->second == 0)
                connections_per_ip.erase(it);
        }
        connections.erase(conn);
        last = connections.empty();
    }
    if (last && stopping) net::post(strand, [this] { grace.cancel(); });
}

// Runs on `strand`.
void Server::impl::begin_shutdown() {
    if (stopping.exchange(true)) return;
    boost::system::error_code ec;
    acceptor.close(ec);
    signals.cancel(ec);
    std::vector<std::shared_ptr<Connection>> open;
    {
        std::lock_guard lock(mutex);
        open.assign(connections.begin(), connections.end());
    }
    for (auto& conn : open) {
        // Idle keep-alive connections go now; busy ones close after their response.
        net::post(conn->strand, [conn] {
            if (conn->stream && !conn->busy) conn->stream->cancel();
        });
    }
    if (open.empty()) return;
    grace.expires_after(opts.shutdown_grace);
    grace.async_wait([this](boost::system::error_code wait_ec) {
        if (wait_ec) return;  // every connection finished in time
        spdlog::warn("shutdown grace period of {}s over; abandoning in-flight requests", opts.shutdown_grace.count());
        ioc.stop();
    });
}

Server::Server(ServerOptions options, const Router& router, Metrics& metrics)
    : impl_(std::make_unique<impl>(std::move(options), router, metrics)) {
    impl_->load_tls();
    impl_->listen();
}

Server::~Server() = default;

std::uint16_t Server::port() const { return impl_->port; }

void Server::run() {
    auto& s = *impl_;
    if (!s.stopping) {
        boost::system::error_code ec;
        s.signals.add(SIGINT, ec);
        s.signals.add(SIGTERM, ec);
        s.signals.async_wait([&s](boost::system::error_code wait_ec, int) {
            if (!wait_ec) s.begin_shutdown();
        });
        net::co_spawn(s.strand, s.accept_loop(), [](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                spdlog::error("listener failed: {}", ex.what());
            }
        });
    }
    std::vector<std::thread> extra;
    for (int i = 1; i < s.opts.threads; ++i) extra.emplace_back([&s] { s.ioc.run(); });
    s.ioc.run();
    for (auto& t : extra) t.join();
}

void Server::stop() {
    auto* s = impl_.get();
    net::post(s->strand, [s] { s->begin_shutdown(); });
}

}  // namespace gatehouse::http
