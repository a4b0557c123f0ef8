// Server: the listener, one coroutine per connection (plain TCP or TLS), per-request limits and
// timeouts, the access log, metrics and graceful shutdown.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "http/client_address.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"

namespace gatehouse::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;  // 0 = ephemeral, see Server::port()
    int threads = 1;
    std::size_t header_limit = 8192;
    std::size_t body_limit = 64 * 1024;
    std::size_t large_body_limit = 1024 * 1024;  // for paths under large_body_prefix
    std::string large_body_prefix = "/api/v2/";
    // The JSON body of the 413 for paths under large_body_prefix, in that API's own error shape
    // (the Management API's is not OAuth's); empty = the OAuth-style error.
    std::string large_body_rejection = {};
    std::chrono::seconds request_timeout{30};  // reading + writing one request; also the keep-alive idle time
    std::chrono::seconds shutdown_grace{10};
    // Open connections one client address may hold (0 = unlimited); the next one is answered 503
    // (plain HTTP) or just closed (TLS) at once, so one host cannot use up the descriptors. Counted per
    // address_key: an IPv4 address, an IPv6 /64 (IPv4-mapped IPv6 addresses are their IPv4 address).
    std::size_t max_connections_per_ip = 256;
    // Reverse proxies whose X-Forwarded-For names the client (see client_address.hpp). Their own
    // connections are not limited per address, since each carries many clients.
    TrustedProxies trusted_proxies = {};
    std::string tls_cert_file{}, tls_key_file{};  // both empty = plain HTTP
};

class Server {
  public:
    // Binds and listens (and loads the TLS files) so port() is known before run(); throws
    // std::runtime_error("cannot listen on 127.0.0.1:8080: Address already in use") and the like.
    // The router and metrics must outlive the server.
    Server(ServerOptions options, const Router& router, Metrics& metrics);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    std::uint16_t port() const;

    // Blocks. Returns after stop() or SIGTERM/SIGINT: stops accepting, closes idle keep-alive
    // connections, lets in-flight requests finish for up to shutdown_grace.
    void run();
    // Thread-safe; may be called before run(), which then returns promptly.
    void stop();

    struct impl;

  private:
    std::unique_ptr<impl> impl_;
};

}  // namespace gatehouse::http
