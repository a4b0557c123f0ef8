// The OAuth 2.0 / OIDC error catalogue (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1; OIDC Core §3.1.2.6)
// as one table, with Auth0's wire quirks (its HTTP statuses and exact descriptions) as columns of
// that table rather than branches at call sites. Every protocol failure in Gatehouse is an
// OAuthError value built from a row here; the http module renders it in exactly one place.
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace gatehouse::oauth {

// When adding a code here, add its row to kOAuthErrors in error.cpp (a unit test walks them all).
enum class oauth_errc {
    invalid_request = 1,
    invalid_client,       // client authentication failed, whatever the cause (security.md §4)
    invalid_grant,        // Auth0 answers 403
    unauthorized_client,  // grant or response type not allowed for this client
    unsupported_grant_type,
    unsupported_response_type,
    invalid_scope,
    access_denied,  // policy denial (no client grant, blocked user, upstream refusal) -> 403
    login_required,
    consent_required,
    interaction_required,
    invalid_token,  // RFC 6750: bad bearer token -> 401
    insufficient_scope,
    server_error,
    temporarily_unavailable,
    too_many_requests,
    unauthorized,       // Auth0: a blocked user at the password grants -> 403
    too_many_attempts,  // Auth0: too many failed logins for one user at the password grants -> 429
    // The Authentication API's database endpoints (/dbconnections/*), Auth0's codes:
    invalid_signup,         // the user already exists -> 400
    invalid_password,       // the connection's password policy refused the password -> 400 (+ the policy)
    operation_not_allowed,  // signup is disabled on the connection -> 400
};

struct OAuthErrorInfo {
    oauth_errc code;
    std::string_view wire;  // the `error` value on the wire
    boost::beast::http::status status;
    std::string_view description;  // default `error_description`
};

const OAuthErrorInfo& error_info(oauth_errc) noexcept;

struct OAuthError {
    oauth_errc code = oauth_errc::server_error;
    std::string description;       // public: error_description
    std::string detail;            // for the log only; never sent to the client
    std::int64_t retry_after = 0;  // > 0: sent as Retry-After (seconds)
    // Further members of the JSON body beside error and error_description (Auth0's password policy
    // payload of invalid_password); never overrides those two.
    boost::json::object extra;

    std::string_view wire() const noexcept { return error_info(code).wire; }
    boost::beast::http::status status() const noexcept { return error_info(code).status; }
};

// An error with the table's default description, or with a specific one.
OAuthError make_error(oauth_errc code, std::string description = {}, std::string detail = {});

// Lets boost::system::result<T, OAuthError>::value() throw (used only in tests and at startup).
[[noreturn]] void throw_exception_from_error(const OAuthError& e, const boost::source_location& loc);

template <class T>
using oauth_result = boost::system::result<T, OAuthError>;

}  // namespace gatehouse::oauth
