#include "mgmt/error.hpp"

#include "mgmt/mgmt.hpp"
#include "util/util.hpp"

#include <boost/json.hpp>

#include <array>

namespace gatehouse::mgmt {
namespace {

using E = mgmt_errc;

constexpr std::array errors = {
    ErrorInfo{E::invalid_body, 400, "Bad Request", "invalid_body", "Payload validation error"},
    ErrorInfo{E::invalid_query_string, 400, "Bad Request", "invalid_query_string", "Query validation error"},
    ErrorInfo{E::invalid_uri, 400, "Bad Request", "invalid_uri", "Path validation error"},
    ErrorInfo{E::operation_not_supported, 400, "Bad Request", "operation_not_supported",
              "The operation is not supported for this connection."},
    ErrorInfo{E::missing_authentication, 401, "Unauthorized", "", "Missing authentication"},
    ErrorInfo{E::invalid_token, 401, "Unauthorized", "", "Invalid token"},
    ErrorInfo{E::insufficient_scope, 403, "Forbidden", "insufficient_scope", "Insufficient scope"},
    ErrorInfo{E::feature_not_enabled, 403, "Forbidden", "feature_not_enabled",
              "This feature is not enabled for this tenant."},
    ErrorInfo{E::deprecated_feature, 403, "Forbidden", "deprecated_feature",
              "You are trying to access a deprecated feature that is not available for this tenant."},
    ErrorInfo{E::account_not_allowed, 403, "Forbidden", "",
              "The account is not allowed to perform this operation, please contact our support team"},
    ErrorInfo{E::inexistent_connection, 404, "Not Found", "inexistent_connection", "The connection does not exist"},
    ErrorInfo{E::inexistent_client, 404, "Not Found", "inexistent_client", "The client does not exist"},
    ErrorInfo{E::inexistent_resource_server, 404, "Not Found", "inexistent_resource_server",
              "The resource server does not exist"},
    ErrorInfo{E::inexistent_user, 404, "Not Found", "inexistent_user", "The user does not exist."},
    ErrorInfo{E::inexistent_role, 404, "Not Found", "inexistent_role", "The role does not exist."},
    ErrorInfo{E::inexistent_client_grant, 404, "Not Found", "inexistent_client_grant",
              "The client grant does not exist"},
    ErrorInfo{E::inexistent_email_provider, 404, "Not Found", "inexistent_email_provider",
              "Email provider is not configured"},
    ErrorInfo{E::inexistent_email_template, 404, "Not Found", "inexistent_email_template",
              "The template does not exist."},
    ErrorInfo{E::inexistent_job, 404, "Not Found", "inexistent_job", "The job does not exist."},
    ErrorInfo{E::inexistent_log, 404, "Not Found", "inexistent_log", "The log event does not exist."},
    ErrorInfo{E::inexistent_organization, 404, "Not Found", "inexistent_organization",
              "No organization found by that id or name"},
    ErrorInfo{E::inexistent_invitation, 404, "Not Found", "inexistent_invitation", "The invitation does not exist"},
    ErrorInfo{E::inexistent_signing_key, 404, "Not Found", "inexistent_key", "The key does not exist."},
    ErrorInfo{E::route_not_found, 404, "Not Found", "", "Not Found"},
    ErrorInfo{E::method_not_allowed, 405, "Method Not Allowed", "", "Method Not Allowed"},
    ErrorInfo{E::connection_conflict, 409, "Conflict", "connection_conflict",
              "A connection with the same name already exists"},
    ErrorInfo{E::client_conflict, 409, "Conflict", "client_conflict", "A client with the same id already exists"},
    ErrorInfo{E::resource_server_conflict, 409, "Conflict", "resource_server_conflict",
              "A resource server with the same identifier already exists"},
    ErrorInfo{E::client_grant_conflict, 409, "Conflict", "client_grant_conflict",
              "A client grant for this client and audience already exists"},
    ErrorInfo{E::user_conflict, 409, "Conflict", "auth0_idp_error", "The user already exists."},
    ErrorInfo{E::email_provider_conflict, 409, "Conflict", "email_provider_conflict",
              "An email provider is already configured"},
    ErrorInfo{E::email_template_conflict, 409, "Conflict", "email_template_conflict", "Template already exists."},
    ErrorInfo{E::organization_conflict, 409, "Conflict", "organization_conflict",
              "An organization with this name already exists."},
    ErrorInfo{E::organization_connection_conflict, 409, "Conflict", "organization_connection_conflict",
              "The connection is already enabled for this organization."},
    ErrorInfo{E::precondition_failed, 412, "Precondition Failed", "precondition_failed",
              "The resource has been modified since it was read (If-Match does not match its ETag)"},
    ErrorInfo{E::payload_too_large, 413, "Request Entity Too Large", "",
              "Payload content length greater than maximum allowed: 1048576"},
    ErrorInfo{E::unsupported_media_type, 415, "Unsupported Media Type", "unsupported_media_type",
              "Unsupported Media Type"},
    ErrorInfo{E::too_many_requests, 429, "Too Many Requests", "too_many_requests", "Too Many Requests"},
    ErrorInfo{E::internal_error, 500, "Internal Server Error", "internal_error", "Internal Server Error"},
};

}  // namespace

const ErrorInfo& error_info(mgmt_errc code) noexcept {
    for (const auto& e : errors)
        if (e.code == code) return e;
    return errors.back();
}

ApiError insufficient_scope(std::string_view scopes) {
    return make_error(mgmt_errc::insufficient_scope, "Insufficient scope, expected any of: " + std::string(scopes));
}

ApiResponse render_error(const ApiError& e) {
    const auto& info = error_info(e.code);
    boost::json::object body;
    body["statusCode"] = info.status;
    body["error"] = info.error;
    // Messages quote the request (a path, a sort field), cut to a length: never let a broken or
    // halved UTF-8 sequence make the answer invalid JSON.
    if (e.message.empty())
        body["message"] = info.message;
    else
        body["message"] = util::valid_utf8(e.message) ? e.message : util::to_valid_utf8(e.message);
    if (!info.error_code.empty()) body["errorCode"] = info.error_code;
    if (e.code == mgmt_errc::invalid_token) body["attributes"] = boost::json::object{{"error", body["message"]}};
    ApiResponse r;
    r.status = info.status;
    r.body = boost::json::serialize(body);
    r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    if (info.status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
}

ApiResponse render_unauthorized(bool token_present, bool expired) {
    if (!token_present) return render_error(make_error(mgmt_errc::missing_authentication));
    return render_error(make_error(mgmt_errc::invalid_token, expired ? "Expired token" : ""));
}

}  // namespace gatehouse::mgmt
