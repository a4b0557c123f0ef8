// Records the store persists. Configuration aggregates (clients, connections, resource servers,
// client grants, users) keep their Auth0-shaped JSON document in `doc`, with the few fields that
// are looked up or constrained (ids, names, secrets, emails) lifted into typed members so the
// backends can index them. Protocol artefacts (codes, refresh tokens, sessions, interactions) are
// fully typed. Secrets are never stored: only their hashes (`*_hash`), computed by the caller.
#pragma once

#include <boost/json.hpp>

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gatehouse::store {

namespace json = boost::json;

// A JWS signing key. `private_key` is opaque to the store (the caller encrypts it at rest).
struct SigningKey {
    std::string kid;
    std::string alg;          // "RS256" | "ES256" | "EdDSA"
    std::string private_key;  // encrypted PKCS#8, as produced by jose
    std::string public_jwk;   // JSON text of the public JWK (with kid, alg, use)
    std::int64_t created_at = 0;
    std::int64_t retired_at = 0;  // 0 while this key signs; set when rotated out
    std::int64_t expires_at = 0;  // 0 = published forever; else dropped from JWKS after this instant
    std::int64_t revoked_at = 0;  // 0 unless revoked: then never published or trusted again
};

struct Client {
    std::string client_id;    // 32 alphanumerics
    std::string secret_hash;  // keyed hash of client_secret; empty for public clients
    json::object doc;         // every Auth0 client field except client_secret
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

struct Connection {
    std::string id;            // con_ + 16 alphanumerics
    std::string name;          // unique, immutable
    std::string strategy;      // auth0 | oauth2 | oidc | wordpress | twitter
    json::object doc;          // display_name, options, enabled_clients, realms, metadata, ...
    std::int64_t version = 1;  // bumped by every update; the ETag is derived from it
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

struct ResourceServer {
    std::string id;          // 24 hex
    std::string identifier;  // the audience; unique, immutable
    json::object doc;        // name, scopes, token_lifetime, allow_offline_access, signing_alg, is_system
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

struct ClientGrant {
    std::string id;  // cgr_ + 16 alphanumerics
    std::string client_id;
    std::string audience;
    std::vector<std::string> scope;
    std::int64_t created_at = 0;
};

struct User {
    std::string user_id;     // auth0|<24 hex>, wordpress|<id>, oauth2|<connection>|<id>, ...
    std::string connection;  // connection name
    std::string email;       // lower-cased for lookup; may be empty for social users
    std::string username;
    std::string password_hash;  // argon2id encoded string; empty for federated users
    json::object doc;           // name, nickname, picture, email_verified, identities, metadata, blocked, ...
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

struct AuthorizationCode {
    std::string code_hash;
    std::string grant_id;  // tokens issued from this code share it; revoking it revokes them
    std::string client_id;
    std::string user_id;
    std::string redirect_uri;
    std::string scope;
    std::string audience;
    std::string nonce;
    std::string code_challenge;
    std::string code_challenge_method;
    std::string session_id;
    std::int64_t auth_time = 0;
    std::int64_t expires_at = 0;
    std::int64_t consumed_at = 0;  // 0 until redeemed
};

struct RefreshToken {
    std::string token_hash;
    std::string grant_id;  // the family: every rotation of one login shares it
    std::string client_id;
    std::string user_id;
    std::string scope;
    std::string audience;
    std::string session_id;
    std::int64_t auth_time = 0;
    std::int64_t created_at = 0;
    // The family's absolute end (0 = none), fixed when the family is first issued: every rotation
    // copies it, so rotating never extends a family.
    std::int64_t expires_at = 0;
    // This token's idle end (0 = none): unused until then, it is refused. A reusable (non-rotating)
    // token moves it forward on each use (RefreshTokenStore::touch_refresh_token).
    std::int64_t idle_expires_at = 0;
    // 0 for the family's first token, one more for each rotation: tells the previous token (the one
    // that may be reused within the client's leeway) from older ones.
    std::int64_t generation = 0;
    std::int64_t rotated_at = 0;  // 0 while current; set once it has been exchanged
    std::int64_t revoked_at = 0;  // 0 unless revoked (family revocation, /oauth/revoke)
};

// A browser login session (the value of the session cookie is the secret; only its hash is stored).
struct Session {
    std::string id_hash;
    std::string user_id;
    std::string connection;
    std::int64_t auth_time = 0;
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
};

// Short-lived, single-use server-side state of an interaction in progress: a pending /authorize
// waiting for the login form, or an upstream federation leg waiting for its callback.
struct Interaction {
    std::string id;    // random, high-entropy; appears in URLs (state=...)
    std::string kind;  // "login" | "upstream"
    json::object doc;
    std::int64_t expires_at = 0;
};

// The tenant's settings (Auth0's /api/v2/tenants/settings document), one per tenant.
struct TenantSettings {
    json::object doc;
    std::int64_t version = 0;  // 0 before the first write; bumped by every write
    std::int64_t updated_at = 0;
};

// One email waiting in (or done with) the outgoing queue. The message is stored rendered, so a
// template edited later does not change mail already queued; an empty sender means the provider's
// default_from_address at send time.
struct Mail {
    std::string id;
    std::string recipient;
    std::string sender;
    std::string subject;
    std::string html_body;
    std::string status = "pending";  // "pending" | "sent" | "failed" (given up)
    std::int64_t attempts = 0;
    std::int64_t created_at = 0;
    std::int64_t next_attempt_at = 0;
    std::int64_t lease_until = 0;  // a worker holds the row until then
    std::string last_error;        // of the last failed attempt: host and SMTP status, never a secret
};

// A tenant role (Auth0's /api/v2/roles): a named set of API permissions assigned to users.
struct Role {
    std::string id;  // rol_ + 16 alphanumerics
    std::string name;
    std::string description;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

// An organization (Auth0 B2B). `name` is unique and is what /authorize?organization= may name.
struct Organization {
    std::string id;  // org_ + 16 alphanumerics
    std::string name;
    std::string display_name;
    json::object doc;  // branding, metadata
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

// A connection enabled for an organization: only these are offered and accepted when logging in
// through it; `assign_membership_on_login` makes a non-member who logs in through it a member.
struct OrganizationConnection {
    std::string connection_id;
    bool assign_membership_on_login = false;
    bool show_as_button = true;
    bool is_signup_enabled = false;  // database connections: signing up through the organization
    std::string name;                // the connection's, read with it (not stored with the link)
    std::string strategy;            // idem
};

// An invitation to join an organization. Its link carries a random ticket of which only
// `ticket_hash` (SHA-256) is stored; redeeming deletes the row.
struct OrganizationInvitation {
    std::string id;  // uinv_ + 16 alphanumerics
    std::string org_id;
    std::string ticket_hash;
    json::object doc;  // inviter, invitee, client_id, connection_id, roles, app_metadata, user_metadata
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
};

// One permission: a scope that an API (resource server, by its identifier) defines.
struct Permission {
    std::string resource_server_identifier;
    std::string permission_name;
    friend bool operator==(const Permission&, const Permission&) = default;
};

// Where a user's permission comes from: assigned directly (role_id empty) or through a role.
struct PermissionSource {
    Permission permission;
    std::string role_id;  // empty: a direct assignment
    std::string role_name;
};

// A single-use link sent to a user (or handed to an operator): a password-change or an
// email-verification ticket. The link carries the secret; only its hash is stored.
struct UserTicket {
    std::string id_hash;  // SHA-256 (base64url) of the ticket value in the link
    std::string kind;     // "password_change" | "email_verification"
    std::string user_id;
    json::object doc;  // result_url, client_id, mark_email_as_verified
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
    std::int64_t used_at = 0;  // 0 until redeemed
};

// A background job of the Management API: a bulk user import or export. `doc` holds what it was
// asked (connection, upsert, format, fields, ...) and, once done, its summary; `input` the uploaded
// file of an import; `errors` its per-row errors (JSON array text). A worker holds a job it runs by
// a lease (`lease_until`), so a crashed worker's job is taken over once the lease has passed.
struct Job {
    std::string id;                  // "job_" + random
    std::string type;                // "users_import" | "users_export"
    std::string status = "pending";  // "pending" | "processing" | "completed" | "failed"
    json::object doc;
    std::string input;
    std::string errors = "[]";
    std::int64_t attempts = 0;  // claims so far
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::int64_t lease_until = 0;
    std::int64_t expires_at = 0;  // 0 while it runs; the job and its output are purged after this
};

// One tenant log event (Auth0's /api/v2/logs shape). Written in batches by store::EventLog; never
// holds a secret (no password, code, token, client secret or ticket): callers put only ids, names
// and outcomes in it.
struct LogEvent {
    std::string log_id = {};  // fixed-width digits: the date in ms, then a sequence and random digits, so
                              // string order is time order (checkpoint paging walks it)
    std::int64_t date_ms = 0;
    std::string type = {};  // Auth0's code: s, f, fp, fu, ss, fs, seacft, feacft, sertft, fertft, scp, sapi, ...
    std::string description = {};
    std::string client_id = {};
    std::string client_name = {};
    std::string ip = {};
    std::string user_id = {};
    std::string user_name = {};
    std::string connection = {};
    json::object details = {};
};

// A filter over log events, as a tree the SQL store turns into a WHERE clause with bound parameters.
struct LogFilter {
    enum class kind { all, type, user_id, client_id, date, both, either };
    kind op = kind::all;
    std::string value;                 // type, user_id, client_id
    std::int64_t from_ms = INT64_MIN;  // date: inclusive range
    std::int64_t to_ms = INT64_MAX;
    std::vector<LogFilter> operands;  // both (AND), either (OR)
};

struct LogQuery {
    LogFilter filter;
    // Checkpoint paging: events with log_id > after_log_id, oldest first. Otherwise newest first,
    // `offset` skipped.
    bool checkpoint = false;
    std::string after_log_id;
    bool oldest_first = false;  // offset paging in date order (Auth0's sort=date:1)
    std::size_t offset = 0;
    std::size_t limit = 50;
    bool with_total = false;  // count the matches (include_totals)
};

// Paging as the Management API asks for it: offset (page/per_page) or checkpoint (from/take).
struct Page {
    std::size_t offset = 0;
    std::size_t limit = 50;
};

template <class T>
struct PageResult {
    std::vector<T> items;
    std::size_t total = 0;  // total matching rows, before paging
};

}  // namespace gatehouse::store
