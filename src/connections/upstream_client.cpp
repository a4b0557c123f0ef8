#include "connections/upstream_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <map>
#include <mutex>

namespace gatehouse::connections {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;
using clock = std::chrono::steady_clock;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

class upstream_category_impl final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "gatehouse.upstream"; }
    std::string message(int ev) const override {
        switch (static_cast<upstream_errc>(ev)) {
            case upstream_errc::invalid_url:
                return "the URL is not an absolute http(s) URL";
            case upstream_errc::insecure_scheme:
                return "plain http is allowed only to loopback hosts; use https";
            case upstream_errc::resolve_failed:
                return "the host name could not be resolved";
            case upstream_errc::connect_failed:
                return "the connection was refused or the host is unreachable";
            case upstream_errc::timeout:
                return "the provider did not answer in time";
            case upstream_errc::tls_failed:
                return "the TLS handshake or certificate verification failed";
            case upstream_errc::bad_ca_file:
                return "the CA file of the connection could not be loaded (it must be a readable regular file of "
                       "PEM certificates, at most 1 MiB, named by an absolute path)";
            case upstream_errc::forbidden_address:
                return "the host has no public address (loopback, private, link-local and reserved addresses are "
                       "refused unless serve runs with --allow-private-upstreams)";
            case upstream_errc::response_too_large:
                return "the response is larger than allowed";
            case upstream_errc::protocol_error:
                return "the response is not valid HTTP/1.1";
        }
        return "unknown upstream error";
    }
};

// Where one request goes, from its URL.
struct Target {
    bool tls = false;
    std::string host;  // without brackets
    std::string port;
    std::string host_header;
    std::string path_and_query;
};

boost::system::result<Target> parse_target(std::string_view url) {
    auto u = boost::urls::parse_absolute_uri(url);
    if (!u || !u->has_authority() || u->host().empty()) return upstream_errc::invalid_url;
    Target t;
    if (u->scheme_id() == boost::urls::scheme::https)
        t.tls = true;
    else if (u->scheme_id() != boost::urls::scheme::http)
        return upstream_errc::invalid_url;
    t.host = u->host_type() == boost::urls::host_type::ipv6 ? std::string(u->encoded_host_address())
                                                            : std::string(u->host());
    t.port = u->has_port() ? std::string(u->port()) : (t.tls ? "443" : "80");
    t.host_header = std::string(u->encoded_host_and_port());
    t.path_and_query = std::string(u->encoded_path());
    if (t.path_and_query.empty()) t.path_and_query = "/";
    if (u->has_query()) t.path_and_query += "?" + std::string(u->encoded_query());
    if (!t.tls && !is_loopback_host(t.host)) return upstream_errc::insecure_scheme;
    return t;
}

// One keep-alive connection; exactly one of plain/tls is set.
struct Conn {
    std::unique_ptr<beast::tcp_stream> plain;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
    beast::flat_buffer buffer;
    clock::time_point idle_since;

    beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

bool is_timeout(const error_code& ec) {
    return ec == beast::error::timeout || ec == net::error::timed_out || ec == net::error::operation_aborted;
}

// A connection's CA file (a path the Management API may set): a regular file of at most 1 MiB, so
// that a device, a FIFO or a huge file cannot stall the thread that loads it. O_NONBLOCK keeps the
// open itself from waiting on a FIFO.
constexpr std::size_t max_ca_file_bytes = 1024 * 1024;

boost::system::result<std::string> read_ca_file(const std::string& path) {
    if (path.empty() || path.front() != '/') return upstream_errc::bad_ca_file;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return upstream_errc::bad_ca_file;
    std::string pem;
    struct stat st {};
    bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && std::size_t(st.st_size) <= max_ca_file_bytes;
    if (ok) {
        pem.resize(std::size_t(st.st_size));
        std::size_t got = 0;
        while (ok && got < pem.size()) {
            auto n = ::read(fd, pem.data() + got, pem.size() - got);
            if (n <= 0)
                ok = false;
            else
                got += std::size_t(n);
        }
    }
    ::close(fd);
    if (!ok) return upstream_errc::bad_ca_file;
    return pem;
}

}  // namespace

const boost::system::error_category& upstream_category() noexcept {
    static const upstream_category_impl category;
    return category;
}

bool is_loopback_host(std::string_view host) {
    if (host == "localhost") return true;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    error_code ec;
    auto address = net::ip::make_address(std::string(host), ec);
    return !ec && address.is_loopback();
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params) {
    std::string out;
    for (const auto& [k, v] : params) {
        if (!out.empty()) out += '&';
        out += boost::urls::encode(k, boost::urls::unreserved_chars);
        out += '=';
        out += boost::urls::encode(v, boost::urls::unreserved_chars);
    }
    return out;
}

struct UpstreamClient::impl {
    UpstreamClientOptions options;
    std::mutex mutex;
    std::map<std::string, std::shared_ptr<ssl::context>> contexts;   // by CA file ("" = system store)
    std::map<std::string, std::vector<std::unique_ptr<Conn>>> idle;  // by scheme://host:port|ca_file

    boost::system::result<std::shared_ptr<ssl::context>> context(const std::string& ca_file) {
        {
            std::lock_guard lock(mutex);
            if (auto it = contexts.find(ca_file); it != contexts.end()) return it->second;
        }
        // Built outside the lock: loading certificates takes time, and other upstream calls need it.
        auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
        ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
        ctx->set_verify_mode(ssl::verify_peer);
        error_code ec;
        if (ca_file.empty()) {
            ctx->set_default_verify_paths(ec);
            error_code dir_ec;
            ctx->add_verify_path(options.system_ca_path, dir_ec);
            if (ec && dir_ec) return upstream_errc::bad_ca_file;
        } else {
            auto pem = read_ca_file(ca_file);
            if (!pem) return pem.error();
            ctx->add_certificate_authority(net::buffer(*pem), ec);
            if (ec) return upstream_errc::bad_ca_file;
        }
        std::lock_guard lock(mutex);
        return contexts.emplace(ca_file, ctx).first->second;  // a concurrent first use may have won
    }

    std::unique_ptr<Conn> take_idle(const std::string& key) {
        std::lock_guard lock(mutex);
        auto it = idle.find(key);
        if (it == idle.end()) return nullptr;
        auto now = clock::now();
        while (!it->second.empty()) {
            auto conn = std::move(it->second.back());
            it->second.pop_back();
            if (now - conn->idle_since < options.idle_ttl) return conn;
        }
        return nullptr;
    }

    void put_idle(const std::string& key, std::unique_ptr<Conn> conn) {
        conn->idle_since = clock::now();
        std::lock_guard lock(mutex);
        auto& list = idle[key];
        if (list.size() >= options.max_idle_per_host) list.erase(list.begin());  // the oldest goes
        list.push_back(std::move(conn));
    }

    net::awaitable<boost::system::result<std::unique_ptr<Conn>>> connect(const Target& t, const std::string& ca_file) {
        using namespace net::experimental::awaitable_operators;
        auto executor = co_await net::this_coro::executor;
        std::shared_ptr<ssl::context> ctx;
        if (t.tls) {
            auto c = context(ca_file);
            if (!c) co_return c.error();
            ctx = *c;
        }

        // The resolver runs outside Asio's reactor, so its timeout is a race with a timer.
        tcp::resolver resolver(executor);
        net::steady_timer timer(executor, options.connect_timeout);
        auto started = clock::now();
        auto raced = co_await (resolver.async_resolve(t.host, t.port, use_tuple) || timer.async_wait(use_tuple));
        if (raced.index() == 1) co_return upstream_errc::timeout;
        auto [resolve_ec, resolved] = std::get<0>(raced);
        if (resolve_ec || resolved.empty()) co_return upstream_errc::resolve_failed;
        // SSRF: the addresses are checked after resolution and only the checked ones are connected
        // to, so a name cannot resolve to a public address for the check and a private one after.
        std::vector<tcp::endpoint> endpoints;
        for (const auto& entry : resolved)
            if (options.allow_private_addresses || is_public_address(entry.endpoint().address()))
                endpoints.push_back(entry.endpoint());
        if (endpoints.empty()) co_return upstream_errc::forbidden_address;

        auto conn = std::make_unique<Conn>();
        if (t.tls)
            conn->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, *ctx);
        else
            conn->plain = std::make_unique<beast::tcp_stream>(executor);
        auto remaining = [&] {
            auto left =
                options.connect_timeout - std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started);
            return std::max(left, std::chrono::milliseconds(1));
        };
        conn->tcp().expires_after(remaining());
        auto [connect_ec, ep] = co_await conn->tcp().async_connect(endpoints, use_tuple);
        (void)ep;
        if (connect_ec) co_return is_timeout(connect_ec) ? upstream_errc::timeout : upstream_errc::connect_failed;

        if (t.tls) {
            SSL* ssl = conn->tls->native_handle();
            // SNI, then RFC 6125 name checking by OpenSSL itself (an IP literal is matched as an IP).
            error_code ip_ec;
            net::ip::make_address(t.host, ip_ec);
            if (ip_ec) {
                if (!SSL_set_tlsext_host_name(ssl, t.host.c_str()) || !SSL_set1_host(ssl, t.host.c_str()))
                    co_return upstream_errc::tls_failed;
            } else if (!X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t.host.c_str())) {
                co_return upstream_errc::tls_failed;
            }
            conn->tcp().expires_after(remaining());
            auto [hs_ec] = co_await conn->tls->async_handshake(ssl::stream_base::client, use_tuple);
            if (hs_ec) co_return is_timeout(hs_ec) ? upstream_errc::timeout : upstream_errc::tls_failed;
        }
        co_return conn;
    }

    // One exchange on `conn`. `fresh` tells whether a failure before any response byte may be a
    // stale keep-alive connection worth one retry.
    template <class Stream>
    net::awaitable<error_code> exchange(Stream& stream, Conn& conn, bhttp::request<bhttp::string_body>& req,
                                        bhttp::response_parser<bhttp::string_body>& parser) {
        conn.tcp().expires_after(options.read_timeout);
        auto [write_ec, written] = co_await bhttp::async_write(stream, req, use_tuple);
        (void)written;
        if (write_ec) co_return write_ec;
        auto [read_ec, read] = co_await bhttp::async_read(stream, conn.buffer, parser, use_tuple);
        (void)read;
        co_return read_ec;
    }
};

UpstreamClient::UpstreamClient(UpstreamClientOptions options) : impl_(std::make_unique<impl>()) {
    impl_->options = std::move(options);
}

UpstreamClient::~UpstreamClient() = default;

void UpstreamClient::close_idle() {
    std::lock_guard lock(impl_->mutex);
    impl_->idle.clear();
}

net::awaitable<boost::system::result<HttpResponse>> UpstreamClient::send(HttpRequest request) {
    auto target = parse_target(request.url);
    if (!target) co_return target.error();
    const std::string key =
        (target->tls ? "https://" : "http://") + target->host + ":" + target->port + "|" + request.ca_file;

    bhttp::request<bhttp::string_body> req{request.method, target->path_and_query, 11};
    req.set(bhttp::field::host, target->host_header);
    req.set(bhttp::field::user_agent, "Gatehouse");
    req.set(bhttp::field::accept, "application/json");
    for (const auto& [name, value] : request.headers) req.set(name, value);
    req.keep_alive(true);
    if (!request.body.empty() || request.method == bhttp::verb::post) req.body() = request.body;
    req.prepare_payload();

    for (int attempt = 0; attempt < 2; ++attempt) {
        auto conn = attempt == 0 ? impl_->take_idle(key) : nullptr;
        bool reused = conn != nullptr;
        if (!conn) {
            auto fresh = co_await impl_->connect(*target, request.ca_file);
            if (!fresh) co_return fresh.error();
            conn = std::move(*fresh);
        }
        bhttp::response_parser<bhttp::string_body> parser;
        parser.header_limit(16 * 1024);
        parser.body_limit(impl_->options.max_response_bytes);
        auto ec = conn->tls ? co_await impl_->exchange(*conn->tls, *conn, req, parser)
                            : co_await impl_->exchange(*conn->plain, *conn, req, parser);
        if (ec) {
            // A pooled connection the provider already closed fails at once: retry on a new one.
            if (reused && !parser.got_some() && !is_timeout(ec)) continue;
            if (is_timeout(ec)) co_return upstream_errc::timeout;
            if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit)
                co_return upstream_errc::response_too_large;
            co_return upstream_errc::protocol_error;
        }
        auto& res = parser.get();
        HttpResponse out;
        out.status = res.result_int();
        out.content_type = std::string(res[bhttp::field::content_type]);
        out.body = std::move(res.body());
        if (res.keep_alive() && parser.is_done()) {
            conn->tcp().expires_never();
            impl_->put_idle(key, std::move(conn));
        }
        co_return out;
    }
    co_return upstream_errc::protocol_error;
}

}  // namespace gatehouse::connections
