// /api/v2/clients (wire contract §6.2). The client secret is shown on create and on
// rotate-secret only; the store keeps util::hash_secret of it.
#include "documents/documents.hpp"
#include "mgmt/paging.hpp"
#include "mgmt/request.hpp"
#include "mgmt/route.hpp"
#include "mgmt/validation.hpp"
#include "util/url.hpp"
#include "util/util.hpp"

#include <algorithm>
#include <array>

namespace gatehouse::mgmt::detail {
namespace {

bool valid_client_id(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

// Objects Auth0 merges one level deep on create (over defaults) and on update (over the stored value).
constexpr std::array<std::string_view, 3> merged_objects = {"jwt_configuration", "refresh_token", "client_metadata"};

// Every field of Auth0's client schema (auth0 7.1.0's CreateClientRequestContent /
// UpdateClientRequestContent); anything else is "Additional properties not allowed".
constexpr auto kClientFields = std::to_array<std::string_view>({
    "name",
    "description",
    "app_type",
    "token_endpoint_auth_method",
    "grant_types",
    "callbacks",
    "allowed_logout_urls",
    "web_origins",
    "allowed_origins",
    "allowed_clients",
    "is_first_party",
    "oidc_conformant",
    "sso",
    "sso_disabled",
    "cross_origin_auth",
    "cross_origin_authentication",
    "cross_origin_loc",
    "custom_login_page_on",
    "custom_login_page",
    "custom_login_page_preview",
    "form_template",
    "jwt_configuration",
    "refresh_token",
    "logo_uri",
    "client_metadata",
    "initiate_login_uri",
    "organization_usage",
    "organization_require_behavior",
    "client_aliases",
    "oidc_logout",
    "oidc_backchannel_logout",
    "session_transfer",
    "is_token_endpoint_ip_header_trusted",
    "encryption_key",
    "addons",
    "mobile",
    "native_social_login",
    "fedcm_login",
    "default_organization",
    "organization_discovery_methods",
    "client_authentication_methods",
    "require_pushed_authorization_requests",
    "require_proof_of_possession",
    "signed_request_object",
    "compliance_level",
    "skip_non_verifiable_callback_uri_confirmation_prompt",
    "token_exchange",
    "par_request_expiry",
    "token_quota",
    "third_party_security_mode",
    "redirection_policy",
    "express_configuration",
    "my_organization_configuration",
    "async_approval_notification_channels",
    "anonymous_sessions",
    "resource_server_identifier",
    "identity_assertion_authorization_grant",
    "token_vault_privileged_access",
    "b2b_integration_configuration",
});

// A secret chosen by the caller (PATCH only, as on Auth0): long enough that it cannot be guessed
// online, like the 64-character secrets Gatehouse generates.
constexpr std::size_t kMinChosenSecret = 32;

// Fields that would switch on a protection Gatehouse does not enforce (PAR, DPoP/mTLS binding,
// signed request objects, private_key_jwt or mTLS client authentication, FAPI profiles, quotas,
// back-channel logout, trusting a client's forwarded IP). Storing them would tell the tool the
// protection is on while it is not, so only their "off" value is accepted (and stored).
void check_not_enforced(BodyCheck& check) {
    if (!check.ok()) return;
    const json::object& body = check.body();
    auto refuse = [&](std::string_view key) {
        check.fail(
            payload_error(std::string(key) + " is not supported by this server: only its off value is accepted", key));
    };
    auto is_off = [](const json::value& v) {
        if (v.is_null() || (v.is_bool() && !v.get_bool())) return true;
        if (v.is_string()) return v.get_string().empty() || v.get_string() == "none";
        if (v.is_object()) {
            for (const auto& [k, inner] : v.get_object()) {
                if (k == "backchannel_logout_urls" && inner.is_array() && inner.get_array().empty()) continue;
                if (k == "backchannel_logout_initiators") continue;
                if ((k == "required" || k == "enabled") && inner.is_bool() && !inner.get_bool()) continue;
                return false;
            }
            return true;
        }
        return false;
    };
    for (std::string_view key :
         {"require_pushed_authorization_requests", "require_proof_of_possession", "signed_request_object",
          "client_authentication_methods", "compliance_level", "token_quota", "oidc_logout", "oidc_backchannel_logout",
          "is_token_endpoint_ip_header_trusted", "par_request_expiry", "identity_assertion_authorization_grant",
          "token_vault_privileged_access"})
        if (const auto* v = body.if_contains(key); v && !is_off(*v)) return refuse(key);
    if (const auto* rs = body.if_contains("resource_server_identifier"); rs && !rs->is_null())
        return refuse("resource_server_identifier");
}

// b2b_integration_configuration (Auth0's B2BIntegrationConfiguration): descriptive, stored as sent.
void check_b2b_integration(BodyCheck& check) {
    const auto* b2b = check.body().if_contains("b2b_integration_configuration");
    if (!check.ok() || !b2b) return;
    BodyCheck inner(b2b->get_object(), "b2b_integration_configuration.");
    inner.allowed({"sso_profiles", "integration_type"})
        .string_array("sso_profiles", 1)
        .one_of("integration_type", {"custom_auth_server", "third_party", "application"});
    if (inner.error()) check.fail(inner.error()->message);
}

void check_client_body(BodyCheck& check, bool update) {
    std::vector<std::string_view> fields(kClientFields.begin(), kClientFields.end());
    if (update) fields.push_back("client_secret");
    check.allowed(fields)
        .string("client_secret", kMinChosenSecret, 255)
        .object("b2b_integration_configuration")
        .string("name", 1, 128)
        .string("description", 0, 140)
        .one_of("app_type", {"native", "spa", "regular_web", "non_interactive", "sso_integration"})
        .one_of("token_endpoint_auth_method", {"none", "client_secret_post", "client_secret_basic"})
        .string_array("grant_types", 20)
        .string_array("callbacks")
        .string_array("allowed_logout_urls")
        .string_array("web_origins")
        .string_array("allowed_origins")
        .string_array("allowed_clients")
        .boolean("is_first_party")
        .boolean("oidc_conformant")
        .boolean("sso")
        .boolean("sso_disabled")
        .boolean("cross_origin_auth")
        .boolean("cross_origin_authentication")
        .string("cross_origin_loc")
        .boolean("custom_login_page_on")
        .object("jwt_configuration")
        .object("refresh_token")
        .string("logo_uri")
        .object("client_metadata")
        .string("initiate_login_uri")
        .one_of("organization_usage", {"deny", "allow", "require"})
        .one_of("organization_require_behavior", {"no_prompt", "pre_login_prompt", "post_login_prompt"})
        .string_array("client_aliases")
        .object("oidc_logout")
        .object("oidc_backchannel_logout")
        .object("session_transfer", true)
        .object("encryption_key", true)
        .string("custom_login_page", 0, 100000)
        .string("custom_login_page_preview", 0, 100000)
        .string("form_template", 0, 100000)
        .object("addons")
        .object("mobile")
        .object("native_social_login")
        .object("fedcm_login")
        .object("default_organization", true)
        .string_array("organization_discovery_methods", 10)
        .boolean("skip_non_verifiable_callback_uri_confirmation_prompt")
        .object("token_exchange")
        .object("express_configuration")
        .object("my_organization_configuration")
        .object("anonymous_sessions")
        .string("third_party_security_mode", 0, 64)
        .string("redirection_policy", 0, 64)
        .string_array("async_approval_notification_channels", 10);
    check_b2b_integration(check);
    check_not_enforced(check);
}

// The refresh_token object (Auth0's ClientRefreshTokenConfiguration), checked as the stored
// document will be after the body is merged in, so a PATCH of one field is checked with the rest.
std::optional<ApiError> check_refresh_token(const json::object& doc, const json::object& body) {
    const auto* rt = doc.if_contains("refresh_token");
    if (!body.contains("refresh_token") || !rt || !rt->is_object()) return std::nullopt;
    constexpr std::int64_t kMaxLifetime = 157788000;  // five years, Auth0's maximum
    BodyCheck check(rt->get_object(), "refresh_token.");
    check
        .allowed({"rotation_type", "expiration_type", "leeway", "token_lifetime", "idle_token_lifetime",
                  "infinite_token_lifetime", "infinite_idle_token_lifetime", "policies"})
        .required("rotation_type")
        .required("expiration_type")
        .one_of("rotation_type", {"rotating", "non-rotating"})
        .one_of("expiration_type", {"expiring", "non-expiring"})
        .integer("leeway", 0, kMaxLifetime)
        .integer("token_lifetime", 1, kMaxLifetime)
        .integer("idle_token_lifetime", 1, kMaxLifetime)
        .boolean("infinite_token_lifetime")
        .boolean("infinite_idle_token_lifetime");
    if (const auto* policies = rt->get_object().if_contains("policies"); policies && !policies->is_array())
        check.fail(payload_error("Expected type array but found type " + std::string(type_name(*policies)),
                                 "refresh_token.policies"));
    return check.error();
}

// jwt_configuration: the ID token lifetime is a whole number of seconds up to Auth0's 30 days (the
// token endpoint signs `exp` from it).
std::optional<ApiError> check_jwt_configuration(const json::object& doc, const json::object& body) {
    const auto* jwt = doc.if_contains("jwt_configuration");
    if (!body.contains("jwt_configuration") || !jwt || !jwt->is_object()) return std::nullopt;
    BodyCheck check(jwt->get_object(), "jwt_configuration.");
    check.integer("lifetime_in_seconds", 1, 2592000).boolean("secret_encoded");
    return check.error();
}

// security.md §4: the URLs of a client document, checked when the body sets them (or changes
// app_type, which decides whether callbacks may use a custom scheme). The first bad one is the
// answer, in Auth0's payload-error shape naming the item and why.
std::optional<ApiError> check_client_urls(const json::object& doc, const json::object& body) {
    struct UrlField {
        std::string_view key;
        std::string_view format;
        util::RegisteredUrl use;
    };
    constexpr std::array<UrlField, 5> fields = {{
        {"callbacks", "callback-url", util::RegisteredUrl::callback},
        {"allowed_logout_urls", "absolute-uri", util::RegisteredUrl::logout},
        {"web_origins", "origin", util::RegisteredUrl::web_origin},
        {"allowed_origins", "origin", util::RegisteredUrl::web_origin},
        {"initiate_login_uri", "absolute-https-uri-or-empty", util::RegisteredUrl::login},
    }};
    const auto* app_type = doc.if_contains("app_type");
    bool native = app_type && app_type->is_string() && app_type->get_string() == "native";
    auto bad = [](const UrlField& f, std::string_view url, std::string property, const std::string& why) {
        return make_error(mgmt_errc::invalid_body, payload_error("Object didn't pass validation for format " +
                                                                     std::string(f.format) + ": " + std::string(url),
                                                                 property + " (" + why + ")"));
    };
    for (const auto& f : fields) {
        bool retyped = f.key == "callbacks" && body.contains("app_type");
        const auto* v = doc.if_contains(f.key);
        if (!v || (!body.contains(f.key) && !retyped)) continue;
        if (v->is_string()) {
            // initiate_login_uri: "" means none, as on Auth0.
            const auto& url = v->get_string();
            if (url.empty()) continue;
            if (auto why = util::registered_url_problem(url, f.use, native))
                return bad(f, url, std::string(f.key), *why);
        } else if (v->is_array()) {
            const auto& items = v->get_array();
            for (std::size_t i = 0; i < items.size(); ++i) {
                if (!items[i].is_string()) continue;  // a stored document from before BodyCheck
                const auto& url = items[i].get_string();
                if (auto why = util::registered_url_problem(url, f.use, native))
                    return bad(f, url, std::string(f.key) + "[" + std::to_string(i) + "]", *why);
            }
        }
    }
    return std::nullopt;
}

void apply_fields(json::object& doc, const json::object& body) {
    for (const auto& [key, v] : body) {
        // Auth0's deprecated spelling is an alias of the current one.
        std::string_view k =
            key == "cross_origin_auth" ? std::string_view("cross_origin_authentication") : std::string_view(key);
        auto* existing = doc.if_contains(k);
        bool merge =
            std::find(merged_objects.begin(), merged_objects.end(), std::string_view(k)) != merged_objects.end();
        if (merge && existing && existing->is_object()) {
            for (const auto& [ik, iv] : v.get_object()) existing->get_object()[ik] = iv;
        } else {
            doc[k] = v;
        }
    }
}

bool is_public(const json::object& doc) {
    const auto* m = doc.if_contains("token_endpoint_auth_method");
    return m && m->is_string() && m->get_string() == "none";
}

std::string new_secret() { return util::random_token(48); }  // 64 base64url characters

expected<store::Client> load_client(Context& ctx) {
    const auto& id = ctx.params[0];
    if (!valid_client_id(id)) return path_error("client-id", id, "ID of the client");
    auto c = ctx.store.get_client(id);
    if (!c) return store_error(c.error(), mgmt_errc::inexistent_client, mgmt_errc::client_conflict);
    return std::move(*c);
}

// Auth0's tenant flag enable_client_connections (default true): a new application is enabled for
// every connection that exists when it is created, so it can log in at once. Best effort per
// connection (a concurrent edit of one connection is retried, then that connection is skipped):
// the client exists either way and PATCH /connections/{id}/clients can fix the rest.
void enable_on_every_connection(Context& ctx, const std::string& client_id) {
    auto conns = ctx.store.list_connections(store::Page{0, 100000}, {}, "");
    if (!conns) return;
    for (auto& listed : conns->items) {
        std::optional<store::Connection> conn(std::move(listed));
        for (int attempt = 0; attempt < 3 && conn; ++attempt) {
            auto* e = conn->doc.if_contains("enabled_clients");
            if (!e || !e->is_array()) e = &(conn->doc["enabled_clients"] = json::array());
            auto& arr = e->get_array();
            if (std::find(arr.begin(), arr.end(), json::value(client_id)) != arr.end()) break;
            arr.emplace_back(client_id);
            std::int64_t expected = conn->version;
            conn->version = expected + 1;
            conn->updated_at = util::unix_now();
            if (ctx.store.update_connection(*conn, expected)) break;
            auto fresh = ctx.store.get_connection(conn->id);
            conn = fresh ? std::optional<store::Connection>(std::move(*fresh)) : std::nullopt;
        }
    }
}

ApiResponse list_clients(Context& ctx) {
    auto paging = parse_paging(ctx.req, false);
    if (!paging) return render_error(paging.error());
    auto fields = parse_fields(ctx.req);
    if (!fields) return render_error(fields.error());
    auto app_type = query_one(ctx.req, "app_type");
    auto first_party = query_one(ctx.req, "is_first_party");
    auto global = query_one(ctx.req, "is_global");
    for (auto* b : {&first_party, &global})
        if (*b && **b != "true" && **b != "false")
            return render_error(make_error(mgmt_errc::invalid_query_string,
                                           query_error("Expected type boolean but found type string")));
    // Gatehouse has no global client: is_global=true matches none, so the store is not asked.
    if (global && *global == "true") return list_response(*paging, "clients", json::array(), 0);
    std::vector<std::string> app_types;
    if (app_type)
        for (std::string_view rest = *app_type;;) {
            auto comma = rest.find(',');
            app_types.emplace_back(rest.substr(0, comma));
            if (comma == std::string_view::npos) break;
            rest = rest.substr(comma + 1);
        }
    for (const auto& t : app_types)
        if (!util::valid_utf8(t))
            return render_error(
                make_error(mgmt_errc::invalid_query_string, query_error("app_type must be text", "app_type")));
    std::optional<bool> fp;
    if (first_party) fp = *first_party == "true";
    auto page = ctx.store.list_clients_filtered(store_page(*paging), app_types, fp);
    if (!page) return render_error(make_error(mgmt_errc::internal_error));
    json::array items;
    for (const auto& c : page->items) {
        auto o = documents::client_to_json(c);
        fields->apply(o);
        items.push_back(std::move(o));
    }
    std::size_t total = page->total;
    return list_response(*paging, "clients", std::move(items), total);
}

ApiResponse get_client(Context& ctx) {
    auto fields = parse_fields(ctx.req);
    if (!fields) return render_error(fields.error());
    auto c = load_client(ctx);
    if (!c) return render_error(c.error());
    auto o = documents::client_to_json(*c);
    fields->apply(o);
    return json_response(200, o);
}

ApiResponse create_client(Context& ctx) {
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    check_client_body(check, false);
    check.required("name");
    if (!check.ok()) return render_error(*check.error());
    store::Client c;
    c.client_id = util::random_alnum(32);
    json::object doc;
    for (auto k : {"name", "app_type", "token_endpoint_auth_method"})
        if (const auto* v = body->if_contains(k)) doc[k] = *v;
    documents::apply_client_defaults(doc);
    apply_fields(doc, *body);
    if (auto bad = check_refresh_token(doc, *body)) return render_error(*bad);
    if (auto bad = check_jwt_configuration(doc, *body)) return render_error(*bad);
    if (auto bad_url = check_client_urls(doc, *body)) return render_error(*bad_url);
    c.doc = std::move(doc);
    std::string secret;
    if (!is_public(c.doc)) {
        secret = new_secret();
        c.secret_hash = util::hash_secret(ctx.settings.secret_hash_key, secret);
    }
    c.created_at = c.updated_at = util::unix_now();
    if (auto r = ctx.store.create_client(c); !r)
        return render_error(store_error(r.error(), mgmt_errc::inexistent_client, mgmt_errc::client_conflict));
    enable_on_every_connection(ctx, c.client_id);
    auto o = documents::client_to_json(c);
    if (!secret.empty()) o["client_secret"] = secret;
    return json_response(201, o);
}

ApiResponse update_client(Context& ctx) {
    auto c = load_client(ctx);
    if (!c) return render_error(c.error());
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    check_client_body(check, true);
    if (!check.ok()) return render_error(*check.error());
    std::optional<std::string> chosen_secret;
    if (const auto* v = body->if_contains("client_secret")) {
        chosen_secret = std::string(v->get_string());
        body->erase("client_secret");  // never part of the stored document
    }
    apply_fields(c->doc, *body);
    if (auto bad = check_refresh_token(c->doc, *body)) return render_error(*bad);
    if (auto bad = check_jwt_configuration(c->doc, *body)) return render_error(*bad);
    if (auto bad_url = check_client_urls(c->doc, *body)) return render_error(*bad_url);
    std::string secret;
    if (chosen_secret && is_public(c->doc))
        return render_error(
            make_error(mgmt_errc::invalid_body,
                       payload_error("a client with token_endpoint_auth_method none has no secret", "client_secret")));
    if (is_public(c->doc)) {
        c->secret_hash.clear();
    } else if (chosen_secret) {
        // The caller knows it: not echoed back.
        c->secret_hash = util::hash_secret(ctx.settings.secret_hash_key, *chosen_secret);
    } else if (c->secret_hash.empty()) {
        // Turning a public client confidential needs a secret, and this is the only time it is shown.
        secret = new_secret();
        c->secret_hash = util::hash_secret(ctx.settings.secret_hash_key, secret);
    }
    c->updated_at = util::unix_now();
    if (auto r = ctx.store.update_client(*c); !r)
        return render_error(store_error(r.error(), mgmt_errc::inexistent_client, mgmt_errc::client_conflict));
    auto o = documents::client_to_json(*c);
    if (!secret.empty()) o["client_secret"] = secret;
    return json_response(200, o);
}

ApiResponse delete_client(Context& ctx) {
    auto c = load_client(ctx);
    if (!c) return render_error(c.error());
    if (auto r = ctx.store.delete_client(c->client_id); !r)
        return render_error(store_error(r.error(), mgmt_errc::inexistent_client, mgmt_errc::client_conflict));
    // A deleted client must not linger in enabled_clients (best effort: the client is gone either way).
    if (auto conns = ctx.store.list_connections(store::Page{0, 100000}, {}, "")) {
        for (auto& conn : conns->items) {
            auto* e = conn.doc.if_contains("enabled_clients");
            if (!e || !e->is_array()) continue;
            auto& arr = e->get_array();
            auto it = std::find(arr.begin(), arr.end(), json::value(c->client_id));
            if (it == arr.end()) continue;
            arr.erase(it);
            std::int64_t expected = conn.version;
            conn.version = expected + 1;
            conn.updated_at = util::unix_now();
            (void)ctx.store.update_connection(conn, expected);
        }
    }
    return no_content(204);
}

ApiResponse rotate_client_secret(Context& ctx) {
    auto c = load_client(ctx);
    if (!c) return render_error(c.error());
    std::string secret = new_secret();
    c->secret_hash = util::hash_secret(ctx.settings.secret_hash_key, secret);
    c->updated_at = util::unix_now();
    if (auto r = ctx.store.update_client(*c); !r)
        return render_error(store_error(r.error(), mgmt_errc::inexistent_client, mgmt_errc::client_conflict));
    auto o = documents::client_to_json(*c);
    o["client_secret"] = secret;
    return json_response(200, o);
}

}  // namespace

std::span<const Route> clients_routes() {
    static constexpr std::array routes = {
        Route{"GET", "/clients", "read:clients", &list_clients},
        Route{"POST", "/clients", "create:clients", &create_client},
        Route{"GET", "/clients/{}", "read:clients", &get_client},
        Route{"PATCH", "/clients/{}", "update:clients", &update_client},
        Route{"DELETE", "/clients/{}", "delete:clients", &delete_client},
        Route{"POST", "/clients/{}/rotate-secret", "update:clients,update:client_keys", &rotate_client_secret},
    };
    return routes;
}

}  // namespace gatehouse::mgmt::detail
