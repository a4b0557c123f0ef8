// Internal to mgmt: what the tickets and jobs families share, reading a body that names a user
// (and optionally the application) that a ticket or mail is for.
#pragma once

#include "mgmt/request.hpp"
#include "mgmt/route.hpp"

#include <boost/json.hpp>

#include <string>

namespace gatehouse::mgmt::detail {

// The user of body.user_id (validated as a string before); a user that does not exist is `unknown`
// (404 for tickets, 400 for jobs, as Auth0 answers), one without an email address is refused.
expected<store::User> ticket_user(Context& ctx, const boost::json::object& body, mgmt_errc unknown);

// The name of the application of body.client_id, which must exist; "" without one.
expected<std::string> application_name(Context& ctx, const boost::json::object& body);

}  // namespace gatehouse::mgmt::detail
