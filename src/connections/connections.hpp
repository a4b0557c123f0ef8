// connections: where users come from. Owns the strategies a connection can have (auth0 database,
// oauth2, oidc and the wordpress/twitter presets), the validation of their options, the password
// hashing and login/signup of database connections, the Auth0 user JSON shape shared by the
// Management API and the token side, and the construction of the upstream /authorize URL with
// upstream_params. It performs no HTTP itself: federation callbacks and token exchange live in oauth.
#pragma once

#include "connections/database.hpp"
#include "connections/errc.hpp"
#include "connections/option_secrets.hpp"
#include "connections/password.hpp"
#include "connections/strategy.hpp"
#include "connections/upstream_params.hpp"
#include "connections/user_json.hpp"
