// RFC 6749 §6: the refresh token grant under the client's refresh_token settings (auth0-apps.md §4):
// a non-rotating token is reused and no new one is returned; a rotating one is exchanged for a new
// one, its previous token stays reusable for `leeway` seconds, and any other reuse revokes the
// family (RFC 9700 §4.14.2). An expiring family ends `token_lifetime` after its first issue
// (rotation copies that end) and a token unused for `idle_token_lifetime` is refused.
#include "oauth/grants/grant.hpp"
#include "util/util.hpp"

namespace gatehouse::oauth::grants {
namespace {

// spa-js falls back to the iframe when the description contains "invalid refresh token".
constexpr std::string_view kInvalidRefresh = "Unknown or invalid refresh token.";

OAuthError invalid_refresh(std::string_view detail) {
    return make_error(oauth_errc::invalid_grant, std::string(kInvalidRefresh), std::string(detail));
}

OAuthError reuse_detected(GrantContext& ctx, const store::RefreshToken& token, std::int64_t now) {
    (void)ctx.store.revoke_grant(token.grant_id, now);
    return invalid_refresh("refresh token reused; family revoked");
}

}  // namespace

oauth_result<boost::json::object> refresh_token(GrantContext& ctx, const TokenRequest& request,
                                                const ClientView& client, std::int64_t now) {
    auto presented = request.params.get("refresh_token");
    if (presented.empty()) return missing_parameter("refresh_token");
    auto hash = util::sha256_b64url(presented);
    auto current = ctx.store.get_refresh_token(hash);
    if (!current) return grant_lookup_error(current.error(), kInvalidRefresh, "unknown refresh token");
    if (current->client_id != client.client_id) return invalid_refresh("issued to another client");
    if (current->revoked_at != 0) {
        // Deleting a user revokes its families; Auth0 still names the reason.
        if (auto user = ctx.store.get_user(current->user_id); !user && user.error() == store::store_errc::not_found)
            return make_error(oauth_errc::invalid_grant, std::string(kDeletedUser), "user deleted");
        return invalid_refresh("refresh token revoked");
    }
    if (current->expires_at != 0 && current->expires_at <= now) return invalid_refresh("refresh token family expired");
    // A rotated token's own idle end does not matter: whether it may be reused is the leeway's call.
    if (current->rotated_at == 0 && current->idle_expires_at != 0 && current->idle_expires_at <= now)
        return invalid_refresh("refresh token idle too long");

    const auto& settings = client.refresh_token;
    UserGrant grant{current->grant_id,   current->user_id,   current->scope, current->audience, {},
                    current->session_id, current->auth_time, "refresh_token"};
    grant.may_start_family = false;

    if (!settings.rotating) {
        // A token rotated while the client was rotating is dead even after a switch back.
        if (current->rotated_at != 0) return reuse_detected(ctx, *current, now);
        auto used = ctx.store.touch_refresh_token(hash, settings.idle_expires_at(now, current->expires_at));
        if (!used) return grant_lookup_error(used.error(), kInvalidRefresh, "vanished during use");
        if (!*used) return invalid_refresh("refresh token rotated or revoked concurrently");
        return issue_user_tokens(ctx, grant, client, std::nullopt, now);
    }

    store::RefreshToken next;
    auto next_token = new_refresh_token(ctx, grant, client, now, next);
    next.expires_at = current->expires_at;  // rotation never extends the family
    next.idle_expires_at = settings.idle_expires_at(now, next.expires_at);
    auto exchanged = ctx.store.exchange_refresh_token(hash, next, now, settings.leeway);
    if (!exchanged) return grant_lookup_error(exchanged.error(), kInvalidRefresh, "vanished during rotation");
    switch (exchanged->outcome) {
        case store::RefreshExchange::rotated:
        case store::RefreshExchange::leeway_reuse:
            return issue_user_tokens(ctx, grant, client, next_token, now);
        case store::RefreshExchange::revoked:
            return invalid_refresh("refresh token revoked");
        case store::RefreshExchange::reuse:
            break;
    }
    return reuse_detected(ctx, *current, now);
}

}  // namespace gatehouse::oauth::grants
