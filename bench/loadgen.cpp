// gatehouse_loadgen: a small closed-loop HTTP/1.1 load driver for the multi-step OAuth round trips
// that wrk cannot express (cookies, redirects, values carried from one response to the next request).
// One thread, one io_context, N keep-alive connections, each running the scenario in a loop; every
// round trip's latency goes into a list that is sorted at the end (exact p50/p99, no bucketing).
//
//   gatehouse_loadgen run --port P --scenario code|login|refresh|get [options]   -> one JSON line
//   gatehouse_loadgen once --port P [options]       -> one code round trip, prints the token response
//   gatehouse_loadgen probe --port P --path /x --since-ns T  -> ms from T to the first 200 answer
//
// Scenarios (the server's paths are options, so the same code drives Gatehouse and oidc-provider):
//   code     authorize with the session cookie -> code -> token exchange with PKCE (2 requests).
//            The session is made by the first round trip of each connection, during warm-up.
//   login    fresh cookie jar: authorize -> login form -> POST credentials -> code -> token (4).
//   refresh  one code round trip with offline_access at set-up, then refresh_token rotation (1).
//   get      GET --path (to check the driver itself against wrk).
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using net::awaitable;
using net::use_awaitable;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    std::string mode, scenario = "code", host = "127.0.0.1", port = "8080";
    std::string path = "/healthz", authorize_path = "/authorize", token_path = "/oauth/token";
    std::string login_path = "/u/login", client_id, redirect_uri = "http://localhost:3000/callback";
    std::string scope = "openid", audience, username, password, extra_authorize;
    int connections = 16;
    double duration = 10, warmup = 2;
    long long since_ns = 0;
    int timeout_ms = 10000;
};

std::string url_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string url_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else if (s[i] == '+') {
            out += ' ';
        } else {
            out += s[i];
        }
    }
    return out;
}

std::string b64url(const unsigned char* p, size_t n) {
    std::string out(4 * ((n + 2) / 3) + 1, '\0');
    int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), p, static_cast<int>(n));
    out.resize(static_cast<size_t>(len));
    for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
    while (!out.empty() && out.back() == '=') out.pop_back();
    return out;
}

// A query parameter of a URL (or of the part after '?').
std::optional<std::string> query_param(std::string_view url, std::string_view name) {
    auto q = url.find('?');
    if (q == std::string_view::npos) return std::nullopt;
    auto rest = url.substr(q + 1);
    if (auto h = rest.find('#'); h != std::string_view::npos) rest = rest.substr(0, h);
    while (!rest.empty()) {
        auto amp = rest.find('&');
        auto part = rest.substr(0, amp);
        auto eq = part.find('=');
        if (part.substr(0, eq) == name) return url_decode(eq == std::string_view::npos ? "" : part.substr(eq + 1));
        if (amp == std::string_view::npos) break;
        rest = rest.substr(amp + 1);
    }
    return std::nullopt;
}

// "key":"value" in a flat JSON object (enough for token responses).
std::optional<std::string> json_string(std::string_view body, std::string_view key) {
    std::string needle = "\"" + std::string(key) + "\":";
    auto p = body.find(needle);
    if (p == std::string_view::npos) return std::nullopt;
    p = body.find('"', p + needle.size());
    if (p == std::string_view::npos) return std::nullopt;
    auto e = body.find('"', p + 1);
    return std::string(body.substr(p + 1, e - p - 1));
}

std::string html_unescape(std::string s) {
    static const std::pair<const char*, const char*> ents[] = {
        {"&quot;", "\""}, {"&#39;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}};
    for (auto [from, to] : ents)
        for (size_t p; (p = s.find(from)) != std::string::npos;) s.replace(p, std::strlen(from), to);
    return s;
}

std::string form_field(std::string_view html, std::string_view name) {
    std::string needle = "name=\"" + std::string(name) + "\" value=\"";
    auto p = html.find(needle);
    if (p == std::string_view::npos) throw std::runtime_error("login form has no " + std::string(name));
    p += needle.size();
    return html_unescape(std::string(html.substr(p, html.find('"', p) - p)));
}

struct Stats {
    std::vector<uint32_t> latencies_us;
    long long requests = 0, roundtrips = 0, errors = 0;
    std::string last_error;
};

using Response = http::response<http::string_body>;

class Client {
  public:
    Client(net::io_context& io, const Options& o) : io_(io), o_(o), stream_(io) {}
    long long requests = 0;
    std::map<std::string, std::string> jar;

    awaitable<Response> send(http::verb verb, std::string target, std::string body = {},
                             std::string authorization = {}) {
        if (!connected_) {
            tcp::resolver resolver(io_);
            auto eps = co_await resolver.async_resolve(o_.host, o_.port, use_awaitable);
            co_await stream_.async_connect(eps, use_awaitable);
            stream_.socket().set_option(tcp::no_delay(true));
            connected_ = true;
        }
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, o_.host + ":" + o_.port);
        req.set(http::field::user_agent, "gatehouse-loadgen");
        if (!jar.empty()) {
            std::string cookie;
            for (auto& [k, v] : jar) cookie += (cookie.empty() ? "" : "; ") + k + "=" + v;
            req.set(http::field::cookie, cookie);
        }
        if (!authorization.empty()) req.set(http::field::authorization, authorization);
        if (verb == http::verb::post) {
            req.set(http::field::content_type, "application/x-www-form-urlencoded");
            req.body() = std::move(body);
        }
        req.keep_alive(true);
        req.prepare_payload();
        Response res;
        try {
            co_await http::async_write(stream_, req, use_awaitable);
            co_await http::async_read(stream_, buffer_, res, use_awaitable);
        } catch (...) {
            close();
            throw;
        }
        ++requests;
        for (auto it = res.find(http::field::set_cookie); it != res.end() && it->name() == http::field::set_cookie;
             ++it) {
            std::string_view c = it->value();
            auto pair = c.substr(0, c.find(';'));
            auto eq = pair.find('=');
            if (eq == std::string_view::npos) continue;
            std::string name(pair.substr(0, eq)), value(pair.substr(eq + 1));
            bool expired = c.find("Max-Age=0") != std::string_view::npos ||
                           c.find("max-age=0") != std::string_view::npos ||
                           c.find("expires=Thu, 01 Jan 1970") != std::string_view::npos;
            if (expired || value.empty())
                jar.erase(name);
            else
                jar[name] = value;
        }
        if (!res.keep_alive()) close();
        co_return res;
    }

    void close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        stream_.close();
        buffer_.clear();
        connected_ = false;
    }

  private:
    net::io_context& io_;
    const Options& o_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    bool connected_ = false;
};

// Path (with query) of a Location header, absolute or relative to the server.
std::string local_target(std::string_view location) {
    auto scheme = location.find("://");
    if (scheme == std::string_view::npos) return std::string(location);
    auto slash = location.find('/', scheme + 3);
    return slash == std::string_view::npos ? "/" : std::string(location.substr(slash));
}

struct Pkce {
    std::string verifier, challenge;
};

Pkce make_pkce() {
    Pkce p;
    p.verifier = "bench-verifier-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(p.verifier.data()), p.verifier.size(), d);
    p.challenge = b64url(d, sizeof d);
    return p;
}

class Scenario {
  public:
    Scenario(const Options& o) : o_(o), pkce_(make_pkce()) {
        authorize_ = o.authorize_path + "?response_type=code&client_id=" + url_encode(o.client_id) +
                     "&redirect_uri=" + url_encode(o.redirect_uri) + "&scope=" + url_encode(o.scope) +
                     "&state=bench-state&code_challenge=" + pkce_.challenge + "&code_challenge_method=S256";
        if (!o.audience.empty()) authorize_ += "&audience=" + url_encode(o.audience);
        if (!o.extra_authorize.empty()) authorize_ += "&" + o.extra_authorize;
    }

    // Follows redirects from /authorize until the client's redirect_uri; logs in on the way when
    // the server shows its login form. Returns the code.
    awaitable<std::string> authorize(Client& c) const {
        std::string target = authorize_;
        for (int hop = 0; hop < 10; ++hop) {
            auto res = co_await c.send(http::verb::get, target);
            if (res.result_int() == 200 && target.starts_with(o_.login_path)) {
                auto state = form_field(res.body(), "state");
                auto csrf = form_field(res.body(), "csrf");
                std::string body = "state=" + url_encode(state) + "&csrf=" + url_encode(csrf) +
                                   "&username=" + url_encode(o_.username) + "&password=" + url_encode(o_.password);
                res = co_await c.send(http::verb::post, o_.login_path, std::move(body));
            }
            auto status = res.result_int();
            if (status < 300 || status > 399)
                throw std::runtime_error("authorize: HTTP " + std::to_string(status) + " at " + target + ": " +
                                         res.body().substr(0, 200));
            std::string location(res[http::field::location]);
            if (location.starts_with(o_.redirect_uri)) {
                auto code = query_param(location, "code");
                if (!code) throw std::runtime_error("authorize: no code in " + location);
                co_return *code;
            }
            target = local_target(location);
        }
        throw std::runtime_error("authorize: too many redirects");
    }

    awaitable<std::string> exchange(Client& c, const std::string& code) const {
        std::string body = "grant_type=authorization_code&client_id=" + url_encode(o_.client_id) +
                           "&code=" + url_encode(code) + "&redirect_uri=" + url_encode(o_.redirect_uri) +
                           "&code_verifier=" + pkce_.verifier;
        auto res = co_await c.send(http::verb::post, o_.token_path, std::move(body));
        if (res.result_int() != 200)
            throw std::runtime_error("token: HTTP " + std::to_string(res.result_int()) + ": " +
                                     res.body().substr(0, 300));
        co_return res.body();
    }

    awaitable<std::string> refresh(Client& c, const std::string& token) const {
        std::string body =
            "grant_type=refresh_token&client_id=" + url_encode(o_.client_id) + "&refresh_token=" + url_encode(token);
        auto res = co_await c.send(http::verb::post, o_.token_path, std::move(body));
        if (res.result_int() != 200)
            throw std::runtime_error("refresh: HTTP " + std::to_string(res.result_int()) + ": " +
                                     res.body().substr(0, 300));
        auto next = json_string(res.body(), "refresh_token");
        if (!next) throw std::runtime_error("refresh: no refresh_token in the answer");
        co_return *next;
    }

  private:
    const Options& o_;
    Pkce pkce_;
    std::string authorize_;
};

// One connection of the load. setup() runs for every connection before the warm-up clock starts, so
// the logins that give each connection its session (argon2id, ~35 ms each) never share the CPU with
// measured round trips.
struct Worker {
    Client c;
    std::string refresh_token;

    Worker(net::io_context& io, const Options& o) : c(io, o) {}

    awaitable<void> setup(const Options& o, const Scenario& sc) {
        if (o.scenario == "code") {
            co_await sc.exchange(c, co_await sc.authorize(c));
        } else if (o.scenario == "refresh") {
            auto body = co_await sc.exchange(c, co_await sc.authorize(c));
            auto rt = json_string(body, "refresh_token");
            if (!rt) throw std::runtime_error("no refresh_token from the code exchange (scope offline_access?)");
            refresh_token = *rt;
        }
    }

    awaitable<void> step(const Options& o, const Scenario& sc) {
        if (o.scenario == "get") {
            auto res = co_await c.send(http::verb::get, o.path);
            if (res.result_int() != 200) throw std::runtime_error("GET: HTTP " + std::to_string(res.result_int()));
        } else if (o.scenario == "login") {
            c.jar.clear();
            co_await sc.exchange(c, co_await sc.authorize(c));
        } else if (o.scenario == "code") {
            co_await sc.exchange(c, co_await sc.authorize(c));
        } else if (o.scenario == "refresh") {
            refresh_token = co_await sc.refresh(c, refresh_token);
        } else {
            throw std::runtime_error("unknown scenario " + o.scenario);
        }
    }

    awaitable<void> loop(const Options& o, const Scenario& sc, Stats& st, Clock::time_point start,
                         Clock::time_point end) {
        while (Clock::now() < end) {
            auto t0 = Clock::now();
            bool failed = false;
            try {
                co_await step(o, sc);
            } catch (const std::exception& e) {
                if (t0 >= start) ++st.errors;
                st.last_error = e.what();
                c.close();
                failed = true;
            }
            if (failed) {
                // A failed step may have lost the session or the rotated refresh token: set up again.
                try {
                    co_await setup(o, sc);
                } catch (const std::exception& e) {
                    st.last_error = e.what();
                }
                continue;
            }
            auto t1 = Clock::now();
            if (t0 >= start && t1 <= end) {
                ++st.roundtrips;
                st.latencies_us.push_back(
                    static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count()));
            }
        }
        st.requests += c.requests;
    }
};

double percentile(std::vector<uint32_t>& v, double p) {
    if (v.empty()) return 0;
    size_t k = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())));
    std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
    return v[k] / 1000.0;
}

int run(const Options& o) {
    net::io_context io(1);
    Scenario sc(o);
    Stats st;
    std::vector<std::unique_ptr<Worker>> workers;
    for (int i = 0; i < o.connections; ++i) {
        workers.push_back(std::make_unique<Worker>(io, o));
        net::co_spawn(io, workers.back()->setup(o, sc), [&st](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                st.last_error = ex.what();
                ++st.errors;
            }
        });
    }
    io.run();
    if (st.errors > 0) {
        std::fprintf(stderr, "gatehouse_loadgen: setup failed: %s\n", st.last_error.c_str());
        return 1;
    }
    auto start = Clock::now() + std::chrono::milliseconds(static_cast<long>(o.warmup * 1000));
    auto end = start + std::chrono::milliseconds(static_cast<long>(o.duration * 1000));
    for (auto& w : workers) net::co_spawn(io, w->loop(o, sc, st, start, end), net::detached);
    io.restart();
    io.run();
    double secs = o.duration;
    double p50 = percentile(st.latencies_us, 50), p99 = percentile(st.latencies_us, 99);
    std::string err = st.last_error;
    for (auto& ch : err)
        if (ch == '"' || ch == '\\' || ch < ' ') ch = ' ';
    std::printf(
        "{\"scenario\":\"%s\",\"connections\":%d,\"roundtrips\":%lld,\"rate\":%.1f,\"requests_total\":%lld,"
        "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"errors\":%lld,\"last_error\":\"%s\"}\n",
        o.scenario.c_str(), o.connections, st.roundtrips, st.roundtrips / secs, st.requests, p50, p99, st.errors,
        err.substr(0, 300).c_str());
    return st.roundtrips > 0 ? 0 : 1;
}

int once(const Options& o) {
    net::io_context io(1);
    Scenario sc(o);
    int rc = 1;
    net::co_spawn(
        io,
        [&]() -> awaitable<void> {
            Client c(io, o);
            try {
                auto body = co_await sc.exchange(c, co_await sc.authorize(c));
                std::cout << body << "\n";
                rc = 0;
            } catch (const std::exception& e) {
                std::cerr << "gatehouse_loadgen once: " << e.what() << "\n";
            }
        },
        net::detached);
    io.run();
    return rc;
}

// Polls GET --path every millisecond until it answers 200; prints ms since --since-ns (CLOCK_REALTIME).
int probe(const Options& o) {
    auto deadline = Clock::now() + std::chrono::milliseconds(o.timeout_ms);
    while (Clock::now() < deadline) {
        try {
            net::io_context io(1);
            tcp::socket s(io);
            s.connect(tcp::endpoint(net::ip::make_address(o.host), static_cast<unsigned short>(std::stoi(o.port))));
            http::request<http::empty_body> req{http::verb::get, o.path, 11};
            req.set(http::field::host, o.host + ":" + o.port);
            http::write(s, req);
            beast::flat_buffer b;
            Response res;
            http::read(s, b, res);
            if (res.result_int() == 200) {
                auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
                std::printf("%.1f\n", (now - o.since_ns) / 1e6);
                return 0;
            }
        } catch (...) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::fprintf(stderr, "gatehouse_loadgen probe: no answer within %d ms\n", o.timeout_ms);
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    if (argc < 2) {
        std::cerr << "usage: gatehouse_loadgen run|once|probe [--option value]...\n";
        return 2;
    }
    o.mode = argv[1];
    std::map<std::string, std::string*> strings = {{"--scenario", &o.scenario},
                                                   {"--host", &o.host},
                                                   {"--port", &o.port},
                                                   {"--path", &o.path},
                                                   {"--authorize-path", &o.authorize_path},
                                                   {"--token-path", &o.token_path},
                                                   {"--login-path", &o.login_path},
                                                   {"--client-id", &o.client_id},
                                                   {"--redirect-uri", &o.redirect_uri},
                                                   {"--scope", &o.scope},
                                                   {"--audience", &o.audience},
                                                   {"--username", &o.username},
                                                   {"--password", &o.password},
                                                   {"--extra-authorize", &o.extra_authorize}};
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (auto it = strings.find(k); it != strings.end())
            *it->second = v;
        else if (k == "--connections")
            o.connections = std::stoi(v);
        else if (k == "--duration")
            o.duration = std::stod(v);
        else if (k == "--warmup")
            o.warmup = std::stod(v);
        else if (k == "--since-ns")
            o.since_ns = std::stoll(v);
        else if (k == "--timeout-ms")
            o.timeout_ms = std::stoi(v);
        else {
            std::cerr << "gatehouse_loadgen: unknown option " << k << "\n";
            return 2;
        }
    }
    if (o.mode == "run") return run(o);
    if (o.mode == "once") return once(o);
    if (o.mode == "probe") return probe(o);
    std::cerr << "gatehouse_loadgen: unknown mode " << o.mode << "\n";
    return 2;
}
