// RFC 6749 §6: the refresh token grant, rotating the token and detecting reuse (RFC 9700 §4.14.2).
#include "oauth/grants/grant.hpp"
#include "util/util.hpp"

namespace gatehouse::oauth::grants {
namespace {

// spa-js falls back to the iframe when the description contains "invalid refresh token".
constexpr std::string_view kInvalidRefresh = "Unknown or invalid refresh token.";

}  // namespace

oauth_result<boost::json::object> refresh_token(GrantContext& ctx, const TokenRequest& request,
                                                const ClientView& client, std::int64_t now) {
    auto presented = request.params.get("refresh_token");
    if (presented.empty()) return missing_parameter("refresh_token");
    auto hash = util::sha256_b64url(presented);
    auto current = ctx.store.get_refresh_token(hash);
    if (!current) return grant_lookup_error(current.error(), kInvalidRefresh, "unknown refresh token");
    if (current->client_id != client.client_id)
        return make_error(oauth_errc::invalid_grant, std::string(kInvalidRefresh), "issued to another client");
    if (current->revoked_at != 0) {
        // Deleting a user revokes its families; Auth0 still names the reason.
        if (auto user = ctx.store.get_user(current->user_id); !user && user.error() == store::store_errc::not_found)
            return make_error(oauth_errc::invalid_grant, std::string(kDeletedUser), "user deleted");
        return make_error(oauth_errc::invalid_grant, std::string(kInvalidRefresh), "refresh token revoked");
    }
    if (current->expires_at <= now)
        return make_error(oauth_errc::invalid_grant, std::string(kInvalidRefresh), "refresh token expired");

    UserGrant grant{current->grant_id,   current->user_id,   current->scope, current->audience, {},
                    current->session_id, current->auth_time, "refresh_token"};
    store::RefreshToken next;
    auto next_token = new_refresh_token(ctx, grant, client, now, next);
    auto before = ctx.store.rotate_refresh_token(hash, next, now);
    if (!before) return grant_lookup_error(before.error(), kInvalidRefresh, "vanished during rotation");
    if (before->rotated_at != 0 || before->revoked_at != 0) {
        // RFC 9700 §4.14.2: reuse of a rotated refresh token revokes the whole family.
        (void)ctx.store.revoke_grant(current->grant_id, now);
        return make_error(oauth_errc::invalid_grant, std::string(kInvalidRefresh),
                          "refresh token reused; family revoked");
    }
    return issue_user_tokens(ctx, grant, client, next_token, now);
}

}  // namespace gatehouse::oauth::grants
