// RFC 6749 §4.4: the client credentials grant, for APIs the client holds a client grant of.
#include "oauth/grants/grant.hpp"
#include "oauth/tokens.hpp"

#include <algorithm>

namespace gatehouse::oauth::grants {

oauth_result<boost::json::object> client_credentials(GrantContext& ctx, const TokenRequest& request,
                                                     const ClientView& client, std::int64_t now) {
    if (client.is_public())
        return make_error(oauth_errc::unauthorized_client,
                          "Grant type 'client_credentials' not allowed for the client.");
    auto requested = requested_api(ctx, request);
    if (!requested) return requested.error();
    const auto& api = *requested;
    if (!api)
        return make_error(oauth_errc::access_denied,
                          "No audience parameter was provided, and no default audience has been configured");
    auto grant = ctx.catalog.client_grant(client.client_id, api->identifier);
    if (!grant)
        return make_error(oauth_errc::access_denied,
                          "Client is not authorized to access \"" + api->identifier +
                              "\". You need to create a \"client-grant\" associated to this API. See: "
                              "https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants");
    std::string scope;
    auto requested_scopes = split_scope(request.params.get("scope"));
    std::string not_granted;
    auto granted = [&](const std::string& s) {
        return std::find(grant->scope.begin(), grant->scope.end(), s) != grant->scope.end();
    };
    if (requested_scopes.empty()) {
        for (const auto& s : grant->scope) scope += (scope.empty() ? "" : " ") + s;
    } else {
        for (const auto& s : requested_scopes) {
            if (!granted(s)) {
                not_granted += (not_granted.empty() ? "" : ", ") + s;
            } else if (!has_scope(scope, s)) {
                scope += (scope.empty() ? "" : " ") + s;
            }
        }
        if (!not_granted.empty())
            return make_error(oauth_errc::access_denied, "Client has not been granted scopes: " + not_granted);
    }
    AccessTokenSpec at;
    at.subject = client.client_id + "@clients";
    at.client_id = client.client_id;
    at.audience = api->identifier;
    at.scope = scope;
    at.gty = "client-credentials";
    // A client's permissions are its client grant's scopes (Auth0 puts the granted ones in the claim).
    at.dialect = api->token_dialect;
    if (adds_permissions(at.dialect)) at.permissions = split_scope(scope);
    at.lifetime = api->token_lifetime;
    at.alg = api->signing_alg;
    auto token = issue_access_token(ctx.catalog, at, now);
    if (!token) return token.error();
    boost::json::object body;
    body["access_token"] = *token;
    body["scope"] = scope;
    body["expires_in"] = at.lifetime;
    body["token_type"] = "Bearer";
    return body;
}

}  // namespace gatehouse::oauth::grants
