#pragma once

#include "connections/errc.hpp"
#include "store/store.hpp"

#include <boost/json.hpp>

#include <string_view>

namespace gatehouse::connections {

// Upstream credentials inside a connection's options (client_secret) are sealed at rest like the
// signing keys (security.md §7): the database holds "sealed:" + jose::seal(secret), and only the
// Management API (which Auth0 lets read them) and the federation leg see them in clear.

// Seals every secret option of a request body. Its values are always clear text, even one that
// happens to look sealed.
result<void> seal_option_secrets(boost::json::object& options, std::string_view sealing_key);

// Opens the sealed secret options of a stored document in place; values stored before sealing
// existed pass through unchanged. Fails when a sealed value does not open under this key.
result<void> unseal_option_secrets(boost::json::object& options, std::string_view sealing_key);

// Upgrade of databases written before sealing: seals every clear secret option still stored.
// Returns how many connections were rewritten.
result<std::size_t> seal_stored_option_secrets(store::Store& store, std::string_view sealing_key);

}  // namespace gatehouse::connections
