// Management API errors: one table, rendered as Auth0 renders them
// ({"statusCode", "error", "message", "errorCode"}, wire contract §6.1).
#pragma once

#include <string>
#include <string_view>

namespace gatehouse::mgmt {

struct ApiResponse;

// Adding a code = adding a row to `errors` in error.cpp (a test walks every row).
enum class mgmt_errc {
    invalid_body = 1,            // 400: the JSON body is malformed or breaks the schema / a business rule
    invalid_query_string,        // 400: a query parameter is malformed
    invalid_uri,                 // 400: an id in the path has the wrong format
    operation_not_supported,     // 400: the operation makes no sense for this object (e.g. strategy)
    missing_authentication,      // 401: no bearer token at all
    invalid_token,               // 401: a bearer token that is malformed, badly signed, expired or for another API
    insufficient_scope,          // 403: the token lacks every scope the operation accepts
    feature_not_enabled,         // 403: a feature this tenant does not have (Gatehouse does not implement it)
    deprecated_feature,          // 403: Rules and Hooks, which Auth0 no longer offers to new tenants
    account_not_allowed,         // 403: custom domains, as Auth0 answers a plan without them
    inexistent_connection,       // 404
    inexistent_client,           // 404
    inexistent_resource_server,  // 404
    inexistent_user,             // 404
    inexistent_role,             // 404
    inexistent_client_grant,     // 404
    inexistent_email_provider,   // 404: no email provider configured
    inexistent_email_template,   // 404: unknown template name, or not created yet
    inexistent_job,              // 404: no job with this id
    inexistent_log,              // 404: no log event with this id
    inexistent_organization,     // 404: no organization with this id or name
    inexistent_invitation,       // 404: no invitation with this id in the organization
    inexistent_signing_key,      // 404: no signing key with this kid
    route_not_found,             // 404: no such endpoint
    method_not_allowed,          // 405: the endpoint exists, the method does not
    connection_conflict,         // 409: duplicate connection name
    client_conflict,             // 409
    resource_server_conflict,    // 409: duplicate identifier
    client_grant_conflict,       // 409: a grant for this client and audience exists
    user_conflict,               // 409: email or username taken in the connection
    email_provider_conflict,     // 409: a provider is already configured
    email_template_conflict,     // 409: "Template X already exists."
    organization_conflict,       // 409: duplicate organization name
    organization_connection_conflict,  // 409: the connection is already enabled for the organization
    precondition_failed,               // 412: If-Match does not match the current ETag
    payload_too_large,                 // 413: a body over the Management API's limit (1 MiB)
    unsupported_media_type,            // 415: a body that is neither JSON nor merge-patch JSON
    too_many_requests,                 // 429: e.g. a third concurrent bulk import
    internal_error,                    // 500: the store failed
};

struct ErrorInfo {
    mgmt_errc code;
    int status;
    std::string_view error;       // the HTTP reason phrase, as Auth0 puts it in "error"
    std::string_view error_code;  // "errorCode"; empty = omitted (Auth0's generic 404/405 have none)
    std::string_view message;     // default "message"
};

const ErrorInfo& error_info(mgmt_errc) noexcept;

struct ApiError {
    mgmt_errc code = mgmt_errc::internal_error;
    std::string message;  // public; the default message of the row when empty
};

inline ApiError make_error(mgmt_errc code, std::string message = {}) { return ApiError{code, std::move(message)}; }

// 403 "Insufficient scope, expected any of: <scopes joined by ','>".
ApiError insufficient_scope(std::string_view scopes);

// The response for `e`: status, JSON body, Content-Type (and Allow for 405 when given).
// A 401 also carries `WWW-Authenticate: Bearer` and, for invalid_token, Auth0's
// "attributes":{"error":<message>}.
ApiResponse render_error(const ApiError& e);

// The 401 of a request the HTTP layer could not authenticate: no bearer token at all
// (`token_present` false) -> "Missing authentication"; a token that failed verification ->
// "Invalid token", or "Expired token" when `expired`. Never says more about why a token failed.
ApiResponse render_unauthorized(bool token_present, bool expired = false);

}  // namespace gatehouse::mgmt
