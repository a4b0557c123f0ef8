#include "documents/documents.hpp"

#include "util/json.hpp"

#include <algorithm>

namespace gatehouse::documents {

namespace json = boost::json;

json::object connection_to_json(const store::Connection& c) {
    json::object o;
    o["id"] = c.id;
    o["name"] = c.name;
    o["strategy"] = c.strategy;
    for (const auto& [k, v] : c.doc) o[k] = v;
    if (!o.contains("options") || !o["options"].is_object()) o["options"] = json::object();
    // Auth0's default for database connections, which its tools send back explicitly.
    if (c.strategy == "auth0" && !o["options"].get_object().contains("disable_self_service_change_password"))
        o["options"].get_object()["disable_self_service_change_password"] = false;
    if (!o.contains("enabled_clients")) o["enabled_clients"] = json::array();
    if (!o.contains("is_domain_connection")) o["is_domain_connection"] = false;
    if (!o.contains("realms")) o["realms"] = json::array{json::string(c.name)};
    return o;
}

json::object client_to_json(const store::Client& c) {
    json::object o;
    o["client_id"] = c.client_id;
    for (const auto& [k, v] : c.doc) o[k] = v;
    // Documents written before Auth0 renamed the field keep the old spelling; they read back as Auth0 answers now.
    if (auto* legacy = o.if_contains("cross_origin_auth")) {
        if (!o.contains("cross_origin_authentication")) o["cross_origin_authentication"] = *legacy;
        o.erase("cross_origin_auth");
    }
    return o;
}

void apply_client_defaults(json::object& doc) {
    auto set_default = [&](std::string_view k, json::value v) {
        if (!doc.contains(k)) doc[k] = std::move(v);
    };
    std::string app_type = doc.contains("app_type") && doc["app_type"].is_string()
                               ? std::string(doc["app_type"].get_string())
                               : std::string();
    bool is_public = app_type == "spa" || app_type == "native";
    set_default("token_endpoint_auth_method", is_public ? "none" : "client_secret_post");
    if (app_type == "non_interactive")
        set_default("grant_types", json::array{"client_credentials"});
    else if (is_public)
        set_default("grant_types", json::array{"authorization_code", "implicit", "refresh_token"});
    else
        set_default("grant_types",
                    json::array{"authorization_code", "implicit", "refresh_token", "client_credentials"});
    for (std::string_view k : {"callbacks", "allowed_logout_urls", "web_origins", "allowed_origins", "allowed_clients"})
        set_default(k, json::array());
    set_default("is_first_party", true);
    set_default("oidc_conformant", true);
    set_default("sso_disabled", false);
    if (!doc.contains("cross_origin_auth")) set_default("cross_origin_authentication", false);
    set_default("custom_login_page_on", true);
    set_default("jwt_configuration",
                json::object{{"alg", "RS256"}, {"lifetime_in_seconds", 36000}, {"secret_encoded", false}});
    // Auth0's defaults for a client created through the API; a SPA gets what Auth0's dashboard
    // gives one (auth0-apps.md §4): rotation, and lifetimes that end.
    bool spa = app_type == "spa";
    set_default("refresh_token", json::object{{"rotation_type", spa ? "rotating" : "non-rotating"},
                                              {"expiration_type", spa ? "expiring" : "non-expiring"},
                                              {"leeway", 0},
                                              {"token_lifetime", 2592000},
                                              {"idle_token_lifetime", 1296000},
                                              {"infinite_token_lifetime", !spa},
                                              {"infinite_idle_token_lifetime", !spa}});
}

json::object resource_server_to_json(const store::ResourceServer& rs) {
    json::object o;
    o["id"] = rs.id;
    o["identifier"] = rs.identifier;
    for (const auto& [k, v] : rs.doc) o[k] = v;
    return o;
}

void apply_resource_server_defaults(json::object& doc, std::string_view identifier) {
    auto set_default = [&](std::string_view k, json::value v) {
        if (!doc.contains(k)) doc[k] = std::move(v);
    };
    set_default("name", json::string(identifier));
    set_default("scopes", json::array());
    set_default("signing_alg", "RS256");
    set_default("token_lifetime", 86400);
    set_default("token_lifetime_for_web", 7200);
    set_default("allow_offline_access", false);
    set_default("skip_consent_for_verifiable_first_party_clients", false);
    set_default("enforce_policies", false);
    set_default("token_dialect", "access_token");
    set_default("is_system", false);
}

json::object client_grant_to_json(const store::ClientGrant& g) {
    json::array scope;
    for (const auto& s : g.scope) scope.emplace_back(s);
    // Every grant is what Auth0 calls a client grant for subject_type "client" (client_credentials); the
    // Management API accepts no other kind.
    return json::object{{"id", g.id},
                        {"client_id", g.client_id},
                        {"audience", g.audience},
                        {"scope", std::move(scope)},
                        {"subject_type", "client"}};
}

store::result<std::int64_t> longest_token_lifetime(store::Store& store, std::int64_t floor) {
    constexpr std::size_t kPage = 100;
    std::int64_t longest = floor;
    for (std::size_t offset = 0;; offset += kPage) {
        auto page = store.list_resource_servers(store::Page{offset, kPage});
        if (!page) return page.error();
        for (const auto& rs : page->items) {
            longest = std::max(longest, util::json_int(rs.doc, "token_lifetime", 86400));
            longest = std::max(longest, util::json_int(rs.doc, "token_lifetime_for_web", 0));
        }
        if (page->items.size() < kPage) break;
    }
    for (std::size_t offset = 0;; offset += kPage) {
        auto page = store.list_clients(store::Page{offset, kPage});
        if (!page) return page.error();
        for (const auto& c : page->items)
            if (const auto* jwt = util::json_object(c.doc, "jwt_configuration"))
                longest = std::max(longest, util::json_int(*jwt, "lifetime_in_seconds", 0));
        if (page->items.size() < kPage) break;
    }
    return longest;
}

}  // namespace gatehouse::documents
