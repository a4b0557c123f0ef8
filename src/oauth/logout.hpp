#pragma once

#include "oauth/authorize.hpp"
#include "oauth/catalog.hpp"
#include "util/params.hpp"

#include <boost/json.hpp>

#include <string>
#include <variant>

namespace gatehouse::oauth {

struct LogoutRedirect {
    std::string url;
};
struct LoggedOut {};  // no return URL: show a "you are signed out" page

// GET /v2/logout: where to send the browser after its session is cleared. returnTo must be one of
// the client's Allowed Logout URLs (query and fragment ignored, as Auth0 does); with no client_id,
// one of any client's. Anything else is an error page: never an open redirect (RFC 9700 §4.11).
std::variant<LogoutRedirect, LoggedOut, ErrorPage> decide_logout(Catalog& catalog, const util::Params& params);

// /.well-known/openid-configuration.
boost::json::object discovery_document(const TenantConfig& config);

}  // namespace gatehouse::oauth
