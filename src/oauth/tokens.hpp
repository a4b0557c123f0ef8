#pragma once

#include "oauth/catalog.hpp"
#include "oauth/error.hpp"
#include "oauth/organizations.hpp"
#include "store/model.hpp"
#include "store/store.hpp"

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace gatehouse::oauth {

struct AccessTokenSpec {
    std::string subject;    // user id, or "<client_id>@clients" for client_credentials
    std::string client_id;  // azp
    std::string audience;   // API identifier; empty = a token for /userinfo only
    std::string scope;
    std::string grant_id;            // the login this token descends from; empty for client_credentials
    std::string gty;                 // Auth0's grant-type claim: "client-credentials", "refresh_token" or empty
    bool userinfo_audience = false;  // openid was granted: aud also names <issuer>userinfo
    std::int64_t lifetime = 86400;
    jose::Alg alg = jose::Alg::RS256;
    TokenDialect dialect = TokenDialect::access_token;  // the API's token_dialect
    std::vector<std::string> permissions;               // the `permissions` claim of the *_authz dialects
    std::string org_id;                                 // a login through an organization (org_id claim)
    std::string org_name;                               // and its name, when the tenant releases names
};

// A user's access to one API under the API's RBAC policy (auth0-apps.md §6), the one place that
// decides it for every user token (code, refresh, password grants, and /authorize's own tokens):
// with `enforce_policies`, the API scopes of `granted_scope` the user holds no permission for are
// dropped (OIDC scopes and offline_access stay); the *_authz dialects carry every permission the
// user holds for the API. Read from the store at each issuance, so a refresh after a role is taken
// away no longer carries its permissions.
struct UserApiAccess {
    std::string scope;
    std::vector<std::string> permissions;  // filled only when the dialect carries them
};
// `extra_role_ids`: roles the login adds, the member's roles in the organization it went through.
oauth_result<UserApiAccess> user_api_access(store::RoleStore& roles, const ApiView* api, std::string_view user_id,
                                            std::string_view granted_scope,
                                            const std::vector<std::string>& extra_role_ids = {});

struct IdTokenSpec {
    const store::User* user = nullptr;
    std::string client_id;
    std::string nonce;
    std::string session_id;
    std::string scope;
    std::int64_t auth_time = 0;
    std::int64_t lifetime = 36000;
    // Issued next to the ID token by /authorize: bound by c_hash / at_hash (OIDC Core §3.3.2.11).
    std::string code;
    std::string access_token;
    std::string org_id;
    std::string org_name;
};

// A JWT signed with spec.alg for an API audience; without one, Auth0's opaque form: a JWE
// ("dir"/"A256GCM") only this tenant can read, good for /userinfo.
oauth_result<std::string> issue_access_token(Catalog&, const AccessTokenSpec&, std::int64_t now);
// The claims of an opaque access token issued by issue_access_token (not yet checked: exp, aud).
oauth_result<boost::json::object> decrypt_access_token(const TenantConfig& config, std::string_view token);
// Always RS256: Auth0's SPA SDK accepts nothing else for ID tokens.
oauth_result<std::string> sign_id_token(Catalog&, const IdTokenSpec&, std::int64_t now);

// Tokens that /authorize returns itself (implicit and hybrid response types), through the same
// minting as the token endpoint: the access token lives the API's token_lifetime_for_web.
struct AuthorizationEndpointGrant {
    const store::User* user = nullptr;
    const ClientView* client = nullptr;
    std::string grant_id;  // the code's, when one is issued too: replaying it revokes these tokens
    std::string scope;
    std::string audience;
    std::string nonce;
    std::string session_id_hash;
    std::int64_t auth_time = 0;
    std::string code;  // non-empty: the ID token carries its c_hash
    bool access_token = false;
    bool id_token = false;
    const OrganizationClaims* organization = nullptr;  // a login through an organization
};
struct AuthorizationEndpointTokens {
    std::string access_token;
    std::int64_t expires_in = 0;
    std::string id_token;
};
oauth_result<AuthorizationEndpointTokens> issue_authorization_endpoint_tokens(Catalog&,
                                                                              const AuthorizationEndpointGrant&,
                                                                              std::int64_t now);

// The ID token's sid for a session: identifies it stably without revealing its store key.
std::string session_claim(std::string_view session_id_hash);

// c_hash / at_hash: base64url of the left half of the SHA-256 of `value` (RS256, the ID tokens' alg).
std::string left_half_hash(std::string_view value);

// OIDC standard claims of `user` that `scope` releases (profile, email), shared by the ID token
// and /userinfo. `sub` is not included.
boost::json::object profile_claims(const store::User& user, std::string_view scope);

// The grant id carried in an access token's jti ("<grant_id>.<nonce>"), or "" when it has none.
std::string grant_id_of_jti(std::string_view jti);

bool has_scope(std::string_view scope_list, std::string_view scope);

// The Management API scopes an end user may hold (Auth0's *current_user* scopes), all of them about
// the user itself; every other Management API scope is for client_credentials tokens only.
bool is_end_user_management_scope(std::string_view scope);
// A space-separated list (scope, prompt) as its items, empty items dropped.
std::vector<std::string> split_scope(std::string_view list);

}  // namespace gatehouse::oauth
