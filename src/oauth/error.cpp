#include "oauth/error.hpp"

#include <array>
#include <stdexcept>

namespace gatehouse::oauth {
namespace {

using boost::beast::http::status;

constexpr std::array kOAuthErrors = {
    OAuthErrorInfo{oauth_errc::invalid_request, "invalid_request", status::bad_request,
                   "The request is missing a required parameter or is otherwise malformed."},
    // Auth0 answers a failed secret check with 401 access_denied "Unauthorized" (auth0-spa-js#454);
    // Gatehouse answers every failed client authentication alike, as RFC 6749 §5.2 and
    // security.md §4 ask: an unknown client, a wrong secret and a wrong method are one answer.
    OAuthErrorInfo{oauth_errc::invalid_client, "invalid_client", status::unauthorized, "Client authentication failed."},
    // Auth0 answers invalid_grant with 403 (wire contract §2.4).
    OAuthErrorInfo{oauth_errc::invalid_grant, "invalid_grant", status::forbidden, "Invalid authorization code"},
    OAuthErrorInfo{oauth_errc::unauthorized_client, "unauthorized_client", status::forbidden,
                   "The client is not authorized to use this grant type."},
    OAuthErrorInfo{oauth_errc::unsupported_grant_type, "unsupported_grant_type", status::bad_request,
                   "Unsupported grant type."},
    OAuthErrorInfo{oauth_errc::unsupported_response_type, "unsupported_response_type", status::bad_request,
                   "Unsupported response type."},
    OAuthErrorInfo{oauth_errc::invalid_scope, "invalid_scope", status::bad_request, "The requested scope is invalid."},
    OAuthErrorInfo{oauth_errc::access_denied, "access_denied", status::forbidden, "Access denied."},
    OAuthErrorInfo{oauth_errc::login_required, "login_required", status::bad_request, "Login required"},
    OAuthErrorInfo{oauth_errc::consent_required, "consent_required", status::bad_request, "Consent required"},
    OAuthErrorInfo{oauth_errc::interaction_required, "interaction_required", status::bad_request,
                   "Interaction required"},
    OAuthErrorInfo{oauth_errc::invalid_token, "invalid_token", status::unauthorized,
                   "The access token is missing, malformed, expired or revoked."},
    OAuthErrorInfo{oauth_errc::insufficient_scope, "insufficient_scope", status::forbidden,
                   "The access token does not carry the required scope."},
    OAuthErrorInfo{oauth_errc::server_error, "server_error", status::internal_server_error,
                   "The server encountered an unexpected condition."},
    OAuthErrorInfo{oauth_errc::temporarily_unavailable, "temporarily_unavailable", status::service_unavailable,
                   "The server is temporarily unavailable."},
    OAuthErrorInfo{oauth_errc::too_many_requests, "too_many_requests", status::too_many_requests,
                   "Too many requests. Try again later."},
    OAuthErrorInfo{oauth_errc::unauthorized, "unauthorized", status::forbidden, "Unauthorized"},
    // Auth0 blocks the account and emails its owner; Gatehouse makes the user wait (spec §6).
    OAuthErrorInfo{oauth_errc::too_many_attempts, "too_many_attempts", status::too_many_requests,
                   "Too many failed logins for this user. Wait a minute and try again."},
    OAuthErrorInfo{oauth_errc::invalid_signup, "invalid_signup", status::bad_request, "Invalid sign up"},
    OAuthErrorInfo{oauth_errc::invalid_password, "invalid_password", status::bad_request, "Password is too weak"},
    OAuthErrorInfo{oauth_errc::operation_not_allowed, "operation_not_allowed", status::bad_request,
                   "Signup is not allowed for this connection."},
};

constexpr bool table_is_indexed_by_code() {
    for (std::size_t i = 0; i < kOAuthErrors.size(); ++i)
        if (static_cast<std::size_t>(kOAuthErrors[i].code) != i + 1) return false;
    return true;
}
static_assert(table_is_indexed_by_code(), "kOAuthErrors rows must follow the order of oauth_errc");

}  // namespace

const OAuthErrorInfo& error_info(oauth_errc code) noexcept {
    auto index = static_cast<std::size_t>(code) - 1;
    return index < kOAuthErrors.size() ? kOAuthErrors[index] : kOAuthErrors[std::size_t(oauth_errc::server_error) - 1];
}

OAuthError make_error(oauth_errc code, std::string description, std::string detail) {
    if (description.empty()) description = std::string(error_info(code).description);
    return OAuthError{code, std::move(description), std::move(detail), 0, {}};
}

void throw_exception_from_error(const OAuthError& e, const boost::source_location&) {
    throw std::runtime_error(std::string(e.wire()) + ": " + e.description);
}

}  // namespace gatehouse::oauth
