#include "oauth/token.hpp"

#include "oauth/pkce.hpp"
#include "oauth/tokens.hpp"
#include "util/json.hpp"
#include "util/util.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace gatehouse::oauth {
namespace json = boost::json;

namespace {

constexpr std::string_view kInvalidCode = "Invalid authorization code";
constexpr std::string_view kInvalidCodeOrVerifier = "Invalid authorization code or code verifier";
// spa-js falls back to the iframe when the description contains "invalid refresh token".
constexpr std::string_view kInvalidRefresh = "Unknown or invalid refresh token.";
constexpr std::string_view kDeletedUser = "The refresh_token was generated for a user who doesn't exist anymore.";

// Only "not found" means the grant is invalid: a store failure must not make clients discard
// their refresh tokens (SDKs retry a 5xx, but start over after invalid_grant).
OAuthError grant_lookup_error(const boost::system::error_code& ec, std::string_view description,
                              std::string_view detail) {
    if (ec == store::store_errc::not_found)
        return make_error(oauth_errc::invalid_grant, std::string(description), std::string(detail));
    return make_error(oauth_errc::temporarily_unavailable, {}, "store: " + ec.message());
}

OAuthError missing(std::string_view name) {
    return make_error(oauth_errc::invalid_request, "The request is missing a required parameter: " + std::string(name));
}

}  // namespace

TokenService::TokenService(Catalog& catalog, store::Store& store) : catalog_(catalog), store_(store) {}

oauth_result<json::object> TokenService::exchange(const TokenRequest& request, std::int64_t now) {
    using Grant = oauth_result<json::object> (TokenService::*)(const TokenRequest&, const ClientView&, std::int64_t);
    Grant grant = nullptr;
    if (request.grant_type == "authorization_code") {
        grant = &TokenService::authorization_code;
    } else if (request.grant_type == "refresh_token") {
        grant = &TokenService::refresh_token;
    } else if (request.grant_type == "client_credentials") {
        grant = &TokenService::client_credentials;
    } else if (request.grant_type.empty()) {
        return missing("grant_type");
    } else {
        return make_error(oauth_errc::unsupported_grant_type, "Unsupported grant type: " + request.grant_type);
    }
    auto client = authenticate_client(catalog_, request.credentials);
    if (!client) return client.error();
    if (!(*client)->allows_grant(request.grant_type))
        return make_error(oauth_errc::unauthorized_client,
                          "Grant type '" + request.grant_type + "' not allowed for the client.");
    return (this->*grant)(request, **client, now);
}

oauth_result<json::object> TokenService::authorization_code(const TokenRequest& request, const ClientView& client,
                                                            std::int64_t now) {
    auto code_value = request.params.get("code");
    if (code_value.empty()) return missing("code");
    auto code = store_.consume_code(util::sha256_b64url(code_value), now);
    if (!code) return grant_lookup_error(code.error(), kInvalidCode, "unknown code");
    if (code->consumed_at != 0) {
        // RFC 6749 §4.1.2: a code used twice revokes every token already issued from it.
        (void)store_.revoke_grant(code->grant_id, now);
        return make_error(oauth_errc::invalid_grant, std::string(kInvalidCode), "code replayed; grant revoked");
    }
    if (code->expires_at <= now)
        return make_error(oauth_errc::invalid_grant, std::string(kInvalidCode), "code expired");
    if (code->client_id != client.client_id)
        return make_error(oauth_errc::invalid_grant, std::string(kInvalidCode), "code issued to another client");
    // RFC 6749 §4.1.3: redirect_uri must be identical to the one of the authorization request.
    auto redirect_uri = request.params.find("redirect_uri");
    if (!redirect_uri) return missing("redirect_uri");
    if (*redirect_uri != code->redirect_uri)
        return make_error(oauth_errc::invalid_grant, std::string(kInvalidCodeOrVerifier), "redirect_uri mismatch");
    auto verifier = request.params.find("code_verifier");
    if (code->code_challenge.empty()) {
        // RFC 9700 §2.1.1: a verifier without a challenge is a downgrade attempt.
        if (verifier) return make_error(oauth_errc::invalid_grant, std::string(kInvalidCodeOrVerifier), "no challenge");
    } else if (!verifier || !verify_pkce(*verifier, code->code_challenge, code->code_challenge_method)) {
        return make_error(oauth_errc::invalid_grant, std::string(kInvalidCodeOrVerifier), "PKCE verification failed");
    }
    UserGrant grant{code->grant_id, code->user_id,    code->scope,     code->audience,
                    code->nonce,    code->session_id, code->auth_time, false};
    return issue_user_tokens(grant, client, std::nullopt, now);
}

std::string TokenService::new_refresh_token(const UserGrant& grant, const ClientView& client, std::int64_t now,
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
    row.expires_at =
        now + (client.refresh_token_ttl > 0 ? client.refresh_token_ttl : catalog_.config().refresh_token_ttl);
    return token;
}

oauth_result<json::object> TokenService::refresh_token(const TokenRequest& request, const ClientView& client,
                                                       std::int64_t now) {
    auto presented = request.params.get("refresh_token");
    if (presented.empty()) return missing("refresh_token");
    auto hash = util::sha256_b64url(presented);
    auto current = store_.get_refresh_token(hash);
    if (!current) return grant_lookup_error(current.error(), kInvalidRefresh, "unknown refresh token");
    if (current->client_id != client.client_id)
        return make_error(oauth_errc::invalid_grant, std::string(kInvalidRefresh), "issued to another client");
    if (current->revoked_at != 0) {
        // Deleting a user revokes its families; Auth0 still names the reason.
        if (auto user = store_.get_user(current->user_id); !user && user.error() == store::store_errc::not_found)
            return make_error(oauth_errc::invalid_grant, std::string(kDeletedUser), "user deleted");
        return make_error(oauth_errc::invalid_grant, std::string(kInvalidRefresh), "refresh token revoked");
    }
    if (current->expires_at <= now)
        return make_error(oauth_errc::invalid_grant, std::string(kInvalidRefresh), "refresh token expired");

    UserGrant grant{current->grant_id,
                    current->user_id,
                    current->scope,
                    current->audience,
                    {},
                    current->session_id,
                    current->auth_time,
                    true};
    store::RefreshToken next;
    auto next_token = new_refresh_token(grant, client, now, next);
    auto before = store_.rotate_refresh_token(hash, next, now);
    if (!before) return grant_lookup_error(before.error(), kInvalidRefresh, "vanished during rotation");
    if (before->rotated_at != 0 || before->revoked_at != 0) {
        // RFC 9700 §4.14.2: reuse of a rotated refresh token revokes the whole family.
        (void)store_.revoke_grant(current->grant_id, now);
        return make_error(oauth_errc::invalid_grant, std::string(kInvalidRefresh),
                          "refresh token reused; family revoked");
    }
    return issue_user_tokens(grant, client, next_token, now);
}

oauth_result<json::object> TokenService::issue_user_tokens(const UserGrant& grant, const ClientView& client,
                                                           std::optional<std::string> refresh_token, std::int64_t now) {
    auto user = store_.get_user(grant.user_id);
    if (!user) {
        (void)store_.revoke_grant(grant.grant_id, now);
        return make_error(oauth_errc::invalid_grant, std::string(kDeletedUser));
    }
    if (util::json_bool(user->doc, "blocked", false)) return make_error(oauth_errc::invalid_grant, "user is blocked");

    std::shared_ptr<const ApiView> api;
    if (!grant.audience.empty()) {
        api = catalog_.api(grant.audience);
        if (!api) return make_error(oauth_errc::access_denied, "Service not found: " + grant.audience);
    }
    AccessTokenSpec at;
    at.subject = grant.user_id;
    at.client_id = client.client_id;
    at.audience = grant.audience;
    at.scope = grant.scope;
    at.grant_id = grant.grant_id;
    at.gty = grant.refreshed ? "refresh_token" : "";
    at.userinfo_audience = has_scope(grant.scope, "openid");
    at.lifetime = api ? api->token_lifetime : catalog_.config().access_token_ttl;
    at.alg = api ? api->signing_alg : jose::Alg::RS256;
    auto access_token = issue_access_token(catalog_, at, now);
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
        auto id_token = sign_id_token(catalog_, id, now);
        if (!id_token) return id_token.error();
        body["id_token"] = *id_token;
    }
    if (!refresh_token && has_scope(grant.scope, "offline_access") && client.allows_grant("refresh_token")) {
        store::RefreshToken row;
        auto token = new_refresh_token(grant, client, now, row);
        if (auto r = store_.create_refresh_token(row); !r)
            return make_error(oauth_errc::server_error, {}, "cannot store refresh token: " + r.error().message());
        refresh_token = token;
    }
    if (refresh_token) body["refresh_token"] = *refresh_token;
    body["scope"] = grant.scope;
    body["expires_in"] = at.lifetime;
    body["token_type"] = "Bearer";
    return body;
}

oauth_result<json::object> TokenService::client_credentials(const TokenRequest& request, const ClientView& client,
                                                            std::int64_t now) {
    if (client.is_public())
        return make_error(oauth_errc::unauthorized_client,
                          "Grant type 'client_credentials' not allowed for the client.");
    auto audience = request.params.get("audience");
    if (audience.empty())
        return make_error(oauth_errc::access_denied,
                          "No audience parameter was provided, and no default audience has been configured");
    auto api = catalog_.api(audience);
    if (!api) return make_error(oauth_errc::access_denied, "Service not found: " + audience);
    auto grant = catalog_.client_grant(client.client_id, api->identifier);
    if (!grant)
        return make_error(oauth_errc::access_denied,
                          "Client is not authorized to access \"" + audience +
                              "\". You need to create a \"client-grant\" associated to this API. See: "
                              "https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants");
    std::string scope;
    auto requested = split_scope(request.params.get("scope"));
    std::string not_granted;
    auto granted = [&](const std::string& s) {
        return std::find(grant->scope.begin(), grant->scope.end(), s) != grant->scope.end();
    };
    if (requested.empty()) {
        for (const auto& s : grant->scope) scope += (scope.empty() ? "" : " ") + s;
    } else {
        for (const auto& s : requested) {
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
    at.lifetime = api->token_lifetime;
    at.alg = api->signing_alg;
    auto token = issue_access_token(catalog_, at, now);
    if (!token) return token.error();
    json::object body;
    body["access_token"] = *token;
    body["scope"] = scope;
    body["expires_in"] = at.lifetime;
    body["token_type"] = "Bearer";
    return body;
}

oauth_result<void> TokenService::revoke(const ClientCredentials& credentials, const util::Params& params,
                                        std::int64_t now) {
    auto client = authenticate_client(catalog_, credentials);
    if (!client) return client.error();
    auto token = params.get("token");
    if (token.empty()) return missing("token");
    if (auto row = store_.get_refresh_token(util::sha256_b64url(token))) {
        // RFC 7009 §2.1: a token of another client is left alone, and the answer is still 200.
        if (row->client_id == (*client)->client_id) (void)store_.revoke_grant(row->grant_id, now);
        return {};
    }
    if (auto access = verify_access_token(token, "", now)) {
        auto azp = util::json_string(access->claims, "azp");
        if (azp == (*client)->client_id && !access->grant_id.empty()) (void)store_.revoke_grant(access->grant_id, now);
    }
    return {};
}

oauth_result<VerifiedAccessToken> TokenService::verify_access_token(std::string_view token, std::string_view audience,
                                                                    std::int64_t now) {
    json::object claims;
    if (std::count(token.begin(), token.end(), '.') == 4) {  // JWE compact form: an opaque /userinfo token
        auto opened = decrypt_access_token(catalog_.config(), token);
        if (!opened) return opened.error();
        claims = std::move(*opened);
    } else {
        auto keys = catalog_.keys();
        auto jwt = jose::verify_jwt(token, keys->verifiers, {jose::Alg::RS256, jose::Alg::ES256, jose::Alg::EdDSA});
        if (!jwt) return make_error(oauth_errc::invalid_token, "Invalid token", jwt.error().message());
        claims = std::move(jwt->claims);
    }
    jose::ClaimChecks checks;
    checks.issuer = catalog_.config().issuer;
    if (!audience.empty()) checks.audiences.emplace_back(audience);
    checks.now = now;
    checks.leeway = 0;
    if (auto ok = jose::check_claims(claims, checks); !ok) {
        auto expired = ok.error() == jose::jose_errc::expired;
        return make_error(oauth_errc::invalid_token, expired ? "Token has expired" : "Invalid token",
                          ok.error().message());
    }
    VerifiedAccessToken out;
    out.subject = util::json_string(claims, "sub");
    out.client_id = util::json_string(claims, "azp");
    out.scope = util::json_string(claims, "scope");
    out.grant_id = grant_id_of_jti(util::json_string(claims, "jti"));
    if (!out.grant_id.empty()) {
        auto revoked = store_.is_grant_revoked(out.grant_id);
        if (!revoked) return make_error(oauth_errc::server_error, {}, revoked.error().message());
        if (*revoked) return make_error(oauth_errc::invalid_token, "Token has been revoked");
    }
    out.claims = std::move(claims);
    return out;
}

oauth_result<ManagementCaller> TokenService::management_caller(std::string_view bearer_token, std::int64_t now) {
    const auto audience = catalog_.config().management_audience();
    auto token = verify_access_token(bearer_token, audience, now);
    if (!token) return token.error();
    ManagementCaller caller;
    caller.client_id = token->client_id;
    auto scopes = split_scope(token->scope);
    if (util::json_string(token->claims, "gty") == "client-credentials" &&
        token->subject == token->client_id + "@clients") {
        // Deleting the client or its grant, or narrowing the grant, takes effect on tokens already
        // issued (within the catalog's refresh interval), not only on new ones.
        auto grant = catalog_.client(token->client_id) ? catalog_.client_grant(token->client_id, audience) : nullptr;
        if (!grant)
            return make_error(oauth_errc::invalid_token, "Invalid token",
                              "the client or its Management API client grant no longer exists");
        for (auto& s : scopes)
            if (std::find(grant->scope.begin(), grant->scope.end(), s) != grant->scope.end())
                caller.scopes.insert(std::move(s));
        return caller;
    }
    caller.user_id = token->subject;
    for (auto& s : scopes)
        if (is_end_user_management_scope(s)) caller.scopes.insert(std::move(s));
    return caller;
}

oauth_result<json::object> TokenService::userinfo(std::string_view bearer_token, std::int64_t now) {
    auto token = verify_access_token(bearer_token, catalog_.config().userinfo_audience(), now);
    if (!token) return token.error();
    if (!has_scope(token->scope, "openid"))
        return make_error(oauth_errc::insufficient_scope, "The access token was not granted the openid scope");
    auto user = store_.get_user(token->subject);
    if (!user) return make_error(oauth_errc::invalid_token, "The user of this token no longer exists");
    json::object claims = profile_claims(*user, token->scope);
    claims["sub"] = user->user_id;
    return claims;
}

}  // namespace gatehouse::oauth
