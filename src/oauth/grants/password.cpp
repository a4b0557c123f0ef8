// RFC 6749 §4.3, the resource owner password credentials grant, and Auth0's password-realm
// extension grant, which names the database connection (`realm`) instead of using the tenant's
// default_directory. Both check the password like the hosted login (same failed-login limit, same
// cost for an unknown user and a wrong password) and issue a user's tokens with gty "password".
#include "oauth/authorize.hpp"
#include "oauth/grants/grant.hpp"
#include "util/util.hpp"

namespace gatehouse::oauth::grants {
namespace {

using connections::connection_errc;

oauth_result<boost::json::object> password_login(GrantContext& ctx, const TokenRequest& request,
                                                 const ClientView& client, const std::string& connection_name,
                                                 std::int64_t now) {
    auto username = request.params.get("username");
    if (username.empty()) return missing_parameter("username");
    auto password = request.params.get("password");
    if (password.empty()) return missing_parameter("password");
    auto connection = ctx.catalog.connection(connection_name);
    if (!connection || !connection->enabled_for(client.client_id))
        return make_error(oauth_errc::invalid_request, "Connection does not exist or is not enabled for the client",
                          "realm " + connection_name);
    if (connection->strategy() != "auth0")
        return make_error(oauth_errc::invalid_request, "invalid connection specified for password grant",
                          "realm " + connection_name + " is not a database connection");
    auto api = requested_api(ctx, request);
    if (!api) return api.error();

    connections::DatabaseConnection database(ctx.store, connection_name);
    auto login = counted_login(ctx.password_attempts, database, username, password);
    if (login.retry_after > 0) {
        auto error = make_error(oauth_errc::too_many_attempts);
        error.retry_after = login.retry_after;
        return error;
    }
    if (!login.user) {
        const auto ec = login.user.error();
        if (ec == connection_errc::wrong_credentials)
            return make_error(oauth_errc::invalid_grant, "Wrong email or password.");
        if (ec == connection_errc::user_blocked) return make_error(oauth_errc::unauthorized, "user is blocked");
        return make_error(oauth_errc::server_error, {}, "password login: " + ec.message());
    }
    // The scopes an end user may get, as at /authorize: for the Management API only its
    // current_user scopes, whatever the request asks.
    UserGrant grant{util::random_token(16),
                    login.user->user_id,
                    grant_scope(request.params.get("scope"), client, api->get()),
                    *api ? (*api)->identifier : std::string(),
                    {},
                    {},
                    now,
                    "password"};
    return issue_user_tokens(ctx, grant, client, std::nullopt, now);
}

}  // namespace

oauth_result<boost::json::object> password(GrantContext& ctx, const TokenRequest& request, const ClientView& client,
                                           std::int64_t now) {
    auto directory = ctx.catalog.settings()->default_directory;
    if (directory.empty())
        return make_error(oauth_errc::server_error, "Authorization server not configured with default connection.");
    return password_login(ctx, request, client, directory, now);
}

oauth_result<boost::json::object> password_realm(GrantContext& ctx, const TokenRequest& request,
                                                 const ClientView& client, std::int64_t now) {
    auto realm = request.params.get("realm");
    if (realm.empty()) return missing_parameter("realm");
    return password_login(ctx, request, client, realm, now);
}

}  // namespace gatehouse::oauth::grants
