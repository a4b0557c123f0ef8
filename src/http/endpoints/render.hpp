#pragma once

#include "http/types.hpp"
#include "oauth/authorize.hpp"
#include "oauth/error.hpp"

namespace gatehouse::http {

// The one way an OAuthError reaches the wire: JSON {error, error_description}, the table's status,
// no-store, and WWW-Authenticate where RFC 6750 / RFC 6749 §5.2 ask for it.
Response render_oauth_error(const oauth::OAuthError& error, bool basic_auth_used = false);

// An authorization response (code or error) in the request's response mode.
Response render_authorization_response(const oauth::AuthorizationResponse& response);

Response render_error_page(const oauth::ErrorPage& page);

}  // namespace gatehouse::http
