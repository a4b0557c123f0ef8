#include "store/sql/queries.hpp"

#include <array>

namespace gatehouse::store::sql {

namespace {

struct query_def {
    query id;
    std::string_view sql;
    std::string_view postgres = {};  // empty: same text as `sql`
};

// Column lists shared by the statements that read one aggregate, so every SELECT/RETURNING of
// an aggregate yields the same column order and one row mapper serves them all.
#define GH_KEY_COLS "kid, alg, private_key, public_jwk, created_at, retired_at, expires_at, revoked_at"
#define GH_CLIENT_COLS "client_id, secret_hash, doc, created_at, updated_at"
#define GH_CONNECTION_COLS "id, name, strategy, doc, version, created_at, updated_at"
#define GH_RS_COLS "id, identifier, doc, created_at, updated_at"
#define GH_CG_COLS "id, client_id, audience, scope, created_at"
#define GH_USER_COLS \
    "user_id, connection_name, email, COALESCE(username, ''), password_hash, doc, created_at, updated_at"
#define GH_CODE_COLS                                                                                  \
    "code_hash, grant_id, client_id, user_id, redirect_uri, scope, audience, nonce, code_challenge, " \
    "code_challenge_method, session_id, auth_time, expires_at, consumed_at"
// A token of a revoked family reads as revoked even when it was inserted by a rotation that raced
// the revocation (READ COMMITTED cannot stop that insert), so the family stays dead for every use.
#define GH_REFRESH_COLS                                                                              \
    "token_hash, grant_id, client_id, user_id, scope, audience, session_id, auth_time, created_at, " \
    "expires_at, idle_expires_at, generation, rotated_at, "                                          \
    "COALESCE(NULLIF(revoked_at, 0), "                                                               \
    "(SELECT g.revoked_at FROM revoked_grants g WHERE g.grant_id = refresh_tokens.grant_id), 0)"
#define GH_ROLE_COLS "id, name, description, created_at, updated_at"
#define GH_ORGANIZATION_COLS "id, name, display_name, doc, created_at, updated_at"
#define GH_INVITATION_COLS "id, org_id, ticket_hash, doc, created_at, expires_at"
#define GH_SESSION_COLS "id_hash, user_id, connection_name, auth_time, created_at, expires_at"
#define GH_INTERACTION_COLS "id, kind, doc, expires_at"
#define GH_MAIL_COLS                                                                                          \
    "id, recipient, sender, subject, html_body, status, attempts, created_at, next_attempt_at, lease_until, " \
    "last_error"
#define GH_JOB_COLS "id, type, status, doc, input, errors, attempts, created_at, updated_at, lease_until, expires_at"
#define GH_TICKET_COLS "id_hash, kind, user_id, doc, created_at, expires_at, used_at"
#define GH_LOG_COLS                                                                                         \
    "log_id, date_ms, type, description, client_id, client_name, ip, user_id, user_name, connection_name, " \
    "details"
// Optional filters are passed as '' for "any"; CAST gives PostgreSQL a type for the parameter.
#define GH_EMPTY(n) "CAST($" #n " AS TEXT) = ''"

// The filters of GET /clients on the stored document: $n app types as one ",a,b," list ('' = any;
// a client without app_type matches an empty entry), $n+1 '' (any), 'true' or 'false' for
// is_first_party being true.
#define GH_CLIENT_FILTER_SQLITE(n, m) \
    "(" GH_EMPTY(n) " OR instr(CAST($" #n " AS TEXT), ',' || COALESCE(CASE WHEN json_type(doc, '$.app_type') = " \
    "'text' THEN json_extract(doc, '$.app_type') END, '') || ',') > 0) AND (" GH_EMPTY(m) " OR "                 \
    "(COALESCE(json_type(doc, '$.is_first_party'), '') = 'true') = (CAST($" #m " AS TEXT) = 'true'))"
#define GH_CLIENT_FILTER_PG(n, m) \
    "(" GH_EMPTY(n) " OR strpos(CAST($" #n " AS TEXT), ',' || COALESCE(CASE WHEN jsonb_typeof(CAST(doc AS jsonb) " \
    "-> 'app_type') = 'string' THEN CAST(doc AS jsonb) ->> 'app_type' END, '') || ',') > 0) AND (" GH_EMPTY(m)     \
    " OR COALESCE(CAST(doc AS jsonb) -> 'is_first_party' = CAST('true' AS jsonb), FALSE) = "                       \
    "(CAST($" #m " AS TEXT) = 'true'))"
// Identifiers arrive as one JSON array, so the statement stays prepared whatever their count.
#define GH_RS_IDENTIFIERS_SQLITE(n) "identifier IN (SELECT value FROM json_each(CAST($" #n " AS TEXT)))"
#define GH_RS_IDENTIFIERS_PG(n) "identifier IN (SELECT jsonb_array_elements_text(CAST($" #n " AS jsonb)))"

// Every permission the user $n holds, directly or through a role, each once.
#define GH_USER_PERMISSIONS(n)                                                                      \
    "SELECT resource_server_identifier, permission_name FROM user_permissions WHERE user_id = $" #n \
    " UNION SELECT rp.resource_server_identifier, rp.permission_name FROM role_permissions rp "     \
    "JOIN user_roles ur ON ur.role_id = rp.role_id WHERE ur.user_id = $" #n

constexpr std::array kQueries = {
    query_def{query::begin, "BEGIN IMMEDIATE", "BEGIN"},
    query_def{query::commit, "COMMIT"},
    query_def{query::rollback, "ROLLBACK"},

    query_def{query::migrations_seed,
              "INSERT INTO schema_migrations (version, name, applied_at) VALUES (0, 'baseline', $1) "
              "ON CONFLICT (version) DO NOTHING"},
    // The baseline row is the migration lock: concurrent migrators queue on it (SQLite's
    // BEGIN IMMEDIATE already serialises writers).
    query_def{query::migrations_lock, "SELECT version FROM schema_migrations WHERE version = 0",
              "SELECT version FROM schema_migrations WHERE version = 0 FOR UPDATE"},
    query_def{query::migrations_current, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"},
    query_def{query::migrations_record,
              "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)"},

    query_def{query::meta_get, "SELECT value FROM meta WHERE name = $1"},
    query_def{query::meta_set,
              "INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value"},
    query_def{query::meta_create, "INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"},
    query_def{query::meta_delete, "DELETE FROM meta WHERE name = $1"},
    query_def{query::config_version_get, "SELECT version FROM config_version WHERE id = 1"},
    // First statement of every configuration write: it also takes the row lock that serialises
    // configuration writers on PostgreSQL (e.g. two concurrent key rotations).
    query_def{query::config_version_bump, "UPDATE config_version SET version = version + 1 WHERE id = 1"},

    query_def{query::tenant_settings_get, "SELECT doc, version, updated_at FROM tenant_settings WHERE id = 1"},
    query_def{query::tenant_settings_update,
              "UPDATE tenant_settings SET doc = $1, version = $2, updated_at = $3 WHERE id = 1 AND version = $4"},

    query_def{query::key_insert, "INSERT INTO signing_keys (" GH_KEY_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"},
    query_def{query::key_list, "SELECT " GH_KEY_COLS " FROM signing_keys WHERE revoked_at = 0 AND "
                               "(expires_at = 0 OR expires_at > $1) "
                               "ORDER BY CASE WHEN retired_at = 0 THEN 0 ELSE 1 END, created_at DESC, kid"},
    // Only the rotated algorithm's key: every other algorithm keeps signing.
    query_def{query::key_retire,
              "UPDATE signing_keys SET retired_at = $1, expires_at = $2 WHERE retired_at = 0 AND alg = $3"},
    query_def{query::key_list_all, "SELECT " GH_KEY_COLS " FROM signing_keys "
                                   "ORDER BY CASE WHEN retired_at = 0 THEN 0 ELSE 1 END, created_at DESC, kid"},
    // The signing key of an algorithm (retired_at = 0) is never revoked: its tokens would stop verifying
    // while it still signed new ones.
    query_def{query::key_revoke,
              "UPDATE signing_keys SET revoked_at = $1 WHERE kid = $2 AND retired_at <> 0 AND revoked_at = 0"},

    query_def{query::client_insert, "INSERT INTO clients (" GH_CLIENT_COLS ") VALUES ($1, $2, $3, $4, $5)"},
    query_def{query::client_get, "SELECT " GH_CLIENT_COLS " FROM clients WHERE client_id = $1"},
    query_def{query::client_list,
              "SELECT " GH_CLIENT_COLS " FROM clients ORDER BY created_at, client_id LIMIT $1 OFFSET $2"},
    query_def{query::client_count, "SELECT COUNT(*) FROM clients"},
    query_def{query::client_list_filtered,
              "SELECT " GH_CLIENT_COLS
              " FROM clients WHERE " GH_CLIENT_FILTER_SQLITE(3, 4) " ORDER BY created_at, client_id LIMIT $1 OFFSET $2",
              "SELECT " GH_CLIENT_COLS
              " FROM clients WHERE " GH_CLIENT_FILTER_PG(3, 4) " ORDER BY created_at, client_id LIMIT $1 OFFSET $2"},
    query_def{query::client_count_filtered, "SELECT COUNT(*) FROM clients WHERE " GH_CLIENT_FILTER_SQLITE(1, 2),
              "SELECT COUNT(*) FROM clients WHERE " GH_CLIENT_FILTER_PG(1, 2)},
    query_def{query::client_update,
              "UPDATE clients SET secret_hash = $2, doc = $3, updated_at = $4 WHERE client_id = $1"},
    query_def{query::client_delete, "DELETE FROM clients WHERE client_id = $1"},
    query_def{query::client_grants_delete_by_client, "DELETE FROM client_grants WHERE client_id = $1"},

    query_def{query::connection_insert,
              "INSERT INTO connections (" GH_CONNECTION_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7)"},
    query_def{query::connection_get, "SELECT " GH_CONNECTION_COLS " FROM connections WHERE id = $1"},
    query_def{query::connection_get_by_name, "SELECT " GH_CONNECTION_COLS " FROM connections WHERE name = $1"},
    // Strategies arrive as one ",a,b," list so the statement stays prepared whatever their count.
    query_def{
        query::connection_list,
        "SELECT " GH_CONNECTION_COLS
        " FROM connections WHERE (" GH_EMPTY(3) " OR CAST($3 AS TEXT) LIKE ('%,' || strategy || ',%')) AND (" GH_EMPTY(
            4) " OR name = $4) "
               "ORDER BY created_at, id LIMIT $1 OFFSET $2"},
    query_def{query::connection_count,
              "SELECT COUNT(*) FROM connections WHERE (" GH_EMPTY(
                  1) " OR CAST($1 AS TEXT) LIKE ('%,' || strategy || ',%')) AND (" GH_EMPTY(2) " OR name = $2)"},
    query_def{query::connection_update,
              "UPDATE connections SET strategy = $2, doc = $3, version = $4, updated_at = $5 "
              "WHERE id = $1 AND version = $6"},
    query_def{query::connection_exists, "SELECT version FROM connections WHERE id = $1"},
    query_def{query::connection_delete, "DELETE FROM connections WHERE id = $1"},

    query_def{query::resource_server_insert,
              "INSERT INTO resource_servers (" GH_RS_COLS ") VALUES ($1, $2, $3, $4, $5)"},
    query_def{query::resource_server_get, "SELECT " GH_RS_COLS " FROM resource_servers WHERE id = $1"},
    query_def{query::resource_server_get_by_identifier,
              "SELECT " GH_RS_COLS " FROM resource_servers WHERE identifier = $1"},
    query_def{query::resource_server_list,
              "SELECT " GH_RS_COLS " FROM resource_servers ORDER BY created_at, id LIMIT $1 OFFSET $2"},
    query_def{query::resource_server_count, "SELECT COUNT(*) FROM resource_servers"},
    query_def{query::resource_server_list_by_identifier,
              "SELECT " GH_RS_COLS
              " FROM resource_servers WHERE " GH_RS_IDENTIFIERS_SQLITE(3) " ORDER BY created_at, id LIMIT $1 OFFSET $2",
              "SELECT " GH_RS_COLS
              " FROM resource_servers WHERE " GH_RS_IDENTIFIERS_PG(3) " ORDER BY created_at, id LIMIT $1 OFFSET $2"},
    query_def{query::resource_server_count_by_identifier,
              "SELECT COUNT(*) FROM resource_servers WHERE " GH_RS_IDENTIFIERS_SQLITE(1),
              "SELECT COUNT(*) FROM resource_servers WHERE " GH_RS_IDENTIFIERS_PG(1)},
    query_def{query::resource_server_update, "UPDATE resource_servers SET doc = $2, updated_at = $3 WHERE id = $1"},
    query_def{query::resource_server_delete, "DELETE FROM resource_servers WHERE id = $1"},

    query_def{query::client_grant_insert, "INSERT INTO client_grants (" GH_CG_COLS ") VALUES ($1, $2, $3, $4, $5)"},
    query_def{query::client_grant_get, "SELECT " GH_CG_COLS " FROM client_grants WHERE id = $1"},
    query_def{query::client_grant_find,
              "SELECT " GH_CG_COLS " FROM client_grants WHERE client_id = $1 AND audience = $2"},
    query_def{query::client_grant_list,
              "SELECT " GH_CG_COLS " FROM client_grants WHERE (" GH_EMPTY(3) " OR client_id = $3) AND (" GH_EMPTY(
                  4) " OR audience = $4) ORDER BY created_at, id LIMIT $1 OFFSET $2"},
    query_def{query::client_grant_count, "SELECT COUNT(*) FROM client_grants WHERE (" GH_EMPTY(
                                             1) " OR client_id = $1) AND (" GH_EMPTY(2) " OR audience = $2)"},
    query_def{query::client_grant_update, "UPDATE client_grants SET scope = $2 WHERE id = $1"},
    query_def{query::client_grant_delete, "DELETE FROM client_grants WHERE id = $1"},

    // Empty email/username become NULL so federated users without one do not collide in the
    // per-connection unique indexes.
    query_def{query::user_insert,
              "INSERT INTO users (user_id, connection_name, email, email_norm, username, password_hash, doc, "
              "created_at, updated_at) VALUES ($1, $2, $3, NULLIF(CAST($4 AS TEXT), ''), NULLIF(CAST($5 AS TEXT), ''), "
              "$6, $7, $8, $9)"},
    query_def{query::user_get, "SELECT " GH_USER_COLS " FROM users WHERE user_id = $1"},
    query_def{query::user_by_email,
              "SELECT " GH_USER_COLS " FROM users WHERE connection_name = $1 AND email_norm = $2"},
    query_def{query::user_by_username,
              "SELECT " GH_USER_COLS " FROM users WHERE connection_name = $1 AND username = $2"},
    query_def{query::user_list, "SELECT " GH_USER_COLS " FROM users ORDER BY created_at, user_id LIMIT $1 OFFSET $2"},
    query_def{query::user_count, "SELECT COUNT(*) FROM users"},
    // Keyset paging over the primary key, compared bytewise on both backends.
    query_def{query::user_list_after,
              "SELECT " GH_USER_COLS " FROM users WHERE (CAST($1 AS TEXT) = '' OR connection_name = $1) AND "
              "user_id > $2 ORDER BY user_id LIMIT $3",
              "SELECT " GH_USER_COLS " FROM users WHERE (CAST($1 AS TEXT) = '' OR connection_name = $1) AND "
              "(user_id COLLATE \"C\") > $2 ORDER BY user_id COLLATE \"C\" LIMIT $3"},
    query_def{query::user_list_by_email,
              "SELECT " GH_USER_COLS
              " FROM users WHERE email_norm = $3 ORDER BY created_at, user_id LIMIT $1 OFFSET $2"},
    query_def{query::user_count_by_email, "SELECT COUNT(*) FROM users WHERE email_norm = $1"},
    query_def{query::user_update,
              "UPDATE users SET connection_name = $2, email = $3, email_norm = NULLIF(CAST($4 AS TEXT), ''), "
              "username = NULLIF(CAST($5 AS TEXT), ''), password_hash = $6, doc = $7, updated_at = $8 "
              "WHERE user_id = $1"},
    query_def{query::user_replace_password_hash,
              "UPDATE users SET password_hash = $3 WHERE user_id = $1 AND password_hash = $2"},
    query_def{query::user_delete, "DELETE FROM users WHERE user_id = $1"},

    query_def{query::role_insert, "INSERT INTO roles (" GH_ROLE_COLS ") VALUES ($1, $2, $3, $4, $5)"},
    query_def{query::role_get, "SELECT " GH_ROLE_COLS " FROM roles WHERE id = $1"},
    // name_filter: a case-insensitive substring (instr/strpos, so LIKE's wildcards mean nothing).
    // Names sort bytewise on both backends (SQLite's BINARY, PostgreSQL's "C").
    query_def{query::role_list,
              "SELECT " GH_ROLE_COLS " FROM roles WHERE " GH_EMPTY(
                  3) " OR instr(LOWER(name), LOWER($3)) > 0 ORDER BY name, id LIMIT $1 OFFSET $2",
              "SELECT " GH_ROLE_COLS " FROM roles WHERE " GH_EMPTY(
                  3) " OR strpos(LOWER(name), LOWER($3)) > 0 ORDER BY name COLLATE \"C\", id LIMIT $1 OFFSET $2"},
    query_def{query::role_count,
              "SELECT COUNT(*) FROM roles WHERE " GH_EMPTY(1) " OR instr(LOWER(name), LOWER($1)) > 0",
              "SELECT COUNT(*) FROM roles WHERE " GH_EMPTY(1) " OR strpos(LOWER(name), LOWER($1)) > 0"},
    query_def{query::role_update, "UPDATE roles SET name = $2, description = $3, updated_at = $4 WHERE id = $1"},
    query_def{query::role_delete, "DELETE FROM roles WHERE id = $1"},
    query_def{query::role_permission_insert,
              "INSERT INTO role_permissions (role_id, resource_server_identifier, permission_name) VALUES ($1, $2, $3) "
              "ON CONFLICT DO NOTHING"},
    query_def{query::role_permission_delete,
              "DELETE FROM role_permissions WHERE role_id = $1 AND resource_server_identifier = $2 AND "
              "permission_name = $3"},
    query_def{query::role_permission_list,
              "SELECT resource_server_identifier, permission_name FROM role_permissions WHERE role_id = $3 "
              "ORDER BY resource_server_identifier, permission_name LIMIT $1 OFFSET $2"},
    query_def{query::role_permission_count, "SELECT COUNT(*) FROM role_permissions WHERE role_id = $1"},
    query_def{query::role_permissions_delete_by_role, "DELETE FROM role_permissions WHERE role_id = $1"},
    query_def{query::role_permissions_delete_by_api,
              "DELETE FROM role_permissions WHERE resource_server_identifier = $1"},
    query_def{query::role_permissions_delete_name,
              "DELETE FROM role_permissions WHERE resource_server_identifier = $1 AND permission_name = $2"},
    query_def{query::user_role_insert,
              "INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"},
    query_def{query::user_role_delete, "DELETE FROM user_roles WHERE user_id = $1 AND role_id = $2"},
    query_def{query::user_role_list,
              "SELECT r.id, r.name, r.description, r.created_at, r.updated_at FROM roles r JOIN user_roles ur "
              "ON ur.role_id = r.id WHERE ur.user_id = $3 ORDER BY r.name, r.id LIMIT $1 OFFSET $2",
              "SELECT r.id, r.name, r.description, r.created_at, r.updated_at FROM roles r JOIN user_roles ur "
              "ON ur.role_id = r.id WHERE ur.user_id = $3 ORDER BY r.name COLLATE \"C\", r.id LIMIT $1 OFFSET $2"},
    query_def{query::user_role_count, "SELECT COUNT(*) FROM user_roles WHERE user_id = $1"},
    query_def{query::user_roles_delete_by_role, "DELETE FROM user_roles WHERE role_id = $1"},
    query_def{query::user_roles_delete_by_user, "DELETE FROM user_roles WHERE user_id = $1"},
    query_def{query::role_user_list,
              "SELECT " GH_USER_COLS " FROM users WHERE user_id IN (SELECT user_id FROM user_roles WHERE role_id = $3) "
              "ORDER BY user_id LIMIT $1 OFFSET $2"},
    query_def{query::role_user_count,
              "SELECT COUNT(*) FROM users WHERE user_id IN (SELECT user_id FROM user_roles WHERE role_id = $1)"},
    query_def{query::user_permission_insert,
              "INSERT INTO user_permissions (user_id, resource_server_identifier, permission_name) VALUES ($1, $2, $3) "
              "ON CONFLICT DO NOTHING"},
    query_def{query::user_permission_delete,
              "DELETE FROM user_permissions WHERE user_id = $1 AND resource_server_identifier = $2 AND "
              "permission_name = $3"},
    query_def{query::user_permissions_delete_by_user, "DELETE FROM user_permissions WHERE user_id = $1"},
    query_def{query::user_permissions_delete_by_api,
              "DELETE FROM user_permissions WHERE resource_server_identifier = $1"},
    query_def{query::user_permissions_delete_name,
              "DELETE FROM user_permissions WHERE resource_server_identifier = $1 AND permission_name = $2"},
    query_def{query::user_permission_list, GH_USER_PERMISSIONS(3) " ORDER BY 1, 2 LIMIT $1 OFFSET $2"},
    query_def{query::user_permission_count, "SELECT COUNT(*) FROM (" GH_USER_PERMISSIONS(1) ") held"},
    query_def{query::user_permission_sources,
              "SELECT resource_server_identifier, permission_name, CAST('' AS TEXT), CAST('' AS TEXT) "
              "FROM user_permissions WHERE user_id = $1 UNION ALL "
              "SELECT rp.resource_server_identifier, rp.permission_name, r.id, r.name FROM user_roles ur "
              "JOIN roles r ON r.id = ur.role_id JOIN role_permissions rp ON rp.role_id = ur.role_id "
              "WHERE ur.user_id = $1"},
    // Extra roles arrive as one ",a,b," list so the statement stays prepared whatever their count.
    query_def{query::user_api_permissions,
              "SELECT permission_name FROM user_permissions WHERE user_id = $1 AND resource_server_identifier = $2 "
              "UNION SELECT permission_name FROM role_permissions WHERE resource_server_identifier = $2 AND "
              "(role_id IN (SELECT role_id FROM user_roles WHERE user_id = $1) OR "
              "instr(CAST($3 AS TEXT), ',' || role_id || ',') > 0) ORDER BY 1",
              "SELECT permission_name FROM user_permissions WHERE user_id = $1 AND resource_server_identifier = $2 "
              "UNION SELECT permission_name FROM role_permissions WHERE resource_server_identifier = $2 AND "
              "(role_id IN (SELECT role_id FROM user_roles WHERE user_id = $1) OR "
              "strpos(CAST($3 AS TEXT), ',' || role_id || ',') > 0) ORDER BY 1"},
    query_def{query::api_permission_names,
              "SELECT permission_name FROM role_permissions WHERE resource_server_identifier = $1 UNION "
              "SELECT permission_name FROM user_permissions WHERE resource_server_identifier = $1"},

    query_def{query::code_insert, "INSERT INTO authorization_codes (" GH_CODE_COLS
                                  ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"},
    // Reads the pre-image inside the consume transaction; on PostgreSQL the row lock makes a
    // concurrent consumer wait and then see our consumed_at (READ COMMITTED re-reads locked rows).
    query_def{query::code_lock, "SELECT " GH_CODE_COLS " FROM authorization_codes WHERE code_hash = $1",
              "SELECT " GH_CODE_COLS " FROM authorization_codes WHERE code_hash = $1 FOR UPDATE"},
    query_def{query::code_consume,
              "UPDATE authorization_codes SET consumed_at = $2 WHERE code_hash = $1 AND consumed_at = 0"},

    query_def{query::refresh_insert,
              "INSERT INTO refresh_tokens (token_hash, grant_id, client_id, user_id, scope, audience, session_id, "
              "auth_time, created_at, expires_at, idle_expires_at, generation, rotated_at, revoked_at) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"},
    query_def{query::refresh_get, "SELECT " GH_REFRESH_COLS " FROM refresh_tokens WHERE token_hash = $1"},
    query_def{query::refresh_lock, "SELECT " GH_REFRESH_COLS " FROM refresh_tokens WHERE token_hash = $1",
              "SELECT " GH_REFRESH_COLS " FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE"},
    query_def{query::refresh_mark_rotated,
              "UPDATE refresh_tokens SET rotated_at = $2 WHERE token_hash = $1 AND rotated_at = 0 AND revoked_at = 0"},
    query_def{query::refresh_lock_current,
              "SELECT " GH_REFRESH_COLS
              " FROM refresh_tokens WHERE grant_id = $1 AND rotated_at = 0 AND revoked_at = 0",
              "SELECT " GH_REFRESH_COLS
              " FROM refresh_tokens WHERE grant_id = $1 AND rotated_at = 0 AND revoked_at = 0 FOR UPDATE"},
    query_def{query::refresh_touch,
              "UPDATE refresh_tokens SET idle_expires_at = $2 WHERE token_hash = $1 AND rotated_at = 0 AND "
              "revoked_at = 0 AND NOT EXISTS (SELECT 1 FROM revoked_grants g WHERE g.grant_id = "
              "refresh_tokens.grant_id)"},
    query_def{query::refresh_revoke_family,
              "UPDATE refresh_tokens SET revoked_at = $2 WHERE grant_id = $1 AND revoked_at = 0"},
    query_def{query::grant_revoke,
              "INSERT INTO revoked_grants (grant_id, revoked_at) VALUES ($1, $2) ON CONFLICT (grant_id) DO NOTHING"},
    query_def{query::grant_is_revoked, "SELECT revoked_at FROM revoked_grants WHERE grant_id = $1"},
    query_def{query::user_revoke_refresh_tokens,
              "UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at = 0"},
    // The families and the grants of unredeemed codes are recorded as revoked, so a rotation racing
    // this, a code redeemed after it and access tokens carrying these grant ids are all refused.
    query_def{query::user_revoke_refresh_grants,
              "INSERT INTO revoked_grants (grant_id, revoked_at) SELECT DISTINCT grant_id, CAST($2 AS BIGINT) FROM "
              "refresh_tokens "
              "WHERE user_id = $1 ON CONFLICT (grant_id) DO NOTHING"},
    query_def{query::user_revoke_code_grants,
              "INSERT INTO revoked_grants (grant_id, revoked_at) SELECT DISTINCT grant_id, CAST($2 AS BIGINT) FROM "
              "authorization_codes "
              "WHERE user_id = $1 ON CONFLICT (grant_id) DO NOTHING"},

    query_def{query::session_insert, "INSERT INTO sessions (" GH_SESSION_COLS ") VALUES ($1, $2, $3, $4, $5, $6)"},
    query_def{query::session_get, "SELECT " GH_SESSION_COLS " FROM sessions WHERE id_hash = $1 AND expires_at > $2"},
    query_def{query::session_delete, "DELETE FROM sessions WHERE id_hash = $1"},
    query_def{query::session_delete_by_user, "DELETE FROM sessions WHERE user_id = $1"},
    query_def{query::session_touch, "UPDATE sessions SET expires_at = $2 WHERE id_hash = $1 AND expires_at > $3"},

    query_def{query::interaction_insert, "INSERT INTO interactions (" GH_INTERACTION_COLS ") VALUES ($1, $2, $3, $4)"},
    query_def{query::interaction_get,
              "SELECT " GH_INTERACTION_COLS " FROM interactions WHERE id = $1 AND expires_at > $2"},
    // One statement: of concurrent takers only the one whose DELETE removed the row gets it back.
    query_def{query::interaction_take,
              "DELETE FROM interactions WHERE id = $1 AND expires_at > $2 RETURNING " GH_INTERACTION_COLS},

    query_def{query::mail_insert,
              "INSERT INTO mail_queue (" GH_MAIL_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"},
    // A claim is a lease: the outer condition is re-checked on the row itself, so of two instances
    // racing for a row only the one whose UPDATE still sees the lease expired gets it back
    // (PostgreSQL re-evaluates it after the row lock; SQLite serialises writers). PostgreSQL skips
    // rows another claimer holds instead of queueing on them.
    query_def{query::mail_claim,
              "UPDATE mail_queue SET lease_until = $2 WHERE id IN (SELECT id FROM mail_queue WHERE status = 'pending' "
              "AND next_attempt_at <= $1 AND lease_until <= $1 ORDER BY next_attempt_at, id LIMIT $3) "
              "AND status = 'pending' AND lease_until <= $1 RETURNING " GH_MAIL_COLS,
              // Materialised: as a plain `IN (... LIMIT $3)` PostgreSQL may re-run the subquery per row
              // (a semi join) and claim more than $3, as the jobs claim showed.
              "WITH due AS MATERIALIZED (SELECT id FROM mail_queue WHERE status = 'pending' AND next_attempt_at <= $1 "
              "AND lease_until <= $1 ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) "
              "UPDATE mail_queue SET lease_until = $2 WHERE id IN (SELECT id FROM due) AND status = 'pending' "
              "AND lease_until <= $1 RETURNING " GH_MAIL_COLS},
    query_def{query::mail_finish,
              "UPDATE mail_queue SET status = $2, attempts = $3, next_attempt_at = $4, last_error = $5, "
              "lease_until = 0 WHERE id = $1"},
    query_def{query::mail_get, "SELECT " GH_MAIL_COLS " FROM mail_queue WHERE id = $1"},

    query_def{query::job_insert,
              "INSERT INTO jobs (" GH_JOB_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"},
    query_def{query::job_get, "SELECT " GH_JOB_COLS " FROM jobs WHERE id = $1"},
    // A lease, as mail_claim: the outer condition is re-checked on the row, so of two claimers only
    // the one whose UPDATE still sees it claimable gets the job back. The subquery is scalar (`=`,
    // evaluated once): as `id IN (... LIMIT 1)` PostgreSQL may plan a semi join that re-runs it per
    // row and claims every job at once.
    query_def{query::job_claim,
              "UPDATE jobs SET status = 'processing', attempts = attempts + 1, lease_until = $2, updated_at = $1 "
              "WHERE id = (SELECT id FROM jobs WHERE status IN ('pending', 'processing') AND lease_until <= $1 "
              "ORDER BY created_at, id LIMIT 1) AND status IN ('pending', 'processing') AND lease_until <= $1 "
              "RETURNING " GH_JOB_COLS,
              "UPDATE jobs SET status = 'processing', attempts = attempts + 1, lease_until = $2, updated_at = $1 "
              "WHERE id = (SELECT id FROM jobs WHERE status IN ('pending', 'processing') AND lease_until <= $1 "
              "ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) AND status IN ('pending', 'processing') "
              "AND lease_until <= $1 RETURNING " GH_JOB_COLS},
    query_def{query::job_renew,
              "UPDATE jobs SET lease_until = $3 WHERE id = $1 AND status = 'processing' AND lease_until = $2"},
    query_def{query::job_checkpoint,
              "UPDATE jobs SET lease_until = $3, doc = $4, errors = $5, updated_at = $6 WHERE id = $1 AND "
              "status = 'processing' AND lease_until = $2"},
    query_def{query::job_finish,
              "UPDATE jobs SET status = $3, doc = $4, errors = $5, updated_at = $6, expires_at = $7, lease_until = 0 "
              "WHERE id = $1 AND status = 'processing' AND lease_until = $2"},
    query_def{query::job_output_insert, "INSERT INTO job_output (job_id, seq, data) VALUES ($1, $2, $3)"},
    query_def{query::job_output_get, "SELECT data FROM job_output WHERE job_id = $1 ORDER BY seq"},
    query_def{query::job_output_clear, "DELETE FROM job_output WHERE job_id = $1"},
    query_def{query::job_count_active,
              "SELECT COUNT(*) FROM jobs WHERE type = $1 AND status IN ('pending', 'processing')"},

    query_def{query::ticket_insert,
              "INSERT INTO user_tickets (" GH_TICKET_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7)"},
    query_def{query::ticket_get,
              "SELECT " GH_TICKET_COLS " FROM user_tickets WHERE id_hash = $1 AND used_at = 0 AND expires_at > $2"},
    // One statement: of concurrent redeemers only the one whose UPDATE still saw used_at = 0 gets the row.
    query_def{query::ticket_redeem,
              "UPDATE user_tickets SET used_at = $2 WHERE id_hash = $1 AND used_at = 0 AND expires_at > $2 "
              "RETURNING " GH_TICKET_COLS},
    query_def{query::ticket_retire_user,
              "UPDATE user_tickets SET used_at = $3 WHERE user_id = $1 AND kind = $2 AND used_at = 0"},
    query_def{
        query::log_run_insert,
        "INSERT INTO log_runs (log_id, last_log_id, event_count, type, client_id, user_id, events) VALUES ($1, $2, "
        "$3, $4, $5, $6, $7)"},

    query_def{query::organization_insert,
              "INSERT INTO organizations (" GH_ORGANIZATION_COLS ") VALUES ($1, $2, $3, $4, $5, $6)"},
    query_def{query::organization_get, "SELECT " GH_ORGANIZATION_COLS " FROM organizations WHERE id = $1"},
    query_def{query::organization_get_by_name, "SELECT " GH_ORGANIZATION_COLS " FROM organizations WHERE name = $1"},
    // Names sort bytewise on both backends (SQLite's BINARY, PostgreSQL's "C").
    query_def{query::organization_list,
              "SELECT " GH_ORGANIZATION_COLS " FROM organizations ORDER BY name, id LIMIT $1 OFFSET $2",
              "SELECT " GH_ORGANIZATION_COLS " FROM organizations ORDER BY name COLLATE \"C\", id LIMIT $1 OFFSET $2"},
    query_def{query::organization_count, "SELECT COUNT(*) FROM organizations"},
    query_def{query::organization_update,
              "UPDATE organizations SET name = $2, display_name = $3, doc = $4, updated_at = $5 WHERE id = $1"},
    query_def{query::organization_delete, "DELETE FROM organizations WHERE id = $1"},
    query_def{query::organization_member_insert,
              "INSERT INTO organization_members (org_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"},
    query_def{query::organization_member_delete, "DELETE FROM organization_members WHERE org_id = $1 AND user_id = $2"},
    query_def{query::organization_member_list,
              "SELECT " GH_USER_COLS
              " FROM users WHERE user_id IN (SELECT user_id FROM organization_members WHERE org_id = $3) "
              "ORDER BY user_id LIMIT $1 OFFSET $2"},
    query_def{
        query::organization_member_count,
        "SELECT COUNT(*) FROM users WHERE user_id IN (SELECT user_id FROM organization_members WHERE org_id = $1)"},
    query_def{query::organization_member_get, "SELECT 1 FROM organization_members WHERE org_id = $1 AND user_id = $2"},
    query_def{query::organization_members_delete_by_org, "DELETE FROM organization_members WHERE org_id = $1"},
    query_def{query::organization_members_delete_by_user, "DELETE FROM organization_members WHERE user_id = $1"},
    query_def{query::organization_member_role_insert,
              "INSERT INTO organization_member_roles (org_id, user_id, role_id) VALUES ($1, $2, $3) "
              "ON CONFLICT DO NOTHING"},
    query_def{query::organization_member_role_delete,
              "DELETE FROM organization_member_roles WHERE org_id = $1 AND user_id = $2 AND role_id = $3"},
    query_def{query::organization_member_role_list,
              "SELECT r.id, r.name, r.description, r.created_at, r.updated_at FROM roles r JOIN "
              "organization_member_roles m ON m.role_id = r.id WHERE m.org_id = $3 AND m.user_id = $4 "
              "ORDER BY r.name, r.id LIMIT $1 OFFSET $2",
              "SELECT r.id, r.name, r.description, r.created_at, r.updated_at FROM roles r JOIN "
              "organization_member_roles m ON m.role_id = r.id WHERE m.org_id = $3 AND m.user_id = $4 "
              "ORDER BY r.name COLLATE \"C\", r.id LIMIT $1 OFFSET $2"},
    query_def{query::organization_member_role_count,
              "SELECT COUNT(*) FROM organization_member_roles WHERE org_id = $1 AND user_id = $2"},
    query_def{query::organization_member_role_ids,
              "SELECT role_id FROM organization_member_roles WHERE org_id = $1 AND user_id = $2 ORDER BY role_id"},
    query_def{query::organization_member_roles_delete_member,
              "DELETE FROM organization_member_roles WHERE org_id = $1 AND user_id = $2"},
    query_def{query::organization_member_roles_delete_by_org,
              "DELETE FROM organization_member_roles WHERE org_id = $1"},
    query_def{query::organization_member_roles_delete_by_user,
              "DELETE FROM organization_member_roles WHERE user_id = $1"},
    query_def{query::organization_member_roles_delete_by_role,
              "DELETE FROM organization_member_roles WHERE role_id = $1"},
    query_def{
        query::organization_connection_insert,
        "INSERT INTO organization_connections (org_id, connection_id, assign_membership_on_login, show_as_button, "
        "is_signup_enabled) VALUES ($1, $2, $3, $4, $5)"},
    query_def{query::organization_connection_update,
              "UPDATE organization_connections SET assign_membership_on_login = $3, show_as_button = $4, "
              "is_signup_enabled = $5 WHERE org_id = $1 AND connection_id = $2"},
    query_def{query::organization_connection_delete,
              "DELETE FROM organization_connections WHERE org_id = $1 AND connection_id = $2"},
    query_def{
        query::organization_connection_get,
        "SELECT oc.connection_id, oc.assign_membership_on_login, oc.show_as_button, oc.is_signup_enabled, c.name, "
        "c.strategy FROM "
        "organization_connections oc JOIN connections c ON c.id = oc.connection_id WHERE oc.org_id = $1 AND "
        "oc.connection_id = $2"},
    query_def{
        query::organization_connection_list,
        "SELECT oc.connection_id, oc.assign_membership_on_login, oc.show_as_button, oc.is_signup_enabled, c.name, "
        "c.strategy FROM "
        "organization_connections oc JOIN connections c ON c.id = oc.connection_id WHERE oc.org_id = $3 "
        "ORDER BY c.name, c.id LIMIT $1 OFFSET $2",
        "SELECT oc.connection_id, oc.assign_membership_on_login, oc.show_as_button, oc.is_signup_enabled, c.name, "
        "c.strategy FROM "
        "organization_connections oc JOIN connections c ON c.id = oc.connection_id WHERE oc.org_id = $3 "
        "ORDER BY c.name COLLATE \"C\", c.id LIMIT $1 OFFSET $2"},
    query_def{query::organization_connection_count,
              "SELECT COUNT(*) FROM organization_connections oc JOIN connections c ON c.id = oc.connection_id "
              "WHERE oc.org_id = $1"},
    query_def{query::organization_connections_delete_by_org, "DELETE FROM organization_connections WHERE org_id = $1"},
    query_def{query::organization_connections_delete_by_connection,
              "DELETE FROM organization_connections WHERE connection_id = $1"},
    query_def{query::organization_invitation_insert,
              "INSERT INTO organization_invitations (" GH_INVITATION_COLS ") VALUES ($1, $2, $3, $4, $5, $6)"},
    query_def{query::organization_invitation_get,
              "SELECT " GH_INVITATION_COLS " FROM organization_invitations WHERE org_id = $1 AND id = $2"},
    query_def{query::organization_invitation_list,
              "SELECT " GH_INVITATION_COLS " FROM organization_invitations WHERE org_id = $3 "
              "ORDER BY created_at DESC, id LIMIT $1 OFFSET $2"},
    query_def{query::organization_invitation_count, "SELECT COUNT(*) FROM organization_invitations WHERE org_id = $1"},
    query_def{query::organization_invitation_delete,
              "DELETE FROM organization_invitations WHERE org_id = $1 AND id = $2"},
    query_def{query::organization_invitation_find,
              "SELECT " GH_INVITATION_COLS " FROM organization_invitations WHERE ticket_hash = $1 AND expires_at > $2"},
    query_def{query::organization_invitation_redeem,
              "DELETE FROM organization_invitations WHERE ticket_hash = $1 AND expires_at > $2 "
              "RETURNING " GH_INVITATION_COLS},
    query_def{query::organization_invitations_delete_by_org, "DELETE FROM organization_invitations WHERE org_id = $1"},
    query_def{query::purge_organization_invitations,
              "DELETE FROM organization_invitations WHERE id IN (SELECT id FROM organization_invitations WHERE "
              "expires_at <= $1 LIMIT CAST($2 AS BIGINT))"},
    query_def{query::grant_organization_insert,
              "INSERT INTO grant_organizations (grant_id, org_id, created_at) VALUES ($1, $2, $3)"},
    query_def{query::grant_organization_get, "SELECT org_id FROM grant_organizations WHERE grant_id = $1"},
    // A grant's organization outlives its code by a margin, so an exchange racing the purge still finds it.
    query_def{query::purge_grant_organizations,
              "DELETE FROM grant_organizations WHERE grant_id IN (SELECT grant_id FROM grant_organizations g WHERE "
              "g.created_at + 3600 <= $1 AND NOT EXISTS (SELECT 1 FROM authorization_codes c WHERE c.grant_id = "
              "g.grant_id) AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.grant_id = g.grant_id) LIMIT CAST($2 "
              "AS BIGINT))"},

    // Each purge statement takes at most $2 rows (families for the idle one): see
    // sql_store::purge_expired.
    query_def{query::purge_codes,
              "DELETE FROM authorization_codes WHERE code_hash IN (SELECT code_hash FROM authorization_codes WHERE "
              "expires_at <= $1 LIMIT CAST($2 AS BIGINT))"},
    // expires_at = 0 is a refresh token without an absolute lifetime; it is never purged.
    query_def{
        query::purge_refresh_tokens,
        "DELETE FROM refresh_tokens WHERE token_hash IN (SELECT token_hash FROM refresh_tokens WHERE expires_at > "
        "0 AND expires_at <= $1 LIMIT CAST($2 AS BIGINT))"},
    // A family whose current token passed its idle end is over: all of it goes at once (the idle
    // index finds the current tokens, the family index their families), so no rotated token is left
    // for a later scan to find.
    query_def{query::purge_idle_refresh_tokens,
              "DELETE FROM refresh_tokens WHERE grant_id IN (SELECT grant_id FROM refresh_tokens WHERE rotated_at = 0 "
              "AND idle_expires_at > 0 AND idle_expires_at <= $1 LIMIT CAST($2 AS BIGINT))"},
    query_def{query::purge_sessions,
              "DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM sessions WHERE expires_at <= $1 LIMIT "
              "CAST($2 AS BIGINT))"},
    query_def{query::purge_interactions,
              "DELETE FROM interactions WHERE id IN (SELECT id FROM interactions WHERE expires_at <= $1 LIMIT CAST($2 "
              "AS BIGINT))"},
    query_def{query::purge_tickets,
              "DELETE FROM user_tickets WHERE id_hash IN (SELECT id_hash FROM user_tickets WHERE expires_at <= $1 "
              "LIMIT CAST($2 AS BIGINT))"},
    // At most $2 runs per statement (see sql_store::purge_history) whose every event is dated before the
    // log_id $1 begins with (log_id_floor): the oldest, at the start of the primary key. A run that
    // straddles the date goes once its last event does (runs span a second at most).
    query_def{
        query::purge_logs,
        "DELETE FROM log_runs WHERE log_id IN (SELECT log_id FROM log_runs WHERE log_id < $1 AND last_log_id < $1 "
        "ORDER BY log_id LIMIT CAST($2 AS BIGINT)) RETURNING event_count"},
    // Pending mail is never dropped here: only what was sent or given up.
    query_def{query::purge_finished_mail, "DELETE FROM mail_queue WHERE status <> 'pending' AND created_at < $1"},
    // A running job has expires_at = 0: only finished ones past their retention go, output first.
    query_def{query::purge_job_output,
              "DELETE FROM job_output WHERE job_id IN (SELECT id FROM jobs WHERE expires_at > 0 AND expires_at <= $1)"},
    query_def{query::purge_jobs, "DELETE FROM jobs WHERE expires_at > 0 AND expires_at <= $1"},
};

#undef GH_JOB_COLS
#undef GH_KEY_COLS
#undef GH_CLIENT_COLS
#undef GH_CONNECTION_COLS
#undef GH_RS_COLS
#undef GH_CG_COLS
#undef GH_USER_COLS
#undef GH_CODE_COLS
#undef GH_REFRESH_COLS
#undef GH_ROLE_COLS
#undef GH_SESSION_COLS
#undef GH_INTERACTION_COLS
#undef GH_MAIL_COLS
#undef GH_TICKET_COLS
#undef GH_EMPTY
#undef GH_USER_PERMISSIONS
#undef GH_CLIENT_FILTER_SQLITE
#undef GH_CLIENT_FILTER_PG
#undef GH_RS_IDENTIFIERS_SQLITE
#undef GH_RS_IDENTIFIERS_PG

constexpr bool table_in_order() {
    if (kQueries.size() != query_count) return false;
    for (std::size_t i = 0; i < kQueries.size(); ++i)
        if (static_cast<std::size_t>(kQueries[i].id) != i) return false;
    return true;
}
static_assert(table_in_order(), "kQueries must list every sql::query enumerator, in declaration order");

}  // namespace

std::string_view log_columns() noexcept { return GH_LOG_COLS; }

// Each run's events as rows of GH_LOG_COLS: the events of a run are [log_id, date_ms, description,
// client_name, ip, user_name, connection, details] (migration 16); type, client and user are the run's.
std::string_view log_run_events(dialect d) noexcept {
    if (d == dialect::postgres)
        return "SELECT e.value ->> 0 AS log_id, CAST(e.value ->> 1 AS BIGINT) AS date_ms, r.type AS type, "
               "e.value ->> 2 AS description, r.client_id AS client_id, e.value ->> 3 AS client_name, "
               "e.value ->> 4 AS ip, r.user_id AS user_id, e.value ->> 5 AS user_name, "
               "e.value ->> 6 AS connection_name, CAST(e.value -> 7 AS TEXT) AS details "
               "FROM log_runs r CROSS JOIN LATERAL json_array_elements(CAST(r.events AS json)) AS e(value) ";
    return "SELECT e.value ->> '$[0]' AS log_id, e.value ->> '$[1]' AS date_ms, r.type AS type, "
           "e.value ->> '$[2]' AS description, r.client_id AS client_id, e.value ->> '$[3]' AS client_name, "
           "e.value ->> '$[4]' AS ip, r.user_id AS user_id, e.value ->> '$[5]' AS user_name, "
           "e.value ->> '$[6]' AS connection_name, e.value -> '$[7]' AS details "
           "FROM log_runs r, json_each(r.events) e ";
}
#undef GH_LOG_COLS

std::string_view query_text(query q, dialect d) noexcept {
    const auto& def = kQueries[static_cast<std::size_t>(q)];
    return d == dialect::postgres && !def.postgres.empty() ? def.postgres : def.sql;
}

}  // namespace gatehouse::store::sql
