// The browser-facing routes of federation: GET /u/connection (start the upstream leg of a login)
// and GET /login/callback[/<connection>] (the provider's answer). Thin coroutine adapters over
// oauth::FederationService; they only parse the query, read the browser cookies and render.
#pragma once

#include "http/endpoints/endpoints.hpp"

namespace gatehouse::http {

// Registers nothing when services.federation is null (a server built without an upstream client).
void register_federation_endpoints(Router& router, Services& services);

}  // namespace gatehouse::http
