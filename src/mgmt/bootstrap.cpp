#include "mgmt/bootstrap.hpp"

#include "documents/documents.hpp"
#include "mgmt/mgmt.hpp"
#include "util/util.hpp"

#include <algorithm>
#include <boost/url.hpp>
#include <set>

namespace gatehouse::mgmt {
namespace {

namespace json = boost::json;

// "https://app.example.com:3000/callback" -> "https://app.example.com:3000".
std::string origin_of(std::string_view url) {
    auto u = boost::urls::parse_absolute_uri(url);
    if (!u || !u->has_authority()) return {};
    return std::string(u->scheme()) + "://" + std::string(u->encoded_authority());
}

json::array strings(const std::vector<std::string>& v) {
    json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
}

// {"value": "read:role_members", "description": "Read role members"}
json::object scope_document(const std::string& scope) {
    auto colon = scope.find(':');
    std::string what = scope.substr(colon + 1);
    for (auto& ch : what)
        if (ch == '_') ch = ' ';
    auto verb = scope.substr(0, colon);
    return json::object{{"value", scope},
                        {"description", verb == "read"     ? "Read " + what
                                        : verb == "create" ? "Create " + what
                                        : verb == "update" ? "Update " + what
                                                           : "Delete " + what}};
}

}  // namespace

store::result<BootstrapResult> bootstrap_tenant(store::Store& store, const BootstrapOptions& opts) {
    BootstrapResult out;
    auto now = util::unix_now();

    // 1. The Management API itself, with every scope the API checks.
    store::ResourceServer api;
    api.id = util::random_hex(24);
    api.identifier = opts.issuer + "api/v2/";
    json::array scopes;
    for (const auto& s : management_scopes()) scopes.push_back(scope_document(s));
    api.doc =
        json::object{{"name", std::string(management_api_name)}, {"scopes", std::move(scopes)}, {"is_system", true}};
    documents::apply_resource_server_defaults(api.doc, api.identifier);
    api.created_at = api.updated_at = now;
    if (auto r = store.create_resource_server(api); !r) return r.error();
    out.resource_server_id = api.id;
    out.api_identifier = api.identifier;

    // 2. The management client (machine to machine, secret in the body as the Node SDK sends it).
    store::Client mgmt;
    mgmt.client_id = opts.mgmt_client_id.empty() ? util::random_alnum(32) : opts.mgmt_client_id;
    out.mgmt_client_secret = opts.mgmt_client_secret.empty() ? util::random_token(48) : opts.mgmt_client_secret;
    mgmt.secret_hash = util::hash_secret(opts.secret_hash_key, out.mgmt_client_secret);
    mgmt.doc = json::object{{"name", "Gatehouse Management Client"},
                            {"app_type", "non_interactive"},
                            {"token_endpoint_auth_method", "client_secret_post"},
                            {"grant_types", json::array{"client_credentials"}}};
    documents::apply_client_defaults(mgmt.doc);
    mgmt.created_at = mgmt.updated_at = now;
    if (auto r = store.create_client(mgmt); !r) return r.error();
    out.mgmt_client_id = mgmt.client_id;

    // 3. Its grant for every management scope.
    store::ClientGrant grant;
    grant.id = "cgr_" + util::random_alnum(16);
    grant.client_id = mgmt.client_id;
    grant.audience = api.identifier;
    grant.scope = management_scopes();
    grant.created_at = now;
    if (auto r = store.create_client_grant(grant); !r) return r.error();
    out.client_grant_id = grant.id;

    json::array enabled{json::string(mgmt.client_id)};

    // 4. Optionally a public SPA for trying the login flow by hand.
    if (opts.demo) {
        store::Client spa;
        spa.client_id = util::random_alnum(32);
        std::vector<std::string> origins;
        for (const auto& cb : opts.demo_callbacks)
            if (auto o = origin_of(cb); !o.empty() && std::find(origins.begin(), origins.end(), o) == origins.end())
                origins.push_back(o);
        spa.doc = json::object{{"name", "Demo SPA"},
                               {"app_type", "spa"},
                               {"token_endpoint_auth_method", "none"},
                               {"grant_types", json::array{"authorization_code", "refresh_token"}},
                               {"callbacks", strings(opts.demo_callbacks)},
                               {"allowed_logout_urls", strings(origins)},
                               {"web_origins", strings(origins)},
                               {"allowed_origins", strings(origins)}};
        documents::apply_client_defaults(spa.doc);
        spa.created_at = spa.updated_at = now;
        if (auto r = store.create_client(spa); !r) return r.error();
        out.demo_client_id = spa.client_id;
        enabled.emplace_back(spa.client_id);
    }

    // 5. The default database connection, enabled for the clients above.
    store::Connection db;
    db.id = "con_" + util::random_alnum(16);
    db.name = std::string(default_database_connection);
    db.strategy = "auth0";
    db.doc = json::object{{"options", json::object{{"brute_force_protection", true}}},
                          {"enabled_clients", std::move(enabled)},
                          {"realms", json::array{json::string(db.name)}},
                          {"is_domain_connection", false}};
    db.version = 1;
    db.created_at = db.updated_at = now;
    if (auto r = store.create_connection(db); !r) return r.error();
    out.connection_id = db.id;
    return out;
}

store::result<std::size_t> grant_new_management_scopes(store::Store& store, const std::string& issuer) {
    auto api = store.get_resource_server_by_identifier(issuer + "api/v2/");
    if (!api) return api.error() == store::store_errc::not_found ? store::result<std::size_t>(0) : api.error();
    std::set<std::string> defined;
    json::array* scopes = nullptr;
    if (auto* v = api->doc.if_contains("scopes"); v && v->is_array()) scopes = &v->as_array();
    if (!scopes) scopes = &(api->doc["scopes"] = json::array{}).as_array();
    for (const auto& s : *scopes)
        if (const auto* value = s.is_object() ? s.as_object().if_contains("value") : nullptr;
            value && value->is_string())
            defined.emplace(value->as_string());
    std::vector<std::string> missing;
    for (const auto& s : management_scopes())
        if (!defined.contains(s)) missing.push_back(s);
    if (missing.empty()) return std::size_t{0};

    // The grants to widen: those holding every scope the API defined so far, i.e. "all of the
    // Management API" (the bootstrap client's). Narrower grants stay as the operator made them.
    std::vector<store::ClientGrant> full;
    for (std::size_t offset = 0;; offset += 100) {
        auto page = store.list_client_grants(store::Page{offset, 100}, "", api->identifier);
        if (!page) return page.error();
        for (auto& g : page->items) {
            std::set<std::string> held(g.scope.begin(), g.scope.end());
            if (std::includes(held.begin(), held.end(), defined.begin(), defined.end())) full.push_back(std::move(g));
        }
        if (page->items.size() < 100) break;
    }

    for (const auto& s : missing) scopes->push_back(scope_document(s));
    api->updated_at = util::unix_now();
    if (auto r = store.update_resource_server(*api); !r) return r.error();
    for (auto& g : full) {
        for (const auto& s : missing)
            if (std::find(g.scope.begin(), g.scope.end(), s) == g.scope.end()) g.scope.push_back(s);
        if (auto r = store.update_client_grant(g); !r) return r.error();
    }
    return missing.size();
}

store::result<bool> upgrade_management_api(store::Store& store, const std::string& issuer) {
    auto api = store.get_resource_server_by_identifier(issuer + "api/v2/");
    if (!api) return {boost::system::in_place_error, api.error()};
    const auto* name = api->doc.if_contains("name");
    if (name && name->is_string() && name->get_string() == management_api_name) return false;
    api->doc["name"] = management_api_name;
    api->updated_at = util::unix_now();
    if (auto r = store.update_resource_server(*api); !r) return {boost::system::in_place_error, r.error()};
    return true;
}

}  // namespace gatehouse::mgmt
