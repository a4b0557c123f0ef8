// A small synchronous HTTP/1.1 client for tests that talk to a real server over loopback: one
// fresh connection per call, a 10 s timeout per call, a per-object cookie jar and raw-bytes mode for
// malformed-input tests. Not for production use (TLS certificates are not verified).
#pragma once

#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/params.hpp"

namespace gatehouse::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names; repeated headers joined with ", "
    std::vector<std::string> set_cookies;        // every Set-Cookie, verbatim
    std::string body;

    // Parses the body; throws when it is not JSON.
    boost::json::value json() const;
    // The header value or "" when absent; `name` in any case.
    std::string header(std::string_view name) const;
};

class HttpClient {
  public:
    // `tls` speaks HTTPS without verifying the certificate (servers under test use self-signed ones).
    HttpClient(std::string host, std::uint16_t port, bool tls = false);

    HttpResponse get(const std::string& path, const Headers& headers = {});
    HttpResponse post_form(const std::string& path, const std::vector<std::pair<std::string, std::string>>& params,
                           const Headers& headers = {});
    HttpResponse post_json(const std::string& path, const boost::json::value& body, const Headers& headers = {});
    // Sends Cookie from the jar unless `headers` has one; stores every Set-Cookie of the answer.
    // Throws std::runtime_error on connection failures and timeouts.
    HttpResponse request(boost::beast::http::verb method, const std::string& path, const std::string& body = {},
                         const std::string& content_type = {}, const Headers& headers = {});

    // Sends `bytes` as they are and returns the raw response (status line, headers, body) of the
    // first answer, or "" when the server closes without answering or nothing comes in `timeout`.
    std::string raw(const std::string& bytes, std::chrono::milliseconds timeout = std::chrono::seconds(10));

    const std::map<std::string, std::string>& cookies() const { return cookies_; }
    void clear_cookies() { cookies_.clear(); }
    void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

  private:
    void remember_cookies(const HttpResponse& res);

    std::string host_;
    std::uint16_t port_;
    bool tls_;
    std::chrono::milliseconds timeout_{std::chrono::seconds(10)};
    std::map<std::string, std::string> cookies_;
};

// application/x-www-form-urlencoded, spaces as %20.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params);
// Percent-encodes everything except RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);
// The decoded query parameters of an absolute or relative URL (e.g. a Location header); a fragment
// is ignored. When a name repeats, the first value wins.
util::Params query_of(std::string_view url_or_location);
// The decoded fragment parameters of a URL (implicit-style responses).
util::Params fragment_of(std::string_view url);

}  // namespace gatehouse::testing
