// Token issuance for a user's grant, shared by every grant that ends in a user's tokens.
#include "oauth/grants/grant.hpp"
#include "oauth/tokens.hpp"
#include "util/json.hpp"
#include "util/util.hpp"

namespace gatehouse::oauth::grants {
namespace json = boost::json;
OAuthError missing_parameter(std::string_view name) {
    return make_error(oauth_errc::invalid_request, "The request is missing a required parameter: " + std::string(name));
}

OAuthError grant_lookup_error(const boost::system::error_code& ec, std::string_view description,
                              std::string_view detail) {
    if (ec == store::store_errc::not_found)
        return make_error(oauth_errc::invalid_grant, std::string(description), std::string(detail));
    return make_error(oauth_errc::temporarily_unavailable, {}, "store: " + ec.message());
}

oauth_result<std::shared_ptr<const ApiView>> requested_api(GrantContext& ctx, const TokenRequest& request) {
    auto audience = request.params.get("audience");
    if (audience.empty()) audience = ctx.catalog.settings()->default_audience;
    if (audience.empty()) return std::shared_ptr<const ApiView>();
    auto api = ctx.catalog.api(audience);
    if (!api) return make_error(oauth_errc::access_denied, "Service not found: " + audience);
    return api;
}

std::string new_refresh_token(GrantContext&, const UserGrant& grant, const ClientView& client, std::int64_t now,
                              store::RefreshToken& row) {
    auto token = util::random_token(32);
    row.token_hash = util::sha256_b64url(token);
    row.grant_id = grant.grant_id;
    row.client_id = client.client_id;
    row.user_id = grant.user_id;
    row.scope = grant.scope;
    row.audience = grant.audience;
    row.session_id = grant.session_id;
    row.auth_time = grant.auth_time;
    row.created_at = now;
    row.expires_at = client.refresh_token.family_expires_at(now);
    row.idle_expires_at = client.refresh_token.idle_expires_at(now, row.expires_at);
    return token;
}

oauth_result<json::object> issue_user_tokens(GrantContext& ctx, const UserGrant& grant, const ClientView& client,
                                             std::optional<std::string> refresh_token, std::int64_t now) {
    ctx.user_id = grant.user_id;
    auto user = ctx.store.get_user(grant.user_id);
    if (!user) {
        (void)ctx.store.revoke_grant(grant.grant_id, now);
        return make_error(oauth_errc::invalid_grant, std::string(kDeletedUser));
    }
    if (util::json_bool(user->doc, "blocked", false)) return make_error(oauth_errc::invalid_grant, "user is blocked");

    std::shared_ptr<const ApiView> api;
    if (!grant.audience.empty()) {
        api = ctx.catalog.api(grant.audience);
        if (!api) return make_error(oauth_errc::access_denied, "Service not found: " + grant.audience);
    }
    AccessTokenSpec at;
    at.subject = grant.user_id;
    at.client_id = client.client_id;
    at.audience = grant.audience;
    // A login through an organization: its id (and name) in both tokens and the member's roles
    // there in RBAC, read again now; never anything the token request names.
    auto organization = grant_organization_claims(ctx.catalog, grant.grant_id, grant.user_id);
    if (!organization) return organization.error();
    static const std::vector<std::string> no_roles;
    auto access = user_api_access(ctx.store, api.get(), grant.user_id, grant.scope,
                                  *organization ? (*organization)->role_ids : no_roles);
    if (!access) return access.error();
    if (*organization) {
        at.org_id = (*organization)->id;
        at.org_name = (*organization)->name;
    }
    at.scope = std::move(access->scope);
    at.permissions = std::move(access->permissions);
    at.dialect = api ? api->token_dialect : TokenDialect::access_token;
    at.grant_id = grant.grant_id;
    at.gty = grant.gty;
    at.userinfo_audience = has_scope(grant.scope, "openid");
    at.lifetime = api ? api->token_lifetime : ctx.catalog.config().access_token_ttl;
    at.alg = api ? api->signing_alg : jose::Alg::RS256;
    auto access_token = issue_access_token(ctx.catalog, at, now);
    if (!access_token) return access_token.error();

    json::object body;
    body["access_token"] = *access_token;
    if (has_scope(grant.scope, "openid")) {
        IdTokenSpec id;
        id.user = &*user;
        id.client_id = client.client_id;
        id.nonce = grant.nonce;
        id.session_id = session_claim(grant.session_id);
        id.scope = grant.scope;
        id.auth_time = grant.auth_time;
        id.lifetime = client.id_token_ttl;
        if (*organization) {
            id.org_id = (*organization)->id;
            id.org_name = (*organization)->name;
        }
        auto id_token = sign_id_token(ctx.catalog, id, now);
        if (!id_token) return id_token.error();
        body["id_token"] = *id_token;
    }
    if (!refresh_token && grant.may_start_family && has_scope(grant.scope, "offline_access") &&
        client.allows_grant("refresh_token")) {
        store::RefreshToken row;
        auto token = new_refresh_token(ctx, grant, client, now, row);
        if (auto r = ctx.store.create_refresh_token(row); !r)
            return make_error(oauth_errc::server_error, {}, "cannot store refresh token: " + r.error().message());
        refresh_token = token;
    }
    if (refresh_token) body["refresh_token"] = *refresh_token;
    body["scope"] = at.scope;  // the token's: what RBAC left of the grant
    body["expires_in"] = at.lifetime;
    body["token_type"] = "Bearer";
    return body;
}

}  // namespace gatehouse::oauth::grants
