// The HTTP client of the upstream leg of federation (token exchange, userinfo, discovery, JWKS).
// `HttpClient` is the one interface the protocol logic (oauth/federation) calls, so unit tests
// inject a fake; `UpstreamClient` is the real one: Beast over Asio coroutines (an I/O thread never
// blocks on a slow provider), TLS verified against the system CA store or a per-connection CA file,
// plain http only to loopback hosts, public addresses only unless the operator allows private ones
// (checked on the resolved addresses, which are the only ones connected to, so DNS cannot point a
// checked name elsewhere afterwards), no redirects followed, bounded time and size, and a small
// keep-alive pool per host.
// It logs nothing: callers log method, host and path only, never a query, body or header, since
// those carry client secrets, codes and tokens.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse::connections {

// Transport failures of an upstream call. When adding one, add its message in upstream_client.cpp.
enum class upstream_errc {
    invalid_url = 1,    // not an absolute http(s) URL
    insecure_scheme,    // http:// to a host that is not loopback
    resolve_failed,     // DNS gave no address
    connect_failed,     // refused / unreachable
    timeout,            // connect, TLS handshake, write or read took longer than allowed
    tls_failed,         // handshake or certificate verification failed
    bad_ca_file,        // the connection's ca_file could not be loaded
    forbidden_address,  // the host has no public address and private upstreams are not allowed
    response_too_large,
    protocol_error,  // the peer did not speak HTTP/1.1 properly
};

const boost::system::error_category& upstream_category() noexcept;

inline boost::system::error_code make_error_code(upstream_errc e) noexcept {
    return {static_cast<int>(e), upstream_category()};
}

}  // namespace gatehouse::connections

template <>
struct boost::system::is_error_code_enum<gatehouse::connections::upstream_errc> : std::true_type {};

namespace gatehouse::connections {

struct HttpRequest {
    boost::beast::http::verb method = boost::beast::http::verb::get;
    std::string url;  // absolute
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string ca_file;  // PEM bundle to trust instead of the system store; empty = system store
};

struct HttpResponse {
    int status = 0;
    std::string content_type;
    std::string body;
};

class HttpClient {
  public:
    virtual ~HttpClient() = default;
    // Never throws for network or peer faults: they come back as upstream_errc values.
    virtual boost::asio::awaitable<boost::system::result<HttpResponse>> send(HttpRequest request) = 0;
};

struct UpstreamClientOptions {
    std::chrono::milliseconds connect_timeout{3000};  // resolve + TCP connect + TLS handshake
    std::chrono::milliseconds read_timeout{5000};     // write the request + read the whole response
    std::size_t max_response_bytes = 1024 * 1024;     // discovery docs, JWKS and profiles are small
    std::size_t max_idle_per_host = 4;
    std::chrono::seconds idle_ttl{30};  // providers close idle keep-alive connections; do not race them
    std::string system_ca_path = "/etc/ssl/certs";
    // SSRF defence: connect only to public addresses (is_public_address). `serve
    // --allow-private-upstreams` turns this on for tests and single-box setups.
    bool allow_private_addresses = false;
};

class UpstreamClient final : public HttpClient {
  public:
    explicit UpstreamClient(UpstreamClientOptions options = {});
    ~UpstreamClient() override;
    UpstreamClient(const UpstreamClient&) = delete;
    UpstreamClient& operator=(const UpstreamClient&) = delete;

    // Runs on the caller's executor (co_await net::this_coro::executor).
    boost::asio::awaitable<boost::system::result<HttpResponse>> send(HttpRequest request) override;

    // Drops the idle pooled connections. Call while their io_context is still alive (before the
    // server that runs it is destroyed).
    void close_idle();

    struct impl;

  private:
    std::unique_ptr<impl> impl_;
};

// True for 127.0.0.0/8, ::1 and "localhost": the only hosts plain http may reach.
bool is_loopback_host(std::string_view host);

// Whether an upstream may be reached at `address` without --allow-private-upstreams: false for
// loopback, "this network" (0/8), RFC 1918, CGNAT (100.64/10), link-local (169.254/16, where cloud
// metadata services answer; fe80::/10), unique-local (fc00::/7), multicast, documentation,
// benchmarking and reserved ranges, and for the IPv6 forms that reach such an IPv4 address
// (v4-mapped, NAT64 64:ff9b::/96). IPv6 must otherwise be global unicast (2000::/3).
bool is_public_address(const boost::asio::ip::address& address);

// application/x-www-form-urlencoded encoding of `params` (token requests).
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace gatehouse::connections
