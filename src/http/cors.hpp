// CORS for browser clients (Auth0 SPA SDK): which origin is allowed is the caller's decision; this
// file only writes the headers.
#pragma once

#include <string>
#include <string_view>

#include "http/types.hpp"

namespace gatehouse::http {

// Access-Control-Allow-Origin: <origin>, Vary: Origin, Access-Control-Allow-Credentials: true.
void allow_cors(Response& res, std::string_view origin);

// Answers an OPTIONS pre-flight with 204. When allowed: the requested method if GET or POST, the
// requested headers limited to Auth0-Client, Content-Type, Authorization and DPoP, Max-Age 86400.
// When not allowed: a bare 204, so the browser blocks the real request.
Response cors_preflight(const Request& req, std::string_view origin, bool allowed);

// "scheme://host[:port]" of an absolute URL, scheme and host lower-cased, default port dropped;
// "" when `url` is not an absolute http(s) URL with a host.
std::string origin_of(std::string_view url);

}  // namespace gatehouse::http
