// Internal to mgmt: the user a /users/{id}/... route names, shared by the users family and the user
// routes of other families (roles, permissions).
#pragma once

#include "mgmt/request.hpp"
#include "mgmt/route.hpp"

namespace gatehouse::mgmt::detail {

// The user named by the first path parameter: 400 for a malformed id, 404 when unknown.
expected<store::User> load_user(Context&);

// A user as lists of other resources show it (a role's users, an organization's members):
// {user_id, email, name, picture}, each when set.
json::object user_summary(const store::User&);

}  // namespace gatehouse::mgmt::detail
