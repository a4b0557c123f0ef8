#include "oauth/token.hpp"

#include "oauth/events.hpp"
#include "oauth/grants/registry.hpp"
#include "oauth/tokens.hpp"
#include "util/json.hpp"
#include "util/util.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace gatehouse::oauth {
namespace json = boost::json;

TokenService::TokenService(Catalog& catalog, store::Store& store) : catalog_(catalog), store_(store) {}

oauth_result<json::object> TokenService::exchange(const TokenRequest& request, std::int64_t now) {
    if (request.grant_type.empty()) return grants::missing_parameter("grant_type");
    const auto* grant = grants::find_grant(request.grant_type);
    if (!grant || !grant->handler)
        return make_error(oauth_errc::unsupported_grant_type, "Unsupported grant type: " + request.grant_type);
    auto client = authenticate_client(catalog_, request.credentials);
    grants::GrantContext context{catalog_, store_, password_attempts_};
    auto result = [&]() -> oauth_result<json::object> {
        if (!client) return client.error();
        if (!(*client)->allows_grant(request.grant_type))
            return make_error(oauth_errc::unauthorized_client,
                              "Grant type '" + request.grant_type + "' not allowed for the client.");
        return grant->handler(context, request, **client, now);
    }();
    if (events_) record_exchange(request, client ? client->get() : nullptr, context.user_id, result);
    return result;
}

// Only this request's outcome goes in: the grant type, the client, the user, the error text. The
// code, refresh token, password and client secret of the request never do.
void TokenService::record_exchange(const TokenRequest& request, const ClientView* client, const std::string& user_id,
                                   const oauth_result<json::object>& result) {
    auto types = exchange_event_types(request.grant_type);
    if (types.success.empty()) return;
    // Borrowed fields: the log copies them into a slot that already has the room. result.error()
    // returns a copy, which the view must not outlive: it is kept here.
    const auto error = result ? OAuthError{} : result.error();
    store::LogEventView event;
    event.type = result ? types.success : types.failure;
    if (!result && error.code == oauth_errc::too_many_attempts) event.type = "limit_wc";
    event.description = result ? types.description : std::string_view(error.description);
    event.client_id = client ? client->client_id : request.credentials.client_id;
    if (client) event.client_name = client->name;
    event.ip = request.ip;
    event.user_id = user_id;
    json::object details;
    if (!result) {
        details["error"] = json::object{{"message", error.description}};
        event.details = &details;
    }
    events_->record_borrowed(event);
}

oauth_result<void> TokenService::revoke(const ClientCredentials& credentials, const util::Params& params,
                                        std::int64_t now) {
    auto client = authenticate_client(catalog_, credentials);
    if (!client) return client.error();
    auto token = params.get("token");
    if (token.empty()) return grants::missing_parameter("token");
    if (auto row = store_.get_refresh_token(util::sha256_b64url(token))) {
        // RFC 7009 §2.1: a token of another client is left alone, and the answer is still 200.
        if (row->client_id == (*client)->client_id) (void)store_.revoke_grant(row->grant_id, now);
        return {};
    }
    if (auto access = verify_access_token(token, "", now)) {
        if (access->client_id == (*client)->client_id && !access->grant_id.empty())
            (void)store_.revoke_grant(access->grant_id, now);
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
    // RFC 9068 profiles name the client in client_id, Auth0's access_token dialects in azp.
    out.client_id = util::json_string(claims, "azp", util::json_string(claims, "client_id"));
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
