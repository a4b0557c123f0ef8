// Internal to mgmt: how a resource family declares its routes. Each src/mgmt/<family>_api.cpp keeps
// its handlers to itself and exposes one table, `<family>_routes()`; api.cpp matches requests against
// every table and checks scopes before any handler runs, and management_scopes() is derived from the
// tables, so a new family is one new file and one line in api.cpp.
#pragma once

#include "mgmt/mgmt.hpp"
#include "store/event_log.hpp"
#include "store/store.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::mgmt::detail {

struct Context {
    store::Store& store;
    const Settings& settings;
    const ApiRequest& req;
    std::vector<std::string> params;    // decoded path parameters, in order
    store::EventLog* events = nullptr;  // the tenant logs; null: not logged
};

using Handler = ApiResponse (*)(Context&);

struct Route {
    std::string_view method;
    std::string_view pattern;  // "{}" segments are parameters
    std::string_view scopes;   // any of, comma separated
    Handler handler;
    // An end user's token reaches the route only with one of these scopes (Auth0's current_user
    // scopes) and only for its own user id (the first parameter); empty: never.
    std::string_view self_scopes = {};
};

using RouteTable = std::span<const Route> (*)();

std::span<const Route> connections_routes();
std::span<const Route> clients_routes();
std::span<const Route> resource_servers_routes();
std::span<const Route> client_grants_routes();
std::span<const Route> users_routes();
std::span<const Route> tenant_settings_routes();
std::span<const Route> email_provider_routes();
std::span<const Route> email_templates_routes();
std::span<const Route> roles_routes();
std::span<const Route> tickets_routes();
std::span<const Route> jobs_routes();
std::span<const Route> logs_routes();
std::span<const Route> organizations_routes();
std::span<const Route> signing_keys_routes();
std::span<const Route> absent_features_routes();

}  // namespace gatehouse::mgmt::detail
