// documents: Auth0's resource documents (clients, resource servers, connections, client grants) as
// stored records render them, and the defaults Auth0 fills into a document that leaves a field out.
// One place for both: the Management API applies the defaults when it creates a resource and
// renders records with these functions, and the OAuth side reads a stored document through the
// same defaults, so the two never disagree about what an absent field means. Depends on store.
#pragma once

#include "store/store.hpp"

#include <boost/json.hpp>

#include <string_view>

namespace gatehouse::documents {

boost::json::object connection_to_json(const store::Connection&);
boost::json::object client_to_json(const store::Client&);
boost::json::object resource_server_to_json(const store::ResourceServer&);
boost::json::object client_grant_to_json(const store::ClientGrant&);

// Fills Auth0's defaults for a client created through the API into `doc` (by app_type): fields
// already present are kept.
void apply_client_defaults(boost::json::object& doc);
// Fills Auth0's defaults for a resource server (API) whose identifier is `identifier`.
void apply_resource_server_defaults(boost::json::object& doc, std::string_view identifier);

// The longest lifetime of any token the tenant may have signed: `floor` (the tenant defaults), every
// API's token_lifetime and token_lifetime_for_web, every client's ID-token lifetime
// (jwt_configuration.lifetime_in_seconds), absent fields at Auth0's defaults. How long a rotated-out
// signing key stays published. Reads every API and client, a page at a time (rotation is rare).
store::result<std::int64_t> longest_token_lifetime(store::Store& store, std::int64_t floor);

}  // namespace gatehouse::documents
