// The email module keeps its provider and templates as JSON documents in the store's meta table.
#pragma once

#include "store/store.hpp"

#include <boost/json.hpp>

#include <optional>
#include <string_view>

namespace gatehouse::email {

// The JSON object stored under `key`; nullopt when there is none, backend error when it is not JSON.
store::result<std::optional<boost::json::object>> load_meta_document(store::MetaStore& store, std::string_view key);

}  // namespace gatehouse::email
