// mgmt: the Auth0-compatible Management API v2 (/api/v2/...): connections, clients, resource
// servers, client grants, users, roles and permissions, organizations, with Auth0's shapes, ids, pagination,
// status codes and error bodies, so Auth0's own Management SDK works unmodified; plus the tenant
// bootstrap of `gatehouse init`. It knows no HTTP server and no tokens: the caller has verified the bearer token and
// hands over its scopes. Depends on connections, store and util only.
#pragma once

#include "mgmt/bootstrap.hpp"
#include "mgmt/error.hpp"
#include "store/event_log.hpp"
#include "store/store.hpp"

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace gatehouse::mgmt {

struct ApiRequest {
    std::string method;  // "GET", "POST", "PATCH", "PUT", "DELETE"
    std::string path;    // after "/api/v2", e.g. "/connections/con_x" (still percent-encoded)
    std::vector<std::pair<std::string, std::string>> query;  // decoded; repeats allowed
    std::string content_type;
    std::string if_match;
    std::string body;
    std::set<std::string> scopes;  // of the already-verified access token
    // Non-empty when the token is an end user's (not a client's): the routes then answer only for
    // this user and only to the current_user scopes.
    std::string self_user_id;
    std::string client_id;  // of the token, and the caller's address: for the tenant logs (sapi)
    std::string ip;
};

struct ApiResponse {
    int status = 200;
    std::string body;  // JSON text or empty
    std::vector<std::pair<std::string, std::string>> headers;
};

struct Settings {
    std::string issuer;           // public URL with trailing slash, e.g. "https://id.example.com/"
    std::string secret_hash_key;  // key of util::hash_secret for client secrets
    std::string sealing_key;      // jose::seal key for upstream secrets in connection options and signing keys
    // The tenant's longest default token lifetime: a key rotated out stays published at least this long.
    std::int64_t token_lifetime_floor = 86400;
};

// Routes: /connections[/{id}[/clients|/authorize-preview]], /clients[/{id}[/rotate-secret]],
// /resource-servers[/{id}], /client-grants[/{id}], /users[/{id}[/roles|/permissions]], /users-by-email,
// /roles[/{id}[/permissions|/users]], /organizations[/{id}[/members[/{user}/roles]|/enabled_connections[/{id}]|
// /invitations[/{id}]]|/name/{name}], /tenants/settings,
// /keys/signing[/rotate|/{kid}[/revoke]].
// GET /connections/{id}/authorize-preview answers {"url": ...} built exactly as a login would build
// it, with the per-login values replaced by fixed placeholders: state=STATE_PLACEHOLDER,
// nonce=NONCE_PLACEHOLDER (oidc), code_challenge=CODE_CHALLENGE_PLACEHOLDER (when PKCE applies),
// redirect_uri=the leg's callback (connections::upstream_callback_url: <issuer>login/callback for
// providers announcing RFC 9207 iss, else <issuer>login/callback/<name>); the request's query
// parameters feed the upstream_params aliases.
// Thread-safe as long as the store is: it keeps no state between requests.
class ManagementApi {
  public:
    ManagementApi(store::Store& store, Settings settings);

    // Where successful writes (sapi) and password changes (scp) are logged; null: not logged.
    void set_event_log(store::EventLog* log) { events_ = log; }

    // Never throws on bad input: every failure is an Auth0-shaped error response.
    ApiResponse handle(const ApiRequest& request);

    // GET <issuer>jobs/exports/<file>?expires=..&signature=..: a bulk export's file, downloaded
    // without a token through the signed, expiring link of its job's `location` (bulk_jobs.hpp);
    // 404 for anything else.
    ApiResponse download_export(std::string_view file, std::string_view expires, std::string_view signature);

  private:
    // `route` is the matched pattern ("/users/{}"), so no id or value of the request is logged.
    void record_api_write(const ApiRequest& request, std::string_view route, int status);

    store::Store& store_;
    Settings settings_;
    store::EventLog* events_ = nullptr;
};

// Every scope of the Management API: each scope some route accepts (derived from the resource
// families' route tables, route.hpp). The bootstrap grants them all to the management client.
const std::vector<std::string>& management_scopes();

}  // namespace gatehouse::mgmt
