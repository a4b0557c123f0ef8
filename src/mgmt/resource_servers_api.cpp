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

// Every field of Auth0's resource-server schema that a client may write (auth0 7.1.0's
// CreateResourceServerRequestContent / UpdateResourceServerRequestContent; `identifier` only on create).
constexpr auto kWritableFields = std::to_array<std::string_view>({
    "name",
    "scopes",
    "signing_alg",
    "signing_secret",
    "token_lifetime",
    "token_lifetime_for_web",
    "token_lifetime_for_anonymous_access_tokens",
    "allow_offline_access",
    "allow_online_access",
    "allow_online_access_with_ephemeral_sessions",
    "skip_consent_for_verifiable_first_party_clients",
    "enforce_policies",
    "token_dialect",
    "token_encryption",
    "consent_policy",
    "authorization_details",
    "proof_of_possession",
    "subject_type_authorization",
    "authorization_policy",
});

// The authorization_details types an API accepts (RFC 9396): [{"type": "..."}], or null.
void check_authorization_details(BodyCheck& check, const json::object& body) {
    const auto* details = body.if_contains("authorization_details");
    if (!check.ok() || !details || details->is_null()) return;
    if (!details->is_array()) {
        check.fail(payload_error("Expected type array but found type " + std::string(type_name(*details)),
                                 "authorization_details"));
        return;
    }
    if (details->get_array().size() > 100) {
        check.fail(payload_error("Array is too long (" + std::to_string(details->get_array().size()) + "), maximum 100",
                                 "authorization_details"));
        return;
    }
    for (const auto& item : details->get_array()) {
        if (!item.is_object()) {
            check.fail(payload_error("Expected type object but found type " + std::string(type_name(item)),
                                     "authorization_details[]"));
            return;
        }
        BodyCheck entry(item.get_object(), "authorization_details[].");
        entry.allowed({"type"}).required("type").string("type", 1, 255);
        if (entry.error()) {
            check.fail(entry.error()->message);
            return;
        }
    }
}

// subject_type_authorization: who may get tokens for the API. Gatehouse enforces one policy: any
// client may get a user's token for it, and a client's own token (client_credentials) needs a client
// grant. Only those values are accepted, so the document never claims a restriction that does not hold.
void check_subject_type_authorization(BodyCheck& check, const json::object& body) {
    const auto* sta = body.if_contains("subject_type_authorization");
    if (!check.ok() || !sta) return;
    if (!sta->is_object()) {
        check.fail(payload_error("Expected type object but found type " + std::string(type_name(*sta)),
                                 "subject_type_authorization"));
        return;
    }
    BodyCheck outer(sta->get_object(), "subject_type_authorization.");
    outer.allowed({"user", "client"}).object("user").object("client");
    if (outer.error()) return (void)check.fail(outer.error()->message);
    struct Subject {
        std::string_view name;
        std::initializer_list<std::string_view> policies;
        std::string_view enforced;
    };
    for (const auto& subject : {Subject{"user", {"allow_all", "deny_all", "require_client_grant"}, "allow_all"},
                                Subject{"client", {"deny_all", "require_client_grant"}, "require_client_grant"}}) {
        const auto* v = sta->get_object().if_contains(subject.name);
        if (!v) continue;
        std::string prefix = "subject_type_authorization." + std::string(subject.name) + ".";
        BodyCheck inner(v->get_object(), prefix);
        inner.allowed({"policy"}).one_of("policy", subject.policies);
        if (inner.error()) return (void)check.fail(inner.error()->message);
        if (const auto* policy = v->get_object().if_contains("policy");
            policy && policy->get_string() != subject.enforced)
            return (void)check.fail(payload_error(prefix + "policy " + std::string(policy->get_string()) +
                                                      " is not supported by this server: only " +
                                                      std::string(subject.enforced) + " is enforced",
                                                  prefix + "policy"));
    }
}

// Fields that would switch on a protection Gatehouse does not enforce (encrypted access tokens,
// transactional consent with MFA, DPoP/mTLS-bound tokens, authorization policies, HS256 secrets):
// only their "off" value (null, or proof_of_possession with required false) is accepted.
void check_not_enforced(BodyCheck& check, const json::object& body) {
    if (!check.ok()) return;
    auto refuse = [&](std::string_view key) {
        check.fail(
            payload_error(std::string(key) + " is not supported by this server: only its off value is accepted", key));
    };
    for (std::string_view key : {"token_encryption", "consent_policy", "authorization_policy", "signing_secret"})
        if (const auto* v = body.if_contains(key); v && !v->is_null()) return refuse(key);
    if (const auto* pop = body.if_contains("proof_of_possession"); pop && !pop->is_null()) {
        if (!pop->is_object())
            return (void)check.fail(payload_error("Expected type object but found type " + std::string(type_name(*pop)),
                                                  "proof_of_possession"));
        BodyCheck inner(pop->get_object(), "proof_of_possession.");
        inner.allowed({"mechanism", "required", "required_for"})
            .required("mechanism")
            .required("required")
            .one_of("mechanism", {"mtls", "dpop"})
            .boolean("required")
            .one_of("required_for", {"public_clients", "all_clients"});
        if (inner.error()) return (void)check.fail(inner.error()->message);
        if (pop->get_object().at("required").get_bool()) return refuse("proof_of_possession");
    }
}

void check_body(BodyCheck& check, const json::object& body) {
    check.string("name", 1, 200)
        .integer("token_lifetime", 1, 2592000)
        .integer("token_lifetime_for_web", 1, 2592000)
        .boolean("allow_offline_access")
        .boolean("allow_online_access")
        .boolean("allow_online_access_with_ephemeral_sessions")
        .boolean("skip_consent_for_verifiable_first_party_clients")
        .boolean("enforce_policies")
        .one_of("signing_alg", {"RS256", "ES256", "EdDSA"})
        .one_of("token_dialect", {"access_token", "access_token_authz", "rfc9068_profile", "rfc9068_profile_authz"});
    if (const auto* v = body.if_contains("token_lifetime_for_anonymous_access_tokens"); v && !v->is_null())
        check.integer("token_lifetime_for_anonymous_access_tokens", 1, 2592000);
    check_authorization_details(check, body);
    check_subject_type_authorization(check, body);
    check_not_enforced(check, body);
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
expected<store::ResourceServer> load_resource_server(Context& ctx) {
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
    auto rs = load_resource_server(ctx);
    if (!rs) return render_error(rs.error());
    auto o = documents::resource_server_to_json(*rs);
    fields->apply(o);
    return json_response(200, o);
}

ApiResponse create_resource_server(Context& ctx) {
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    std::vector<std::string_view> fields(kWritableFields.begin(), kWritableFields.end());
    fields.push_back("identifier");
    check.allowed(fields).required("identifier").string("identifier", 1, 600);
    check_body(check, *body);
    if (!check.ok()) return render_error(*check.error());
    store::ResourceServer rs;
    rs.id = util::random_hex(24);
    rs.identifier = body->at("identifier").get_string();
    body->erase("identifier");
    for (auto it = body->begin(); it != body->end();) it = it->value().is_null() ? body->erase(it) : std::next(it);
    rs.doc = std::move(*body);
    documents::apply_resource_server_defaults(rs.doc, rs.identifier);
    rs.created_at = rs.updated_at = util::unix_now();
    if (auto r = ctx.store.create_resource_server(rs); !r)
        return render_error(
            store_error(r.error(), mgmt_errc::inexistent_resource_server, mgmt_errc::resource_server_conflict));
    return json_response(201, documents::resource_server_to_json(rs));
}

ApiResponse update_resource_server(Context& ctx) {
    auto rs = load_resource_server(ctx);
    if (!rs) return render_error(rs.error());
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    check.allowed(kWritableFields);
    check_body(check, *body);
    if (!check.ok()) return render_error(*check.error());
    if (is_system(*rs))
        return render_error(make_error(mgmt_errc::operation_not_supported,
                                       "The system resource server (Management API) cannot be modified."));
    // A null clears a field (Auth0's nullable fields: token_encryption, consent_policy, ...).
    for (const auto& [k, v] : *body)
        if (v.is_null())
            rs->doc.erase(k);
        else
            rs->doc[k] = v;
    rs->updated_at = util::unix_now();
    if (auto r = ctx.store.update_resource_server(*rs); !r)
        return render_error(
            store_error(r.error(), mgmt_errc::inexistent_resource_server, mgmt_errc::resource_server_conflict));
    return json_response(200, documents::resource_server_to_json(*rs));
}

ApiResponse delete_resource_server(Context& ctx) {
    auto rs = load_resource_server(ctx);
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
