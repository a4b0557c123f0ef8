// The vocabulary every http piece and every endpoint handler shares: request/response types,
// the per-request context and the handler signature.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <functional>
#include <string>

namespace gatehouse::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

struct RequestContext {
    const Request& req;
    std::string remote_ip;
    std::string path;   // target without the query, percent-decoded
    std::string query;  // raw, without the leading '?'
    bool tls = false;
    std::string log_client_id;  // set by handlers, printed in the access log
    std::string route;          // matched pattern, the metrics label; empty = unmatched
};

// Handlers are stored once in the Router and invoked by reference, never copied per request.
using Handler = std::function<net::awaitable<Response>(RequestContext&)>;

}  // namespace gatehouse::http
