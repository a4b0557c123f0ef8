// One grant of the token endpoint (RFC 6749 §4, Auth0's extension grants): what each grant file
// implements, and the steps several grants share (user-token issuance, refresh-token rows, the
// errors of a missing parameter or an unknown grant). TokenService::exchange runs the shared
// sequence (parse -> grant lookup -> client authentication -> grant allowed for the client ->
// grant -> response); a grant only does its own step.
#pragma once

#include "oauth/catalog.hpp"
#include "oauth/error.hpp"
#include "oauth/password_login.hpp"
#include "oauth/token.hpp"
#include "store/store.hpp"

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::oauth::grants {

// What a grant may use: the configuration cache, the store, and the failed-login limit (null: off).
struct GrantContext {
    Catalog& catalog;
    store::Store& store;
    PasswordAttempts* password_attempts = nullptr;
    std::string user_id = {};  // set by the grant once it knows whose tokens these are (tenant logs)
};

// A grant's step: the request's client is authenticated and allowed this grant type.
using GrantHandler = oauth_result<boost::json::object> (*)(GrantContext&, const TokenRequest&, const ClientView&,
                                                           std::int64_t now);

oauth_result<boost::json::object> authorization_code(GrantContext&, const TokenRequest&, const ClientView&,
                                                     std::int64_t now);
oauth_result<boost::json::object> refresh_token(GrantContext&, const TokenRequest&, const ClientView&,
                                                std::int64_t now);
oauth_result<boost::json::object> client_credentials(GrantContext&, const TokenRequest&, const ClientView&,
                                                     std::int64_t now);
oauth_result<boost::json::object> password(GrantContext&, const TokenRequest&, const ClientView&, std::int64_t now);
oauth_result<boost::json::object> password_realm(GrantContext&, const TokenRequest&, const ClientView&,
                                                 std::int64_t now);

// --- shared by several grants ---

// invalid_request naming the missing parameter.
OAuthError missing_parameter(std::string_view name);

// Only "not found" means the grant is invalid: a store failure must not make clients discard
// their refresh tokens (SDKs retry a 5xx, but start over after invalid_grant).
OAuthError grant_lookup_error(const boost::system::error_code& ec, std::string_view description,
                              std::string_view detail);

inline constexpr std::string_view kDeletedUser =
    "The refresh_token was generated for a user who doesn't exist anymore.";

// The API a token request names in `audience`, else the tenant's default_audience; null for none.
// access_denied "Service not found" for an audience that is no API.
oauth_result<std::shared_ptr<const ApiView>> requested_api(GrantContext&, const TokenRequest&);

// A user's grant (a login, or a refresh of one) about to get tokens.
struct UserGrant {
    std::string grant_id;
    std::string user_id;
    std::string scope;
    std::string audience;
    std::string nonce;
    std::string session_id;
    std::int64_t auth_time = 0;
    std::string gty;  // the access token's gty claim: "refresh_token", or empty after a code exchange
    // A refresh never starts a family: a non-rotating exchange answers without a refresh token.
    bool may_start_family = true;
};

// access_token, id_token (with openid), refresh_token (the one given, or a new family member when
// offline_access was granted and the client has the refresh_token grant), scope, expires_in,
// token_type. Refuses a deleted or blocked user.
oauth_result<boost::json::object> issue_user_tokens(GrantContext&, const UserGrant&, const ClientView&,
                                                    std::optional<std::string> refresh_token, std::int64_t now);

// A new refresh token of `grant`'s family: fills `row` (stored by the caller) and returns the token.
// Its deadlines are those of a new family under the client's settings; a rotation replaces
// `expires_at` with the family's.
std::string new_refresh_token(GrantContext&, const UserGrant&, const ClientView&, std::int64_t now,
                              store::RefreshToken& row);

}  // namespace gatehouse::oauth::grants
