// /api/v2/resource-servers (wire contract §6.3). The identifier (the audience) is immutable and
// the system one (the Management API itself) can be neither changed nor deleted.
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

bool is_hex24(std::string_view id) {
    return id.size() == 24 &&
           std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool is_system(const store::ResourceServer& rs) {
    const auto* v = rs.doc.if_contains("is_system");
    return v && v->is_bool() && v->get_bool();
}

void check_body(BodyCheck& check, const json::object& body) {
    check.string("name", 1, 200)
        .integer("token_lifetime", 1, 2592000)
        .integer("token_lifetime_for_web", 1, 2592000)
        .boolean("allow_offline_access")
        .boolean("skip_consent_for_verifiable_first_party_clients")
        .boolean("enforce_policies")
        .one_of("signing_alg", {"RS256", "ES256", "EdDSA"})
        .one_of("token_dialect", {"access_token", "access_token_authz", "rfc9068_profile", "rfc9068_profile_authz"});
    if (!check.ok()) return;
    const auto* scopes = body.if_contains("scopes");
    if (!scopes) return;
    if (!scopes->is_array()) {
        check.fail(payload_error("Expected type array but found type " + std::string(type_name(*scopes)), "scopes"));
        return;
    }
    std::vector<std::string_view> seen;
    for (const auto& s : scopes->get_array()) {
        if (!s.is_object()) {
            check.fail(payload_error("Expected type object but found type " + std::string(type_name(s)), "scopes[]"));
            return;
        }
        BodyCheck item(s.get_object());
        item.allowed({"value", "description"}).required("value").string("value", 1, 280).string("description", 0, 500);
        if (item.error()) {
            check.fail(item.error()->message);
            return;
        }
        auto value = std::string_view(s.get_object().at("value").get_string());
        if (value.find(' ') != std::string_view::npos) {
            check.fail(payload_error("Scope values may not contain spaces", "scopes[].value"));
            return;
        }
        if (std::find(seen.begin(), seen.end(), value) != seen.end()) {
            check.fail(payload_error("Duplicate scope value: " + std::string(value), "scopes[].value"));
            return;
        }
        seen.push_back(value);
    }
}

// The path accepts the id or, as Auth0 does, the identifier (audience) itself.
expected<store::ResourceServer> load(Context& ctx) {
    const auto& id = ctx.params[0];
    auto rs = is_hex24(id) ? ctx.store.get_resource_server(id) : ctx.store.get_resource_server_by_identifier(id);
    if (!rs) return store_error(rs.error(), mgmt_errc::inexistent_resource_server, mgmt_errc::resource_server_conflict);
    return std::move(*rs);
}

ApiResponse list_resource_servers(Context& ctx) {
    auto paging = parse_paging(ctx.req, false);
    if (!paging) return render_error(paging.error());
    auto fields = parse_fields(ctx.req);
    if (!fields) return render_error(fields.error());
    auto identifiers = query_all(ctx.req, "identifiers");
    for (const auto& i : identifiers)
        if (!util::valid_utf8(i))
            return render_error(
                make_error(mgmt_errc::invalid_query_string, query_error("identifiers must be text", "identifiers")));
    auto page = identifiers.empty() ? ctx.store.list_resource_servers(store_page(*paging))
                                    : ctx.store.list_resource_servers_by_identifier(store_page(*paging), identifiers);
    if (!page) return render_error(make_error(mgmt_errc::internal_error));
    json::array items;
    for (const auto& rs : page->items) {
        auto o = documents::resource_server_to_json(rs);
        fields->apply(o);
        items.push_back(std::move(o));
    }
    std::size_t total = page->total;
    return list_response(*paging, "resource_servers", std::move(items), total);
}

ApiResponse get_resource_server(Context& ctx) {
    auto fields = parse_fields(ctx.req);
    if (!fields) return render_error(fields.error());
    auto rs = load(ctx);
    if (!rs) return render_error(rs.error());
    auto o = documents::resource_server_to_json(*rs);
    fields->apply(o);
    return json_response(200, o);
}

ApiResponse create_resource_server(Context& ctx) {
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    check
        .allowed({"name", "identifier", "scopes", "signing_alg", "token_lifetime", "token_lifetime_for_web",
                  "allow_offline_access", "skip_consent_for_verifiable_first_party_clients", "enforce_policies",
                  "token_dialect"})
        .required("identifier")
        .string("identifier", 1, 600);
    check_body(check, *body);
    if (!check.ok()) return render_error(*check.error());
    store::ResourceServer rs;
    rs.id = util::random_hex(24);
    rs.identifier = body->at("identifier").get_string();
    body->erase("identifier");
    rs.doc = std::move(*body);
    documents::apply_resource_server_defaults(rs.doc, rs.identifier);
    rs.created_at = rs.updated_at = util::unix_now();
    if (auto r = ctx.store.create_resource_server(rs); !r)
        return render_error(
            store_error(r.error(), mgmt_errc::inexistent_resource_server, mgmt_errc::resource_server_conflict));
    return json_response(201, documents::resource_server_to_json(rs));
}

ApiResponse update_resource_server(Context& ctx) {
    auto rs = load(ctx);
    if (!rs) return render_error(rs.error());
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    check.allowed({"name", "scopes", "signing_alg", "token_lifetime", "token_lifetime_for_web", "allow_offline_access",
                   "skip_consent_for_verifiable_first_party_clients", "enforce_policies", "token_dialect"});
    check_body(check, *body);
    if (!check.ok()) return render_error(*check.error());
    if (is_system(*rs))
        return render_error(make_error(mgmt_errc::operation_not_supported,
                                       "The system resource server (Management API) cannot be modified."));
    for (const auto& [k, v] : *body) rs->doc[k] = v;
    rs->updated_at = util::unix_now();
    if (auto r = ctx.store.update_resource_server(*rs); !r)
        return render_error(
            store_error(r.error(), mgmt_errc::inexistent_resource_server, mgmt_errc::resource_server_conflict));
    return json_response(200, documents::resource_server_to_json(*rs));
}

ApiResponse delete_resource_server(Context& ctx) {
    auto rs = load(ctx);
    if (!rs) return render_error(rs.error());
    if (is_system(*rs))
        return render_error(make_error(mgmt_errc::operation_not_supported,
                                       "The system resource server (Management API) cannot be deleted."));
    if (auto r = ctx.store.delete_resource_server(rs->id); !r)
        return render_error(
            store_error(r.error(), mgmt_errc::inexistent_resource_server, mgmt_errc::resource_server_conflict));
    // Grants for an API that no longer exists would only confuse a later API with the same identifier.
    if (auto grants = ctx.store.list_client_grants(store::Page{0, 100000}, "", rs->identifier))
        for (const auto& g : grants->items) (void)ctx.store.delete_client_grant(g.id);
    return no_content(204);
}

}  // namespace

std::span<const Route> resource_servers_routes() {
    static constexpr std::array routes = {
        Route{"GET", "/resource-servers", "read:resource_servers", &list_resource_servers},
        Route{"POST", "/resource-servers", "create:resource_servers", &create_resource_server},
        Route{"GET", "/resource-servers/{}", "read:resource_servers", &get_resource_server},
        Route{"PATCH", "/resource-servers/{}", "update:resource_servers", &update_resource_server},
        Route{"DELETE", "/resource-servers/{}", "delete:resource_servers", &delete_resource_server},
    };
    return routes;
}

}  // namespace gatehouse::mgmt::detail
