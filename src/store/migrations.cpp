#include "store/migrations.hpp"

#include <array>

namespace gatehouse::store {

namespace {

// Timestamps are BIGINT seconds since the epoch; 0 stands for "not yet" (consumed_at, rotated_at,
// revoked_at, retired_at) so no column is nullable except where NULL keeps a unique index from
// colliding (users.email_norm, users.username). JSON documents are TEXT: portable; the few queries
// that read inside them (user search, the clients list filters) use each dialect's JSON functions
// on the text (SQLite's json_*, PostgreSQL's CAST(doc AS jsonb)).
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE config_version (
    id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO config_version (id, version) VALUES (1, 1);

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    alg TEXT NOT NULL,
    private_key TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE clients (
    client_id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    doc TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX clients_created_idx ON clients (created_at, client_id);

CREATE TABLE connections (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    strategy TEXT NOT NULL,
    doc TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX connections_name_idx ON connections (name);
CREATE INDEX connections_created_idx ON connections (created_at, id);

CREATE TABLE resource_servers (
    id TEXT PRIMARY KEY,
    identifier TEXT NOT NULL,
    doc TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX resource_servers_identifier_idx ON resource_servers (identifier);
CREATE INDEX resource_servers_created_idx ON resource_servers (created_at, id);

CREATE TABLE client_grants (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    audience TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX client_grants_client_audience_idx ON client_grants (client_id, audience);
CREATE INDEX client_grants_audience_idx ON client_grants (audience);
CREATE INDEX client_grants_created_idx ON client_grants (created_at, id);

CREATE TABLE users (
    user_id TEXT PRIMARY KEY,
    connection_name TEXT NOT NULL,
    email TEXT NOT NULL,
    email_norm TEXT,
    username TEXT,
    password_hash TEXT NOT NULL,
    doc TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_connection_email_idx ON users (connection_name, email_norm);
CREATE UNIQUE INDEX users_connection_username_idx ON users (connection_name, username);
CREATE INDEX users_email_idx ON users (email_norm);
CREATE INDEX users_created_idx ON users (created_at, user_id);

CREATE TABLE authorization_codes (
    code_hash TEXT PRIMARY KEY,
    grant_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    audience TEXT NOT NULL,
    nonce TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    code_challenge_method TEXT NOT NULL,
    session_id TEXT NOT NULL,
    auth_time BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    consumed_at BIGINT NOT NULL
);
CREATE INDEX authorization_codes_expires_idx ON authorization_codes (expires_at);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    grant_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    audience TEXT NOT NULL,
    session_id TEXT NOT NULL,
    auth_time BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    rotated_at BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL
);
CREATE INDEX refresh_tokens_grant_idx ON refresh_tokens (grant_id);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);

CREATE TABLE revoked_grants (
    grant_id TEXT PRIMARY KEY,
    revoked_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    connection_name TEXT NOT NULL,
    auth_time BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE interactions (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    doc TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX interactions_expires_idx ON interactions (expires_at);
)sql";

// Ending a user's sessions and refresh-token families (block, password change, delete) finds them
// by user.
constexpr std::string_view kUserRevocationIndexes = R"sql(
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX authorization_codes_user_idx ON authorization_codes (user_id);
)sql";

// The tenant settings document (GET/PATCH /api/v2/tenants/settings): one row, written with an
// optimistic version check like connections.
constexpr std::string_view kTenantSettings = R"sql(
CREATE TABLE tenant_settings (
    id BIGINT PRIMARY KEY,
    doc TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO tenant_settings (id, doc, version, updated_at) VALUES (1, '{}', 0, 0);
)sql";

// Refresh-token families per the client's refresh_token settings: each token's idle end, and its
// place in the family (the previous token may be reused within the client's leeway).
constexpr std::string_view kRefreshTokenSettings = R"sql(
ALTER TABLE refresh_tokens ADD COLUMN idle_expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE refresh_tokens ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
CREATE INDEX refresh_tokens_idle_idx ON refresh_tokens (idle_expires_at);
)sql";

// The outgoing mail queue (email/queue.cpp drains it). Self-contained: nothing else refers to it.
constexpr std::string_view kMailQueue = R"sql(
CREATE TABLE mail_queue (
    id TEXT PRIMARY KEY,
    recipient TEXT NOT NULL,
    sender TEXT NOT NULL,
    subject TEXT NOT NULL,
    html_body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT NOT NULL,
    last_error TEXT NOT NULL
);
CREATE INDEX mail_queue_due_idx ON mail_queue (status, next_attempt_at);
)sql";

// Roles and permissions (RBAC). A permission is (API identifier, scope name); the rows go with
// their user, role or API, deleted by the store in the same transaction (not by foreign keys:
// SQLite enforces them only when asked per connection, and users are not a configuration table).
constexpr std::string_view kRoles = R"sql(
CREATE TABLE roles (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX roles_name_idx ON roles (name, id);

CREATE TABLE role_permissions (
    role_id TEXT NOT NULL,
    resource_server_identifier TEXT NOT NULL,
    permission_name TEXT NOT NULL,
    PRIMARY KEY (role_id, resource_server_identifier, permission_name)
);
CREATE INDEX role_permissions_api_idx ON role_permissions (resource_server_identifier, permission_name);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL,
    role_id TEXT NOT NULL,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role_idx ON user_roles (role_id, user_id);

CREATE TABLE user_permissions (
    user_id TEXT NOT NULL,
    resource_server_identifier TEXT NOT NULL,
    permission_name TEXT NOT NULL,
    PRIMARY KEY (user_id, resource_server_identifier, permission_name)
);
CREATE INDEX user_permissions_api_idx ON user_permissions (resource_server_identifier, permission_name);
)sql";

// Password-change and email-verification tickets (the links of reset and verification mails, and
// of /api/v2/tickets/*). Only the hash of a ticket is stored; used_at makes it single use.
constexpr std::string_view kUserTickets = R"sql(
CREATE TABLE user_tickets (
    id_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id TEXT NOT NULL,
    doc TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT NOT NULL
);
CREATE INDEX user_tickets_user_idx ON user_tickets (user_id, kind);
CREATE INDEX user_tickets_expiry_idx ON user_tickets (expires_at);
)sql";

// Tenant log events (GET /api/v2/logs). log_id orders like the date (it starts with it), so
// "newest first" and checkpoint paging walk log_id; each filterable column has an index ending in
// log_id so a filtered page is an index range, and date_ms has its own for ranges and retention.
constexpr std::string_view kTenantLogs = R"sql(
CREATE TABLE logs (
    log_id TEXT PRIMARY KEY,
    date_ms BIGINT NOT NULL,
    type TEXT NOT NULL,
    description TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_name TEXT NOT NULL,
    ip TEXT NOT NULL,
    user_id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    connection_name TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX logs_date_idx ON logs (date_ms);
CREATE INDEX logs_type_idx ON logs (type, log_id);
CREATE INDEX logs_user_idx ON logs (user_id, log_id);
CREATE INDEX logs_client_idx ON logs (client_id, log_id);
CREATE INDEX mail_queue_created_idx ON mail_queue (created_at);
)sql";

// Organizations and their members; members go with their user or organization, deleted by the
// store in the same transaction (as the RBAC rows above).
constexpr std::string_view kOrganizations = R"sql(
CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    display_name TEXT NOT NULL,
    doc TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX organizations_name_idx ON organizations (name);

CREATE TABLE organization_members (
    org_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX organization_members_user_idx ON organization_members (user_id, org_id);

CREATE TABLE organization_member_roles (
    org_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role_id TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id, role_id)
);
CREATE INDEX organization_member_roles_user_idx ON organization_member_roles (user_id);
CREATE INDEX organization_member_roles_role_idx ON organization_member_roles (role_id);

CREATE TABLE organization_connections (
    org_id TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    assign_membership_on_login INTEGER NOT NULL,
    show_as_button INTEGER NOT NULL,
    is_signup_enabled INTEGER NOT NULL,
    PRIMARY KEY (org_id, connection_id)
);
CREATE INDEX organization_connections_connection_idx ON organization_connections (connection_id);

-- An invitation's link is a random ticket of which only the SHA-256 is stored; redeeming it deletes
-- the row (single use).
CREATE TABLE organization_invitations (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    ticket_hash TEXT NOT NULL,
    doc TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX organization_invitations_ticket_idx ON organization_invitations (ticket_hash);
CREATE INDEX organization_invitations_org_idx ON organization_invitations (org_id, created_at);
CREATE INDEX organization_invitations_expiry_idx ON organization_invitations (expires_at);

-- The organization a login went through, by its grant: every token of the grant (refreshed ones
-- too) carries it, and nothing a client sends can change it.
CREATE TABLE grant_organizations (
    grant_id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
)sql";

// User search (GET /api/v2/users?q=): a connection's users in the default order, the updated_at
// sort, and on PostgreSQL bytewise copies of the prefix-searched columns (a search compares text
// under COLLATE "C" so both backends order alike; SQLite's default BINARY indexes serve already).
constexpr std::string_view kUserSearchIndexes = R"sql(
CREATE INDEX users_connection_created_idx ON users (connection_name, created_at, user_id);
CREATE INDEX users_updated_idx ON users (updated_at, user_id);
)sql";
constexpr std::string_view kUserSearchIndexesPostgres = R"sql(
CREATE INDEX users_connection_created_idx ON users (connection_name, created_at, user_id);
CREATE INDEX users_updated_idx ON users (updated_at, user_id);
CREATE INDEX users_email_bytewise_idx ON users ((email_norm COLLATE "C"));
CREATE INDEX users_user_id_bytewise_idx ON users ((user_id COLLATE "C"));
)sql";

// Background jobs of the Management API (bulk user import and export). A job is claimed by a lease
// (lease_until), as the mail queue; an export's file is kept in numbered chunks next to it, so any
// instance can serve the download.
constexpr std::string_view kJobs = R"sql(
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    doc TEXT NOT NULL,
    input TEXT NOT NULL,
    errors TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    lease_until BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX jobs_claim_idx ON jobs (status, created_at);
CREATE INDEX jobs_expiry_idx ON jobs (expires_at);
CREATE TABLE job_output (
    job_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
)sql";

// A revoked signing key stays listed (Auth0's Management API shows it) but is never published or trusted.
constexpr std::string_view kRevokedSigningKeys = R"sql(
ALTER TABLE signing_keys ADD COLUMN revoked_at BIGINT NOT NULL DEFAULT 0;
)sql";

// A refresh-token family's current token is found by (grant_id, rotated_at = 0) in one index probe.
// The purge used to look for it under grant_id alone, once per rotated token: quadratic in a
// family's length, so a client rotating one token a few hundred thousand times stalled the server's
// store for minutes. The idle purge now takes whole families, so no rotated token outlives its
// current one; those earlier purges left behind go here, once. The purge of a login's organization
// asks the same of authorization codes, by grant_id, once per organization grant.
constexpr std::string_view kRefreshTokenFamilies = R"sql(
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (grant_id, rotated_at);
CREATE INDEX authorization_codes_grant_idx ON authorization_codes (grant_id);
DROP INDEX refresh_tokens_grant_idx;
DELETE FROM refresh_tokens WHERE rotated_at > 0 AND NOT EXISTS (SELECT 1 FROM refresh_tokens c
    WHERE c.grant_id = refresh_tokens.grant_id AND c.rotated_at = 0);
)sql";

// The tenant-log writer runs beside the token path, and each B-tree an event enters costs it an
// insert and, on SQLite, about six more WAL frames per 100-event commit (issue 16). log_id begins with the event's date
// (see new_log_id), so date ranges and the retention purge are log_id ranges and date_ms needs no index of its own;
// events with no user (client credentials) or no client skip those indexes, which queries reach by repeating the
// index's condition; and on SQLite the table is the log_id B-tree itself (WITHOUT ROWID) rather than a rowid table plus
// a log_id index. Rebuilding the SQLite table copies the existing events once, in log_id order.
constexpr std::string_view kTenantLogIndexes = R"sql(
DROP INDEX logs_date_idx;
DROP INDEX logs_user_idx;
DROP INDEX logs_client_idx;
CREATE INDEX logs_user_idx ON logs (user_id, log_id) WHERE user_id <> '';
CREATE INDEX logs_client_idx ON logs (client_id, log_id) WHERE client_id <> '';
)sql";
// The SQLite log table since migration 14, in the store's file (migration 14) and in the log file
// (kLogFileSchema).
#define GH_SQLITE_LOG_COLUMNS                                                                        \
    "(\n    log_id TEXT PRIMARY KEY,\n    date_ms BIGINT NOT NULL,\n    type TEXT NOT NULL,\n"       \
    "    description TEXT NOT NULL,\n    client_id TEXT NOT NULL,\n    client_name TEXT NOT NULL,\n" \
    "    ip TEXT NOT NULL,\n    user_id TEXT NOT NULL,\n    user_name TEXT NOT NULL,\n"              \
    "    connection_name TEXT NOT NULL,\n    details TEXT NOT NULL\n) WITHOUT ROWID;\n"
#define GH_SQLITE_LOG_INDEXES(if_not_exists)                         \
    "CREATE INDEX " if_not_exists                                    \
    "logs_type_idx ON logs (type, log_id);\n"                        \
    "CREATE INDEX " if_not_exists                                    \
    "logs_user_idx ON logs (user_id, log_id) WHERE user_id <> '';\n" \
    "CREATE INDEX " if_not_exists "logs_client_idx ON logs (client_id, log_id) WHERE client_id <> '';\n"

constexpr std::string_view kTenantLogIndexesSqlite =
    "CREATE TABLE logs_by_id " GH_SQLITE_LOG_COLUMNS
    "INSERT INTO logs_by_id SELECT log_id, date_ms, type, description, client_id, client_name, ip, user_id, "
    "user_name,\n"
    "    connection_name, details FROM logs ORDER BY log_id;\n"
    "DROP TABLE logs;\n"
    "ALTER TABLE logs_by_id RENAME TO logs;\n" GH_SQLITE_LOG_INDEXES("");

// Nothing changes in the schema itself: SQLite file stores move their events to a file of their own
// when they open (store/sqlite), and this version keeps an older Gatehouse, which would look for
// them in the store's file, from starting on one.
constexpr std::string_view kTenantLogFile = "SELECT 1;";

// Tenant logs as runs (issue 16): a row holds up to a few hundred events that share their type,
// client and user, consecutive in log_id order and at most a second apart (store/sql: kLogRunSpanMs),
// as a JSON array of [log_id, date_ms, description, client_name, ip, user_name, connection, details].
// One row per event cost the writer about 2 µs of CPU per event on SQLite, three B-tree inserts each
// beside the token path; a run costs it the same three once. The filterable columns keep their
// indexes, now per run; queries unnest the runs they need in SQL (json_each / json_array_elements).
// Every existing event becomes a run of one.
#define GH_LOG_RUN_COLUMNS                                                                                \
    "(\n    log_id TEXT PRIMARY KEY,\n    last_log_id TEXT NOT NULL,\n    event_count BIGINT NOT NULL,\n" \
    "    type TEXT NOT NULL,\n    client_id TEXT NOT NULL,\n    user_id TEXT NOT NULL,\n    events TEXT NOT NULL\n)"
#define GH_LOG_RUN_INDEXES(if_not_exists)                                    \
    "CREATE INDEX " if_not_exists                                            \
    "log_runs_type_idx ON log_runs (type, log_id);\n"                        \
    "CREATE INDEX " if_not_exists                                            \
    "log_runs_user_idx ON log_runs (user_id, log_id) WHERE user_id <> '';\n" \
    "CREATE INDEX " if_not_exists "log_runs_client_idx ON log_runs (client_id, log_id) WHERE client_id <> '';\n"
// The statement that turns the events of `logs` (one row each) into runs of one.
#define GH_LOG_RUNS_FROM_EVENTS(array, details)                                                                 \
    "INSERT INTO log_runs (log_id, last_log_id, event_count, type, client_id, user_id, events) SELECT log_id, " \
    "log_id, 1, type, client_id, user_id, CAST(" array "(" array                                                \
    "(log_id, date_ms, description, client_name, "                                                              \
    "ip, user_name, connection_name, " details ")) AS TEXT) FROM logs;\n"

// A SQLite file store whose events moved to its log file (migration 15) has no `logs` table left:
// an empty one stands in, so the same script serves it, and the move (store/sqlite) then takes
// `log_runs` instead.
constexpr std::string_view kTenantLogRunsSqlite =
    "CREATE TABLE IF NOT EXISTS logs " GH_SQLITE_LOG_COLUMNS "CREATE TABLE log_runs " GH_LOG_RUN_COLUMNS
    " WITHOUT ROWID;\n" GH_LOG_RUNS_FROM_EVENTS("json_array",
                                                "json(details)") "DROP TABLE logs;\n" GH_LOG_RUN_INDEXES("");
constexpr std::string_view kTenantLogRunsPostgres =
    "CREATE TABLE log_runs " GH_LOG_RUN_COLUMNS ";\n" GH_LOG_RUNS_FROM_EVENTS(
        "json_build_array", "CAST(details AS json)") "DROP TABLE logs;\n" GH_LOG_RUN_INDEXES("");

constexpr std::array kMigrations = {
    migration{1, "initial schema", kInitialSchema},
    migration{2, "indexes for revoking a user's grants and sessions", kUserRevocationIndexes},
    migration{3, "tenant settings", kTenantSettings},
    migration{4, "refresh-token idle expiry and generations", kRefreshTokenSettings},
    migration{5, "outgoing mail queue", kMailQueue},
    migration{6, "roles and permissions", kRoles},
    migration{7, "password-change and email-verification tickets", kUserTickets},
    migration{8, "tenant logs", kTenantLogs},
    migration{9, "organizations, members, member roles, enabled connections, invitations", kOrganizations},
    migration{10, "user search indexes", kUserSearchIndexes, {}, kUserSearchIndexesPostgres},
    migration{11, "background jobs: bulk user import and export", kJobs},
    migration{12, "revoked signing keys", kRevokedSigningKeys},
    migration{13, "refresh-token families and code grants indexed by grant", kRefreshTokenFamilies},
    migration{14, "tenant logs keyed by log_id, with partial user and client indexes", kTenantLogIndexes,
              kTenantLogIndexesSqlite},
    migration{15, "tenant logs in a SQLite file of their own", kTenantLogFile},
    migration{16, "tenant logs stored as runs of events", kTenantLogRunsPostgres, kTenantLogRunsSqlite},
};

// The log file's schema (version 2): its table of runs, as migration 16 leaves the store's.
constexpr std::string_view kLogFileSchema =
    "CREATE TABLE IF NOT EXISTS log_runs " GH_LOG_RUN_COLUMNS " WITHOUT ROWID;\n" GH_LOG_RUN_INDEXES("IF NOT EXISTS ");
// A version-1 log file (one row per event) to version 2, in the transaction the caller opens.
constexpr std::string_view kLogFileRunsUpgrade =
    "CREATE TABLE log_runs " GH_LOG_RUN_COLUMNS " WITHOUT ROWID;\n" GH_LOG_RUNS_FROM_EVENTS(
        "json_array", "json(details)") "DROP TABLE logs;\n" GH_LOG_RUN_INDEXES("");

constexpr bool versions_are_sequential() {
    for (std::size_t i = 0; i < kMigrations.size(); ++i)
        if (kMigrations[i].version != static_cast<int>(i) + 1) return false;
    return true;
}
static_assert(versions_are_sequential(), "migration versions must be 1, 2, 3, ... in order");

}  // namespace

std::span<const migration> migrations() noexcept { return kMigrations; }

std::string_view migration_sql(const migration& m, sql::dialect d) noexcept {
    if (d == sql::dialect::sqlite && !m.sqlite.empty()) return m.sqlite;
    if (d == sql::dialect::postgres && !m.postgres.empty()) return m.postgres;
    return m.sql;
}

int latest_schema_version() noexcept { return kMigrations.back().version; }

std::string_view log_file_schema() noexcept { return kLogFileSchema; }
std::string_view log_file_runs_upgrade() noexcept { return kLogFileRunsUpgrade; }

}  // namespace gatehouse::store
