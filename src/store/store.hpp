// store: everything Gatehouse persists, behind one interface with two backends (embedded SQLite,
// PostgreSQL) that pass one conformance suite (tests/store). The interface is split per aggregate
// so a consumer names only what it uses. Every call is synchronous and thread-safe; single-use and
// rotation semantics are atomic in the backend (one winner across threads and processes). The store
// knows nothing of HTTP, OAuth rules or JSON shapes beyond carrying documents.
#pragma once

#include "store/errc.hpp"
#include "store/model.hpp"
#include "store/user_search.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::store {

class MetaStore {
  public:
    virtual ~MetaStore() = default;
    // Tenant-wide settings (initialised flag, HMAC key for client secrets, ...).
    virtual result<std::optional<std::string>> get_meta(std::string_view key) = 0;
    virtual result<void> set_meta(std::string_view key, std::string_view value) = 0;
    virtual result<void> create_meta(std::string_view key, std::string_view value) = 0;  // already_exists
    virtual result<void> delete_meta(std::string_view key) = 0;                          // idempotent
    // Bumped by every configuration write (clients, connections, APIs, grants, keys), so caches
    // in any instance can tell cheaply whether what they hold is stale.
    virtual result<std::int64_t> config_version() = 0;
};

class TenantSettingsStore {
  public:
    virtual ~TenantSettingsStore() = default;
    // The settings document; an empty one with version 0 before the first write.
    virtual result<TenantSettings> get_tenant_settings() = 0;
    // Writes `s` (with s.version = expected_version + 1) only if the stored version is
    // `expected_version`: conflict otherwise. A configuration write (bumps config_version).
    virtual result<void> put_tenant_settings(const TenantSettings& s, std::int64_t expected_version) = 0;
};

class KeyStore {
  public:
    virtual ~KeyStore() = default;
    virtual result<void> add_key(const SigningKey&) = 0;
    // All keys neither revoked nor expired at `now`, newest first; the first with retired_at == 0 signs.
    virtual result<std::vector<SigningKey>> list_keys(std::int64_t now) = 0;
    // Every key ever stored, revoked and expired ones included, newest first (the Management API's list).
    virtual result<std::vector<SigningKey>> list_all_keys() = 0;
    // Revokes a retired key: it leaves the JWKS and stops verifying. not_found unless `kid` names a
    // retired key that is not revoked yet (a signing key is never revoked: rotate it first).
    virtual result<void> revoke_key(std::string_view kid, std::int64_t now) = 0;
    // Atomically retires the current signing key of next.alg (retired_at = now, expires_at =
    // keep_until; keys of other algs are untouched) and adds `next` as the signing key for that alg.
    virtual result<void> rotate_key(const SigningKey& next, std::int64_t now, std::int64_t keep_until) = 0;
};

class ClientStore {
  public:
    virtual ~ClientStore() = default;
    virtual result<void> create_client(const Client&) = 0;              // already_exists
    virtual result<Client> get_client(std::string_view client_id) = 0;  // not_found
    virtual result<PageResult<Client>> list_clients(Page) = 0;          // oldest first
    // Oldest first, filtered on the stored document: `app_types` (any of; empty = all; a client
    // without app_type matches ""), `first_party` (is_first_party is true / is not true).
    virtual result<PageResult<Client>> list_clients_filtered(Page, const std::vector<std::string>& app_types,
                                                             std::optional<bool> first_party) = 0;
    virtual result<void> update_client(const Client&) = 0;               // not_found
    virtual result<void> delete_client(std::string_view client_id) = 0;  // not_found; also its grants
};

class ConnectionStore {
  public:
    virtual ~ConnectionStore() = default;
    virtual result<void> create_connection(const Connection&) = 0;  // already_exists (id or name)
    virtual result<Connection> get_connection(std::string_view id) = 0;
    virtual result<Connection> get_connection_by_name(std::string_view name) = 0;
    // Oldest first. `strategies` empty = all; `name` empty = any.
    virtual result<PageResult<Connection>> list_connections(Page, const std::vector<std::string>& strategies,
                                                            std::string_view name) = 0;
    // Writes `c` (with c.version = expected_version + 1) only if the stored version is
    // `expected_version`: conflict otherwise, not_found if gone.
    virtual result<void> update_connection(const Connection& c, std::int64_t expected_version) = 0;
    virtual result<void> delete_connection(std::string_view id) = 0;
};

class ResourceServerStore {
  public:
    virtual ~ResourceServerStore() = default;
    virtual result<void> create_resource_server(const ResourceServer&) = 0;  // already_exists (identifier)
    virtual result<ResourceServer> get_resource_server(std::string_view id) = 0;
    virtual result<ResourceServer> get_resource_server_by_identifier(std::string_view identifier) = 0;
    virtual result<PageResult<ResourceServer>> list_resource_servers(Page) = 0;
    // Oldest first, only those whose identifier is one of `identifiers` (non-empty).
    virtual result<PageResult<ResourceServer>> list_resource_servers_by_identifier(
        Page, const std::vector<std::string>& identifiers) = 0;
    virtual result<void> update_resource_server(const ResourceServer&) = 0;
    virtual result<void> delete_resource_server(std::string_view id) = 0;
};

class ClientGrantStore {
  public:
    virtual ~ClientGrantStore() = default;
    virtual result<void> create_client_grant(const ClientGrant&) = 0;  // already_exists (client_id, audience)
    virtual result<ClientGrant> get_client_grant(std::string_view id) = 0;
    virtual result<ClientGrant> find_client_grant(std::string_view client_id, std::string_view audience) = 0;
    // Either filter may be empty.
    virtual result<PageResult<ClientGrant>> list_client_grants(Page, std::string_view client_id,
                                                               std::string_view audience) = 0;
    virtual result<void> update_client_grant(const ClientGrant&) = 0;
    virtual result<void> delete_client_grant(std::string_view id) = 0;
};

class UserStore {
  public:
    virtual ~UserStore() = default;
    virtual result<void> create_user(const User&) = 0;  // already_exists (user_id, or email within connection)
    virtual result<User> get_user(std::string_view user_id) = 0;
    // Email compared lower-cased. Within one connection an email or username is unique.
    virtual result<User> find_user_by_email(std::string_view connection, std::string_view email) = 0;
    virtual result<User> find_user_by_username(std::string_view connection, std::string_view username) = 0;
    // `email` empty = all users; otherwise exact (lower-cased) match across connections.
    virtual result<PageResult<User>> list_users(Page, std::string_view email) = 0;
    // The users matching `search` (filter, connection), in its order, one page of them; `total`
    // counts every match (0 unless search.with_total). Runs as one SQL statement (plus the count).
    virtual result<PageResult<User>> search_users(const UserSearch& search) = 0;
    // Up to `limit` users with user_id > `after` (bytewise), by user_id, of one connection (empty:
    // all): keyset paging for walking every user (the bulk export) without an OFFSET scan.
    virtual result<std::vector<User>> users_after(std::string_view connection, std::string_view after,
                                                  std::size_t limit) = 0;
    virtual result<void> update_user(const User&) = 0;
    // Sets the user's password hash to `new_hash` only while it is still `current_hash` (a login
    // upgrading the hash it just verified must never undo a password change made meanwhile);
    // not_found when the user is gone or its hash changed.
    virtual result<void> replace_password_hash(std::string_view user_id, std::string_view current_hash,
                                               std::string_view new_hash) = 0;
    virtual result<void> delete_user(std::string_view user_id) = 0;
};

// Role-based access control: roles, their permissions, and what each user holds (roles and
// direct permissions). A permission names an API by its identifier; the store does not check that
// the API defines it (the caller does), but it forgets permissions with their API: deleting a
// resource server, or removing a scope from it, deletes them everywhere. Deleting a user or a role
// deletes its assignments. Role and permission writes are not configuration writes: tokens read
// them from the store at issuance, never from a cache.
class RoleStore {
  public:
    virtual ~RoleStore() = default;
    virtual result<void> create_role(const Role&) = 0;  // already_exists (id)
    virtual result<Role> get_role(std::string_view id) = 0;
    // By name, then id. `name_filter` empty = all; otherwise a case-insensitive substring of the name.
    virtual result<PageResult<Role>> list_roles(Page, std::string_view name_filter) = 0;
    virtual result<void> update_role(const Role&) = 0;          // name, description, updated_at; not_found
    virtual result<void> delete_role(std::string_view id) = 0;  // not_found; also its permissions and users

    // Idempotent (a permission held already stays once). not_found for an unknown role.
    virtual result<void> add_role_permissions(std::string_view role_id, const std::vector<Permission>&) = 0;
    virtual result<void> remove_role_permissions(std::string_view role_id, const std::vector<Permission>&) = 0;
    // By API identifier, then name.
    virtual result<PageResult<Permission>> list_role_permissions(std::string_view role_id, Page) = 0;

    // All or nothing: not_found (nothing written) when the user or any role does not exist.
    virtual result<void> assign_user_roles(std::string_view user_id, const std::vector<std::string>& role_ids) = 0;
    virtual result<void> remove_user_roles(std::string_view user_id, const std::vector<std::string>& role_ids) = 0;
    virtual result<PageResult<Role>> list_user_roles(std::string_view user_id, Page) = 0;  // by name, then id
    // The role's users by user id (offset paging).
    virtual result<PageResult<User>> list_role_users(std::string_view role_id, Page) = 0;

    // Direct permissions; not_found for an unknown user (nothing written).
    virtual result<void> add_user_permissions(std::string_view user_id, const std::vector<Permission>&) = 0;
    virtual result<void> remove_user_permissions(std::string_view user_id, const std::vector<Permission>&) = 0;
    // Every permission the user holds, directly or through its roles, each once, by API identifier
    // then name; paged over distinct permissions.
    virtual result<PageResult<Permission>> list_user_permissions(std::string_view user_id, Page) = 0;
    // Every source of every permission of the user (direct, each role), in no particular order.
    virtual result<std::vector<PermissionSource>> user_permission_sources(std::string_view user_id) = 0;
    // The names of the permissions the user holds for one API (directly or through its roles), each
    // once, sorted: what an access token for that API may carry. Roles a login adds (an
    // organization's member roles, later) come in `extra_role_ids`.
    virtual result<std::vector<std::string>> user_api_permissions(std::string_view user_id,
                                                                  std::string_view resource_server_identifier,
                                                                  const std::vector<std::string>& extra_role_ids) = 0;
};

class OrganizationStore {
  public:
    virtual ~OrganizationStore() = default;
    virtual result<void> create_organization(const Organization&) = 0;  // already_exists (id or name)
    virtual result<Organization> get_organization(std::string_view id) = 0;
    virtual result<Organization> get_organization_by_name(std::string_view name) = 0;
    virtual result<PageResult<Organization>> list_organizations(Page) = 0;  // by name, then id
    // name, display_name, doc, updated_at; not_found; already_exists (name taken)
    virtual result<void> update_organization(const Organization&) = 0;
    virtual result<void> delete_organization(std::string_view id) = 0;  // not_found; also its members

    // All or nothing: not_found (nothing written) when the organization or any user does not exist.
    // Idempotent (a member added twice stays once).
    virtual result<void> add_organization_members(std::string_view org_id,
                                                  const std::vector<std::string>& user_ids) = 0;
    virtual result<void> remove_organization_members(std::string_view org_id,
                                                     const std::vector<std::string>& user_ids) = 0;
    // The members by user id (offset paging).
    virtual result<PageResult<User>> list_organization_members(std::string_view org_id, Page) = 0;
    virtual result<bool> is_organization_member(std::string_view org_id, std::string_view user_id) = 0;

    // A member's roles in the organization. Assigning is all or nothing: not_found when the user is
    // not a member or a role does not exist. Removing a member removes its roles there.
    virtual result<void> assign_organization_member_roles(std::string_view org_id, std::string_view user_id,
                                                          const std::vector<std::string>& role_ids) = 0;
    virtual result<void> remove_organization_member_roles(std::string_view org_id, std::string_view user_id,
                                                          const std::vector<std::string>& role_ids) = 0;
    virtual result<PageResult<Role>> list_organization_member_roles(std::string_view org_id, std::string_view user_id,
                                                                    Page) = 0;
    // Every role id of the member in the organization (what a login through it adds to RBAC).
    virtual result<std::vector<std::string>> organization_member_role_ids(std::string_view org_id,
                                                                          std::string_view user_id) = 0;

    // Enabled connections. enable: not_found (organization or connection), already_exists.
    // update: not_found when not enabled. Deleting a connection disables it everywhere.
    virtual result<void> enable_organization_connection(std::string_view org_id, const OrganizationConnection&) = 0;
    virtual result<void> update_organization_connection(std::string_view org_id, const OrganizationConnection&) = 0;
    virtual result<void> disable_organization_connection(std::string_view org_id, std::string_view connection_id) = 0;
    virtual result<OrganizationConnection> get_organization_connection(std::string_view org_id,
                                                                       std::string_view connection_id) = 0;
    virtual result<PageResult<OrganizationConnection>> list_organization_connections(std::string_view org_id,
                                                                                     Page) = 0;  // by name

    // Invitations: not_found when the organization does not exist. Newest first.
    virtual result<void> create_organization_invitation(const OrganizationInvitation&) = 0;
    virtual result<OrganizationInvitation> get_organization_invitation(std::string_view org_id,
                                                                       std::string_view id) = 0;
    virtual result<PageResult<OrganizationInvitation>> list_organization_invitations(std::string_view org_id, Page) = 0;
    virtual result<void> delete_organization_invitation(std::string_view org_id, std::string_view id) = 0;
    // Finds the unexpired invitation of `ticket_hash` without using it.
    virtual result<OrganizationInvitation> find_organization_invitation(std::string_view ticket_hash,
                                                                        std::int64_t now) = 0;
    // The organization of a login's grant (written once, when the login completes); not_found for a
    // grant made without one. Purged once no code or refresh token of the grant is left.
    virtual result<void> record_grant_organization(std::string_view grant_id, std::string_view org_id,
                                                   std::int64_t now) = 0;
    virtual result<std::string> grant_organization(std::string_view grant_id) = 0;
    // Uses it: one DELETE ... RETURNING, so of concurrent redeemers exactly one gets it.
    virtual result<OrganizationInvitation> redeem_organization_invitation(std::string_view ticket_hash,
                                                                          std::int64_t now) = 0;
};

class CodeStore {
  public:
    virtual ~CodeStore() = default;
    virtual result<void> create_code(const AuthorizationCode&) = 0;
    // Atomically marks the code consumed (consumed_at = now) and returns the row as it was
    // before: consumed_at == 0 means this caller won; non-zero means a replay (the caller then
    // revokes the grant). Exactly one of N concurrent callers sees consumed_at == 0. Unknown
    // code: not_found. Expiry is the caller's to check.
    virtual result<AuthorizationCode> consume_code(std::string_view code_hash, std::int64_t now) = 0;
};

// What RefreshTokenStore::exchange_refresh_token did with a presented token.
enum class RefreshExchange {
    rotated,       // it was current: marked rotated, `next` stored as the family's current token
    leeway_reuse,  // it was the family's previous token, rotated less than `leeway` seconds ago:
                   // the current token was retired and `next` stored in its place
    reuse,         // rotated before and not reusable: nothing written (the caller revokes the family)
    revoked,       // revoked (or its family is): nothing written
};

struct RefreshExchangeResult {
    RefreshToken before;  // the presented token as it was
    RefreshExchange outcome = RefreshExchange::reuse;
};

class RefreshTokenStore {
  public:
    virtual ~RefreshTokenStore() = default;
    virtual result<void> create_refresh_token(const RefreshToken&) = 0;
    virtual result<RefreshToken> get_refresh_token(std::string_view token_hash) = 0;
    // Atomically exchanges the token `old_hash` for `next` (whose generation the store sets: one
    // more than the family's current token). A current token is rotated. A rotated token is
    // accepted again (leeway_reuse) only while now < rotated_at + leeway and only if it is the
    // family's previous token (generation one less than the current one); the current token is
    // then retired, so a family always has one current token. Anything else is reuse or revoked,
    // and writes nothing. Exactly one of N concurrent callers presenting a current token wins.
    // Unknown: not_found.
    virtual result<RefreshExchangeResult> exchange_refresh_token(std::string_view old_hash, RefreshToken next,
                                                                 std::int64_t now, std::int64_t leeway) = 0;
    // Use of a reusable (non-rotating) token: if it is current and not revoked, sets its idle end
    // and returns true; otherwise writes nothing and returns false. Unknown: not_found.
    virtual result<bool> touch_refresh_token(std::string_view token_hash, std::int64_t idle_expires_at) = 0;
    // Revokes every refresh token of the grant (family) and records the grant as revoked, so
    // access tokens carrying its id are refused too.
    virtual result<void> revoke_grant(std::string_view grant_id, std::int64_t now) = 0;
    virtual result<bool> is_grant_revoked(std::string_view grant_id) = 0;
    // Revokes every refresh-token family of the user and the grants of its unredeemed codes, for
    // good: a later refresh of any of them fails even if the user is unblocked.
    virtual result<void> revoke_user_grants(std::string_view user_id, std::int64_t now) = 0;
};

class SessionStore {
  public:
    virtual ~SessionStore() = default;
    virtual result<void> create_session(const Session&) = 0;
    virtual result<Session> get_session(std::string_view id_hash, std::int64_t now) = 0;  // not_found if expired
    virtual result<void> delete_session(std::string_view id_hash) = 0;                    // idempotent
    // Moves a live session's end (idle_session_lifetime); an expired or deleted one stays gone.
    virtual result<void> touch_session(std::string_view id_hash, std::int64_t expires_at, std::int64_t now) = 0;
    virtual result<void> delete_user_sessions(std::string_view user_id) = 0;  // idempotent
};

class InteractionStore {
  public:
    virtual ~InteractionStore() = default;
    virtual result<void> create_interaction(const Interaction&) = 0;
    virtual result<Interaction> get_interaction(std::string_view id, std::int64_t now) = 0;  // not_found if expired
    // Deletes and returns it: exactly one caller gets it. not_found if absent or expired.
    virtual result<Interaction> take_interaction(std::string_view id, std::int64_t now) = 0;
};

// The outgoing mail queue: rows stay until sent or given up, so a restart loses nothing.
class MailStore {
  public:
    virtual ~MailStore() = default;
    virtual result<void> enqueue_mail(const Mail&) = 0;
    // Atomically leases up to `limit` pending mails due at `now` (next_attempt_at <= now and no
    // live lease) until `lease_until`, and returns them: of concurrent claimers (threads or
    // instances) exactly one gets a given row.
    virtual result<std::vector<Mail>> claim_due_mail(std::int64_t now, std::int64_t lease_until, std::size_t limit) = 0;
    // Records the outcome of an attempt (status, attempts, next_attempt_at, last_error of `m`) and
    // releases the lease.
    virtual result<void> finish_mail(const Mail& m) = 0;
    virtual result<Mail> get_mail(std::string_view id) = 0;  // not_found
};

// Background jobs (bulk user import and export): rows survive a restart; a claim is a lease, so of
// several instances exactly one runs a job, and a crashed instance's job is taken over when its
// lease has passed.
class JobStore {
  public:
    virtual ~JobStore() = default;
    virtual result<void> create_job(const Job&) = 0;       // already_exists
    virtual result<Job> get_job(std::string_view id) = 0;  // not_found
    // Atomically takes the oldest job that is pending, or processing under a lease that has passed
    // at `now` (its worker died): status processing, attempts + 1, lease until `lease_until`.
    // not_found when there is none. Of concurrent claimers exactly one gets a given job.
    virtual result<Job> claim_job(std::int64_t now, std::int64_t lease_until) = 0;
    // Moves the lease of a job the caller still holds (lease_until == `held`); conflict when
    // another worker has taken it over meanwhile (nothing written).
    virtual result<void> renew_job_lease(std::string_view id, std::int64_t held, std::int64_t lease_until) = 0;
    // The same, also saving the job's progress (doc, errors of `j`), so a worker taking it over
    // resumes from there.
    virtual result<void> checkpoint_job(const Job& j, std::int64_t held, std::int64_t lease_until) = 0;
    // Records the outcome (status, doc, errors, updated_at, expires_at of `j`) and releases the
    // lease, only while the caller holds it (lease_until == `held`): conflict otherwise.
    virtual result<void> finish_job(const Job& j, std::int64_t held) = 0;
    // An export's output, in chunks numbered from 0; a re-run after a crash clears it first.
    virtual result<void> append_job_output(std::string_view job_id, std::int64_t seq, std::string_view data) = 0;
    virtual result<std::vector<std::string>> job_output(std::string_view job_id) = 0;  // in order
    virtual result<void> clear_job_output(std::string_view job_id) = 0;
    // Jobs of `type` pending or processing (the API refuses a third concurrent import).
    virtual result<std::size_t> count_active_jobs(std::string_view type) = 0;
};

// Password-change and email-verification tickets: single use, expiring, stored as hashes.
class TicketStore {
  public:
    virtual ~TicketStore() = default;
    virtual result<void> create_ticket(const UserTicket&) = 0;
    // The ticket while it is unused and not expired at `now`; not_found otherwise (unknown, used and
    // expired read alike).
    virtual result<UserTicket> get_ticket(std::string_view id_hash, std::int64_t now) = 0;
    // Atomically marks the ticket used (used_at = now) and returns it: exactly one of N concurrent
    // callers wins; the others, and any caller after it was used or expired, get not_found.
    virtual result<UserTicket> redeem_ticket(std::string_view id_hash, std::int64_t now) = 0;
    // Marks every unused ticket of the user of this kind used (a password changed through one reset
    // link ends the others). Idempotent.
    virtual result<void> retire_user_tickets(std::string_view user_id, std::string_view kind, std::int64_t now) = 0;
};

// Tenant log events (GET /api/v2/logs). Filtering, ordering and paging happen in SQL.
class LogStore {
  public:
    virtual ~LogStore() = default;
    // Writes the events in one transaction (already_exists if a log_id is taken: nothing written).
    virtual result<void> append_logs(std::span<const LogEvent> events) = 0;
    virtual result<LogEvent> get_log(std::string_view log_id) = 0;  // not_found
    // total is counted only when query.with_total.
    virtual result<PageResult<LogEvent>> list_logs(const LogQuery& query) = 0;
    // Retention: drops events dated before `before_ms`, and mail that is done with (sent or given
    // up) and was queued before `mail_before` (seconds); returns rows removed.
    virtual result<std::size_t> purge_history(std::int64_t before_ms, std::int64_t mail_before) = 0;
};

class Store : public MetaStore,
              public TenantSettingsStore,
              public KeyStore,
              public ClientStore,
              public ConnectionStore,
              public ResourceServerStore,
              public ClientGrantStore,
              public UserStore,
              public RoleStore,
              public OrganizationStore,
              public CodeStore,
              public RefreshTokenStore,
              public SessionStore,
              public InteractionStore,
              public MailStore,
              public JobStore,
              public TicketStore,
              public LogStore {
  public:
    // Applies pending schema migrations; idempotent. Returns the schema version now in force.
    virtual result<int> migrate() = 0;
    // Drops expired interactions, codes, sessions, refresh tokens, tickets and finished jobs past
    // their expiry (with their output); returns rows removed.
    virtual result<std::size_t> purge_expired(std::int64_t now) = 0;
};

// Opens a store by URL: "sqlite:///abs/path.db", "sqlite://relative/path.db", a bare path, or
// "sqlite::memory:". "postgres://..." / "postgresql://..." select PostgreSQL (pool_size connections).
// Throws std::runtime_error with a readable message when the URL or the database is unusable.
std::unique_ptr<Store> open_store(const std::string& url, int pool_size = 4);

}  // namespace gatehouse::store
