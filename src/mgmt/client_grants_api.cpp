// /api/v2/client-grants: which client may ask for which API (audience) with which scopes in the
// client_credentials grant.
#include "documents/documents.hpp"
#include "mgmt/paging.hpp"
#include "mgmt/request.hpp"
#include "mgmt/route.hpp"
#include "mgmt/validation.hpp"
#include "util/util.hpp"

#include <algorithm>

#include <array>

namespace gatehouse::mgmt::detail {
namespace {

bool valid_grant_id(std::string_view id) {
    return id.size() == 20 && id.starts_with("cgr_") && std::all_of(id.begin() + 4, id.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
           });
}

expected<store::ClientGrant> load_grant(Context& ctx) {
    const auto& id = ctx.params[0];
    if (!valid_grant_id(id)) return path_error("client-grant-id", id, "ID of the client grant");
    auto g = ctx.store.get_client_grant(id);
    if (!g) return store_error(g.error(), mgmt_errc::inexistent_client_grant, mgmt_errc::client_grant_conflict);
    return std::move(*g);
}

// Every requested scope must be one the API defines, so a typo fails now rather than at token time.
std::optional<ApiError> check_scopes(const json::array& scope, const store::ResourceServer& rs) {
    const auto* defined = rs.doc.if_contains("scopes");
    for (const auto& s : scope) {
        bool found = false;
        if (defined && defined->is_array())
            for (const auto& d : defined->get_array())
                if (d.is_object() && d.get_object().if_contains("value") && d.get_object().at("value") == s)
                    found = true;
        if (!found)
            return make_error(mgmt_errc::invalid_body, "Client grant scope " + std::string(s.get_string()) +
                                                           " is not defined by the resource server " + rs.identifier);
    }
    return std::nullopt;
}

std::vector<std::string> to_strings(const json::array& a) {
    std::vector<std::string> out;
    for (const auto& s : a)
        if (std::find(out.begin(), out.end(), s.get_string()) == out.end()) out.emplace_back(s.get_string());
    return out;
}

ApiResponse list_client_grants(Context& ctx) {
    auto paging = parse_paging(ctx.req, true);
    if (!paging) return render_error(paging.error());
    auto client_id = query_one(ctx.req, "client_id").value_or("");
    auto audience = query_one(ctx.req, "audience").value_or("");
    auto page = ctx.store.list_client_grants(store_page(*paging), client_id, audience);
    if (!page) return render_error(make_error(mgmt_errc::internal_error));
    json::array items;
    for (const auto& g : page->items) items.push_back(documents::client_grant_to_json(g));
    return list_response(*paging, "client_grants", std::move(items), page->total);
}

ApiResponse get_client_grant(Context& ctx) {
    auto g = load_grant(ctx);
    if (!g) return render_error(g.error());
    return json_response(200, documents::client_grant_to_json(*g));
}

// Auth0's client-grant fields beyond client_id, audience and scope. Gatehouse's grants authorize a
// client's own tokens (client_credentials) for the listed scopes, nothing else; every other value of
// these fields would describe an authorization Gatehouse does not apply (a user-access grant, all
// scopes, RAR types, organizations), so only the values that describe what it does are accepted.
// They are not stored: documents::client_grant_to_json renders them.
constexpr std::array<std::string_view, 6> kEnforcedFields = {
    "subject_type",       "allow_all_scopes",       "authorization_details_types",
    "organization_usage", "allow_any_organization", "default_for"};

void check_enforced_fields(BodyCheck& check) {
    check.one_of("subject_type", {"client", "user"})
        .boolean("allow_all_scopes")
        .string_array("authorization_details_types", 100)
        .one_of("organization_usage", {"deny", "allow", "require"})
        .boolean("allow_any_organization")
        .string("default_for", 0, 64, true);
    if (!check.ok()) return;
    const json::object& body = check.body();
    auto refuse = [&](std::string_view key, std::string_view why) {
        check.fail(payload_error(std::string(key) + " is not supported by this server: " + std::string(why), key));
    };
    auto is = [&](std::string_view key, const json::value& v) {
        const auto* found = body.if_contains(key);
        return !found || *found == v;
    };
    if (!is("subject_type", "client")) return refuse("subject_type", "client grants authorize client_credentials only");
    if (!is("allow_all_scopes", false)) return refuse("allow_all_scopes", "list the scopes");
    if (!is("authorization_details_types", json::array{}))
        return refuse("authorization_details_types", "authorization_details are not issued");
    if (!is("organization_usage", "deny")) return refuse("organization_usage", "only deny");
    if (!is("allow_any_organization", false)) return refuse("allow_any_organization", "only false");
    if (!is("default_for", nullptr)) return refuse("default_for", "only null");
}

ApiResponse create_client_grant(Context& ctx) {
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    std::vector<std::string_view> fields(kEnforcedFields.begin(), kEnforcedFields.end());
    fields.insert(fields.end(), {"client_id", "audience", "scope"});
    check.allowed(fields)
        .required("client_id")
        .required("audience")
        .required("scope")
        .string("client_id", 1, 64)
        .string("audience", 1, 600)
        .string_array("scope");
    check_enforced_fields(check);
    if (!check.ok()) return render_error(*check.error());
    std::string client_id(body->at("client_id").get_string());
    std::string audience(body->at("audience").get_string());
    if (auto c = ctx.store.get_client(client_id); !c)
        return render_error(store_error(c.error(), mgmt_errc::inexistent_client, mgmt_errc::client_conflict));
    auto rs = ctx.store.get_resource_server_by_identifier(audience);
    if (!rs)
        return render_error(
            store_error(rs.error(), mgmt_errc::inexistent_resource_server, mgmt_errc::resource_server_conflict));
    if (auto err = check_scopes(body->at("scope").get_array(), *rs)) return render_error(*err);
    store::ClientGrant g;
    g.id = "cgr_" + util::random_alnum(16);
    g.client_id = client_id;
    g.audience = audience;
    g.scope = to_strings(body->at("scope").get_array());
    g.created_at = util::unix_now();
    if (auto r = ctx.store.create_client_grant(g); !r)
        return render_error(
            store_error(r.error(), mgmt_errc::inexistent_client_grant, mgmt_errc::client_grant_conflict));
    return json_response(201, documents::client_grant_to_json(g));
}

ApiResponse update_client_grant(Context& ctx) {
    auto g = load_grant(ctx);
    if (!g) return render_error(g.error());
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    std::vector<std::string_view> fields(kEnforcedFields.begin(), kEnforcedFields.end());
    fields.push_back("scope");
    check.allowed(fields).string_array("scope");
    check_enforced_fields(check);
    if (!check.ok()) return render_error(*check.error());
    if (const auto* scope = body->if_contains("scope")) {
        auto rs = ctx.store.get_resource_server_by_identifier(g->audience);
        if (!rs)
            return render_error(
                store_error(rs.error(), mgmt_errc::inexistent_resource_server, mgmt_errc::resource_server_conflict));
        if (auto err = check_scopes(scope->get_array(), *rs)) return render_error(*err);
        g->scope = to_strings(scope->get_array());
    }
    if (auto r = ctx.store.update_client_grant(*g); !r)
        return render_error(
            store_error(r.error(), mgmt_errc::inexistent_client_grant, mgmt_errc::client_grant_conflict));
    return json_response(200, documents::client_grant_to_json(*g));
}

ApiResponse delete_client_grant(Context& ctx) {
    auto g = load_grant(ctx);
    if (!g) return render_error(g.error());
    if (auto r = ctx.store.delete_client_grant(g->id); !r)
        return render_error(
            store_error(r.error(), mgmt_errc::inexistent_client_grant, mgmt_errc::client_grant_conflict));
    return no_content(204);
}

}  // namespace

std::span<const Route> client_grants_routes() {
    static constexpr std::array routes = {
        Route{"GET", "/client-grants", "read:client_grants", &list_client_grants},
        Route{"POST", "/client-grants", "create:client_grants", &create_client_grant},
        Route{"GET", "/client-grants/{}", "read:client_grants", &get_client_grant},
        Route{"PATCH", "/client-grants/{}", "update:client_grants", &update_client_grant},
        Route{"DELETE", "/client-grants/{}", "delete:client_grants", &delete_client_grant},
    };
    return routes;
}

}  // namespace gatehouse::mgmt::detail
