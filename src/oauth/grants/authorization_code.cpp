// RFC 6749 §4.1.3: the authorization code grant, with PKCE (RFC 7636) and code replay detection.
#include "oauth/grants/grant.hpp"
#include "oauth/pkce.hpp"
#include "util/util.hpp"

namespace gatehouse::oauth::grants {
namespace {

constexpr std::string_view kInvalidCode = "Invalid authorization code";
constexpr std::string_view kInvalidCodeOrVerifier = "Invalid authorization code or code verifier";

}  // namespace

oauth_result<boost::json::object> authorization_code(GrantContext& ctx, const TokenRequest& request,
                                                     const ClientView& client, std::int64_t now) {
    auto code_value = request.params.get("code");
    if (code_value.empty()) return missing_parameter("code");
    auto code = ctx.store.consume_code(util::sha256_b64url(code_value), now);
    if (!code) return grant_lookup_error(code.error(), kInvalidCode, "unknown code");
    if (code->consumed_at != 0) {
        // RFC 6749 §4.1.2: a code used twice revokes every token already issued from it.
        (void)ctx.store.revoke_grant(code->grant_id, now);
        return make_error(oauth_errc::invalid_grant, std::string(kInvalidCode), "code replayed; grant revoked");
    }
    if (code->expires_at <= now)
        return make_error(oauth_errc::invalid_grant, std::string(kInvalidCode), "code expired");
    if (code->client_id != client.client_id)
        return make_error(oauth_errc::invalid_grant, std::string(kInvalidCode), "code issued to another client");
    // RFC 6749 §4.1.3: redirect_uri must be identical to the one of the authorization request.
    auto redirect_uri = request.params.find("redirect_uri");
    if (!redirect_uri) return missing_parameter("redirect_uri");
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
                    code->nonce,    code->session_id, code->auth_time, {}};
    return issue_user_tokens(ctx, grant, client, std::nullopt, now);
}

}  // namespace gatehouse::oauth::grants
