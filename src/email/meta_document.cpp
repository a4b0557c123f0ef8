#include "email/meta_document.hpp"

namespace gatehouse::email {

store::result<std::optional<boost::json::object>> load_meta_document(store::MetaStore& store, std::string_view key) {
    auto raw = store.get_meta(key);
    if (!raw) return raw.error();
    if (!*raw) return std::optional<boost::json::object>();
    boost::system::error_code ec;
    auto doc = boost::json::parse(**raw, ec);
    if (ec || !doc.is_object()) return make_error_code(store::store_errc::backend);
    return std::optional<boost::json::object>(std::move(doc.get_object()));
}

}  // namespace gatehouse::email
