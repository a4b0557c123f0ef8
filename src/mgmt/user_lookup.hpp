// Internal to mgmt: the user a /users/{id}/... route names, shared by the users family and the user
// routes of other families (roles, permissions).
#pragma once

#include "mgmt/request.hpp"
#include "mgmt/route.hpp"

namespace gatehouse::mgmt::detail {

// The user named by the first path parameter: 400 for a malformed id, 404 when unknown.
expected<store::User> load_user(Context&);

}  // namespace gatehouse::mgmt::detail
