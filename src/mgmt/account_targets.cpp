#include "mgmt/account_targets.hpp"

#include "util/json.hpp"

namespace gatehouse::mgmt::detail {

expected<store::User> ticket_user(Context& ctx, const boost::json::object& body, mgmt_errc unknown) {
    auto u = ctx.store.get_user(body.at("user_id").get_string());
    if (!u) {
        if (u.error() != store::store_errc::not_found) return make_error(mgmt_errc::internal_error);
        return make_error(unknown, "The user does not exist.");
    }
    if (u->email.empty()) return make_error(mgmt_errc::operation_not_supported, "The user has no email address.");
    return std::move(*u);
}

expected<std::string> application_name(Context& ctx, const boost::json::object& body) {
    const auto* id = body.if_contains("client_id");
    if (!id) return std::string();
    auto client = ctx.store.get_client(id->get_string());
    if (!client) {
        if (client.error() != store::store_errc::not_found) return make_error(mgmt_errc::internal_error);
        return make_error(mgmt_errc::invalid_body, "The client does not exist.");
    }
    return util::json_string(client->doc, "name");
}

}  // namespace gatehouse::mgmt::detail
