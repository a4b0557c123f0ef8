#include "support/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/pct_string_view.hpp>
#include <cctype>
#include <optional>
#include <stdexcept>

namespace gatehouse::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

HttpResponse convert(const bhttp::response<bhttp::string_body>& msg) {
    HttpResponse res;
    res.status = static_cast<int>(msg.result_int());
    for (const auto& field : msg) {
        auto name = lower(field.name_string());
        if (name == "set-cookie") res.set_cookies.emplace_back(field.value());
        auto [it, inserted] = res.headers.emplace(name, std::string(field.value()));
        if (!inserted) it->second += ", " + std::string(field.value());
    }
    res.body = msg.body();
    return res;
}

std::string serialize(const bhttp::response<bhttp::string_body>& msg) {
    std::string out = "HTTP/" + std::to_string(msg.version() / 10) + "." + std::to_string(msg.version() % 10) + " " +
                      std::to_string(msg.result_int()) + " " + std::string(msg.reason()) + "\r\n";
    for (const auto& field : msg) out += std::string(field.name_string()) + ": " + std::string(field.value()) + "\r\n";
    out += "\r\n";
    out += msg.body();
    return out;
}

// Connects (and handshakes), then runs `body(stream)` with a deadline; either stream type.
template <class T, class Body>
T with_connection(const std::string& host, std::uint16_t port, bool tls, std::chrono::milliseconds timeout, Body body) {
    net::io_context ioc;
    std::optional<T> out;
    std::exception_ptr error;

    auto run = [&]() -> net::awaitable<void> {
        tcp::resolver resolver(ioc);
        auto endpoints = co_await resolver.async_resolve(host, std::to_string(port), net::use_awaitable);
        beast::tcp_stream stream(ioc);
        stream.expires_after(timeout);
        co_await stream.async_connect(endpoints, net::use_awaitable);
        if (!tls) {
            out = co_await body(stream);
            co_return;
        }
        net::ssl::context ctx(net::ssl::context::tls_client);
        ctx.set_verify_mode(net::ssl::verify_none);
        beast::ssl_stream<beast::tcp_stream> secure(std::move(stream), ctx);
        co_await secure.async_handshake(net::ssl::stream_base::client, net::use_awaitable);
        out = co_await body(secure);
    };
    net::co_spawn(ioc, run(), [&](std::exception_ptr e) { error = e; });
    ioc.run();
    if (error) std::rethrow_exception(error);
    return std::move(*out);
}

template <class Stream>
net::awaitable<bhttp::response<bhttp::string_body>> exchange(Stream& stream, bhttp::request<bhttp::string_body> req,
                                                             std::chrono::milliseconds timeout) {
    beast::get_lowest_layer(stream).expires_after(timeout);
    co_await bhttp::async_write(stream, req, net::use_awaitable);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (req.method() == bhttp::verb::head) parser.skip(true);
    co_await bhttp::async_read(stream, buffer, parser, net::use_awaitable);
    co_return parser.release();
}

template <class Stream>
net::awaitable<std::string> send_raw(Stream& stream, std::string bytes, std::chrono::milliseconds timeout) {
    beast::get_lowest_layer(stream).expires_after(timeout);
    // The server may answer and close before reading everything (e.g. a header over the limit).
    co_await net::async_write(stream, net::buffer(bytes), net::as_tuple(net::use_awaitable));
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, net::as_tuple(net::use_awaitable));
    if (ec) co_return std::string();
    co_return serialize(parser.get());
}

}  // namespace

boost::json::value HttpResponse::json() const { return boost::json::parse(body); }

std::string HttpResponse::header(std::string_view name) const {
    auto it = headers.find(lower(name));
    return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(std::string host, std::uint16_t port, bool tls)
    : host_(std::move(host)), port_(port), tls_(tls) {}

HttpResponse HttpClient::get(const std::string& path, const Headers& headers) {
    return request(bhttp::verb::get, path, {}, {}, headers);
}

HttpResponse HttpClient::post_form(const std::string& path,
                                   const std::vector<std::pair<std::string, std::string>>& params,
                                   const Headers& headers) {
    return request(bhttp::verb::post, path, form_encode(params), "application/x-www-form-urlencoded", headers);
}

HttpResponse HttpClient::post_json(const std::string& path, const boost::json::value& body, const Headers& headers) {
    return request(bhttp::verb::post, path, boost::json::serialize(body), "application/json", headers);
}

HttpResponse HttpClient::request(bhttp::verb method, const std::string& path, const std::string& body,
                                 const std::string& content_type, const Headers& headers) {
    bhttp::request<bhttp::string_body> req{method, path, 11};
    req.set(bhttp::field::host, host_ + ":" + std::to_string(port_));
    req.set(bhttp::field::user_agent, "gatehouse-tests");
    bool has_cookie = false;
    for (const auto& [name, value] : headers) {
        req.insert(name, value);
        has_cookie |= beast::iequals(name, "cookie");
    }
    if (!has_cookie && !cookies_.empty()) {
        std::string jar;
        for (const auto& [name, value] : cookies_) jar += (jar.empty() ? "" : "; ") + name + "=" + value;
        req.set(bhttp::field::cookie, jar);
    }
    if (!content_type.empty()) req.set(bhttp::field::content_type, content_type);
    req.body() = body;
    if (!body.empty() || method == bhttp::verb::post || method == bhttp::verb::put || method == bhttp::verb::patch)
        req.prepare_payload();

    auto timeout = timeout_;
    auto msg = with_connection<bhttp::response<bhttp::string_body>>(
        host_, port_, tls_, timeout, [&](auto& stream) { return exchange(stream, req, timeout); });
    auto res = convert(msg);
    remember_cookies(res);
    return res;
}

std::string HttpClient::raw(const std::string& bytes, std::chrono::milliseconds timeout) {
    return with_connection<std::string>(host_, port_, tls_, timeout,
                                        [&](auto& stream) { return send_raw(stream, bytes, timeout); });
}

void HttpClient::remember_cookies(const HttpResponse& res) {
    for (const auto& line : res.set_cookies) {
        auto first = std::string_view(line).substr(0, line.find(';'));
        auto eq = first.find('=');
        if (eq == std::string_view::npos) continue;
        std::string name(first.substr(0, eq)), value(first.substr(eq + 1));
        auto attrs = lower(line);
        bool expired = attrs.find("max-age=0") != std::string::npos || attrs.find("max-age=-") != std::string::npos ||
                       attrs.find("expires=thu, 01 jan 1970") != std::string::npos;
        if (expired)
            cookies_.erase(name);
        else
            cookies_[name] = value;
    }
}

std::string url_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    return out;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params) {
    std::string out;
    for (const auto& [name, value] : params) {
        if (!out.empty()) out += '&';
        out += url_encode(name) + "=" + url_encode(value);
    }
    return out;
}

namespace {

util::Params decode_params(std::string_view raw) {
    util::Params params;
    boost::urls::encoding_opts opts;
    opts.space_as_plus = true;
    auto decode = [&](std::string_view s) {
        auto pct = boost::urls::make_pct_string_view(s);
        return pct ? pct->decode(opts) : std::string(s);
    };
    while (!raw.empty()) {
        auto amp = raw.find('&');
        auto segment = raw.substr(0, amp);
        raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
        if (segment.empty()) continue;
        auto eq = segment.find('=');
        auto name = decode(segment.substr(0, eq));
        if (params.has(name)) continue;
        params.set(name, eq == std::string_view::npos ? std::string() : decode(segment.substr(eq + 1)));
    }
    return params;
}

}  // namespace

util::Params query_of(std::string_view url) {
    url = url.substr(0, url.find('#'));
    auto q = url.find('?');
    return q == std::string_view::npos ? util::Params{} : decode_params(url.substr(q + 1));
}

util::Params fragment_of(std::string_view url) {
    auto h = url.find('#');
    return h == std::string_view::npos ? util::Params{} : decode_params(url.substr(h + 1));
}

}  // namespace gatehouse::testing
