// example_resource_server: step 5 of the PKCE walkthrough, "Call the API". An API that trusts
// Gatehouse (or Auth0) checks each access token offline: signature against the issuer's JWKS, then
// iss, aud, exp and the scope it needs, answering 401/403 with the RFC 6750 WWW-Authenticate header.
//
//   example_resource_server --issuer http://127.0.0.1:8080/ --audience https://api.example.com
//                           --scope read:messages --listen 127.0.0.1:3001
//   curl -H "Authorization: Bearer $ACCESS_TOKEN" http://127.0.0.1:3001/api/messages
//
// One thread, C++20 coroutines over Boost.Beast; token checks are Gatehouse's own jose library.
#include "bearer.hpp"
#include "jose/jose.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <charconv>
#include <chrono>
#include <iostream>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace jose = gatehouse::jose;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

namespace {

struct Options {
    std::string issuer, audience, scope, listen = "127.0.0.1:3001";
};

// Where the issuer publishes its keys: "<issuer>.well-known/jwks.json" (the issuer ends with "/").
struct JwksLocation {
    std::string host, port, target;
};

std::optional<JwksLocation> jwks_location(std::string_view issuer) {
    auto url = boost::urls::parse_uri(issuer);
    if (!url || url->scheme() != "http" || !issuer.ends_with('/')) return std::nullopt;  // plain HTTP demo
    return JwksLocation{url->host(), url->has_port() ? std::string(url->port()) : "80",
                        std::string(url->path()) + ".well-known/jwks.json"};
}

// Every await reports errors through `ec` instead of throwing: a failure is an answer, not a crash.
auto with(beast::error_code& ec) { return net::redirect_error(net::use_awaitable, ec); }

net::awaitable<jose::result<jose::KeySet>> fetch_jwks(const JwksLocation& at) {
    beast::error_code ec;
    auto executor = co_await net::this_coro::executor;
    beast::tcp_stream stream(executor);
    stream.expires_after(5s);  // covers connect, write and read
    auto endpoints = co_await tcp::resolver(executor).async_resolve(at.host, at.port, with(ec));
    if (!ec) co_await stream.async_connect(endpoints, with(ec));
    http::request<http::empty_body> req{http::verb::get, at.target, 11};
    req.set(http::field::host, at.host);
    if (!ec) co_await http::async_write(stream, req, with(ec));
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1 << 20);
    if (!ec) co_await http::async_read(stream, buffer, parser, with(ec));
    if (ec) co_return ec;
    if (parser.get().result() != http::status::ok) co_return make_error_code(boost::system::errc::protocol_error);
    co_return jose::KeySet::from_jwks(parser.get().body());
}

// Holds the issuer's keys. Single-threaded, so no locking: every session runs on the one io thread.
class TokenVerifier {
  public:
    TokenVerifier(JwksLocation jwks, const Options& opt) : jwks_(std::move(jwks)) {
        checks_.issuer = opt.issuer;
        checks_.audiences = {opt.audience};
    }

    net::awaitable<beast::error_code> refresh() {
        last_fetch_ = std::chrono::steady_clock::now();
        auto keys = co_await fetch_jwks(jwks_);
        if (!keys) co_return keys.error();
        keys_ = std::move(*keys);
        co_return beast::error_code{};
    }

    // The claims of a valid token, or why it is not valid (a jose_errc).
    net::awaitable<jose::result<json::object>> verify(std::string_view token) {
        // Gatehouse signs access tokens with RS256; accepting only that closes the door on alg games.
        auto v = jose::verify_jwt(token, keys_, {jose::Alg::RS256});
        // An unknown kid usually means the issuer rotated its key: refetch, but at most every 30 s so
        // that tokens with made-up kids cannot turn this API into a JWKS request amplifier.
        if (!v && v.error() == jose::jose_errc::unknown_key && std::chrono::steady_clock::now() - last_fetch_ > 30s) {
            if (!co_await refresh()) v = jose::verify_jwt(token, keys_, {jose::Alg::RS256});
        }
        if (!v) co_return v.error();
        if (auto ok = jose::check_claims(v->claims, checks_); !ok) co_return ok.error();
        co_return std::move(v->claims);
    }

  private:
    JwksLocation jwks_;
    jose::ClaimChecks checks_;  // now = 0: the system clock, 60 s leeway
    jose::KeySet keys_;
    std::chrono::steady_clock::time_point last_fetch_;
};

http::response<http::string_body> reply(http::status status, const json::object& body, unsigned version,
                                        std::string_view challenge = {}) {
    http::response<http::string_body> res{status, version};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    if (!challenge.empty()) res.set(http::field::www_authenticate, challenge);
    res.body() = json::serialize(body);
    res.prepare_payload();
    return res;
}

// 401 for anything wrong with the token itself, 403 when the token is fine but lacks the scope.
net::awaitable<http::response<http::string_body>> handle(const http::request<http::string_body>& req,
                                                         TokenVerifier& verifier, const Options& opt) {
    const unsigned v = req.version();
    if (req.target() != "/api/messages") co_return reply(http::status::not_found, {{"error", "not_found"}}, v);
    if (req.method() != http::verb::get) co_return reply(http::status::method_not_allowed, {{"error", "method"}}, v);

    auto token = example::bearer_token(req[http::field::authorization]);
    if (!token)  // RFC 6750 §3.1: no credentials at all -> a challenge without an error code
        co_return reply(http::status::unauthorized, {{"error", "unauthorized"}}, v, example::www_authenticate("api"));

    jose::result<json::object> claims = jose::jose_errc::malformed;
    if (!token->empty()) claims = co_await verifier.verify(*token);
    if (!claims) {
        auto why = example::describe(claims.error());
        co_return reply(http::status::unauthorized, {{"error", "invalid_token"}, {"error_description", why}}, v,
                        example::www_authenticate("api", "invalid_token", why));
    }
    if (!example::has_scope(*claims, opt.scope)) {
        co_return reply(http::status::forbidden, {{"error", "insufficient_scope"}, {"scope", opt.scope}}, v,
                        example::www_authenticate("api", "insufficient_scope", "", opt.scope));
    }
    // The token is good: this is where an API would use claims->at("sub") to pick the caller's data.
    json::array messages{json::object{{"id", 1}, {"text", "Hello from a Gatehouse-protected API"}},
                         json::object{{"id", 2}, {"text", "Your token carries " + opt.scope}}};
    co_return reply(http::status::ok, {{"messages", std::move(messages)}}, v);
}

net::awaitable<void> session(beast::tcp_stream stream, TokenVerifier& verifier, const Options& opt) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    for (;;) {
        stream.expires_after(30s);  // idle or slow clients are dropped
        http::request_parser<http::string_body> parser;
        parser.header_limit(16 * 1024);
        parser.body_limit(16 * 1024);
        co_await http::async_read(stream, buffer, parser, with(ec));
        if (ec) break;  // closed, timed out or not HTTP: nothing useful to answer
        auto res = co_await handle(parser.get(), verifier, opt);
        res.keep_alive(parser.get().keep_alive());
        co_await http::async_write(stream, res, with(ec));
        if (ec || !res.keep_alive()) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

net::awaitable<void> serve(tcp::endpoint listen, JwksLocation jwks, Options opt) {
    auto executor = co_await net::this_coro::executor;
    TokenVerifier verifier(std::move(jwks), opt);
    // The issuer may still be starting: try for about ten seconds before giving up.
    beast::error_code ec;
    for (int attempt = 0; attempt < 20; ++attempt) {
        if (!(ec = co_await verifier.refresh())) break;
        co_await net::steady_timer(executor, 500ms).async_wait(net::use_awaitable);
    }
    if (ec) throw std::runtime_error("cannot fetch the issuer's JWKS: " + ec.message());

    tcp::acceptor acceptor(executor, listen);
    std::cout << "example_resource_server listening on " << opt.listen << std::endl;
    for (;;) {
        auto socket = co_await acceptor.async_accept(net::use_awaitable);
        net::co_spawn(executor, session(beast::tcp_stream(std::move(socket)), verifier, opt), net::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    CLI::App app{"Example API protected by Gatehouse access tokens"};
    app.add_option("--issuer", opt.issuer, "Issuer URL, with trailing slash")->required();
    app.add_option("--audience", opt.audience, "This API's identifier (the token's aud)")->required();
    app.add_option("--scope", opt.scope, "Scope required by GET /api/messages")->default_val("read:messages");
    app.add_option("--listen", opt.listen, "host:port to listen on")->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    auto jwks = jwks_location(opt.issuer);
    const auto colon = opt.listen.rfind(':');
    boost::system::error_code ec;
    auto address = net::ip::make_address(opt.listen.substr(0, colon == std::string::npos ? 0 : colon), ec);
    unsigned short port = 0;
    const char* port_end = opt.listen.data() + opt.listen.size();
    if (!jwks || colon == std::string::npos || ec ||
        std::from_chars(opt.listen.data() + colon + 1, port_end, port).ptr != port_end) {
        std::cerr << "usage: --issuer http://host:port/ (plain HTTP, trailing slash) --listen host:port\n";
        return 2;
    }

    net::io_context ioc{1};
    net::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](auto, auto) { ioc.stop(); });
    int status = 0;
    net::co_spawn(ioc, serve({address, port}, std::move(*jwks), opt), [&](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            std::cerr << "example_resource_server: " << ex.what() << "\n";
        }
        status = 1;
        ioc.stop();
    });
    ioc.run();
    return status;
}
