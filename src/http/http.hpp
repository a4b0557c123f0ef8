// http: the HTTP/1.1 server Gatehouse runs on (Beast + Asio coroutines, optional TLS), the router,
// bounded parsers for query/form/JSON/cookies/Authorization, response builders with the security
// and caching headers, CORS and Prometheus metrics. It knows nothing of OAuth: endpoint handlers in
// http/endpoints/ adapt these pieces to the oauth and mgmt modules.
#pragma once

#include "http/cors.hpp"
#include "http/metrics.hpp"
#include "http/parse.hpp"
#include "http/response.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/types.hpp"
