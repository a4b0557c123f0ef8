// The Store implemented once over sql::connection, shared by the SQLite and PostgreSQL backends
// so both have the same semantics by construction; the drivers only differ in how they prepare,
// bind and classify errors, plus the few dialect variants in queries.cpp.
#pragma once

#include "store/sql/connection.hpp"
#include "store/store.hpp"

#include <memory>

namespace gatehouse::store::sql {

class sql_store final : public Store {
  public:
    // `log_pool`, when given, holds the tenant logs (append_logs, get_log, list_logs and their purge):
    // SQLite file stores keep them in a file of their own, so that the log writer's transactions
    // never hold the connection the token path needs. Otherwise they live in `pool`.
    explicit sql_store(std::unique_ptr<sql::pool> pool, std::unique_ptr<sql::pool> log_pool = nullptr);

    result<int> migrate() override;
    result<std::size_t> purge_expired(std::int64_t now) override;

    result<std::optional<std::string>> get_meta(std::string_view key) override;
    result<void> set_meta(std::string_view key, std::string_view value) override;
    result<void> create_meta(std::string_view key, std::string_view value) override;
    result<void> delete_meta(std::string_view key) override;
    result<std::int64_t> config_version() override;

    result<TenantSettings> get_tenant_settings() override;
    result<void> put_tenant_settings(const TenantSettings& s, std::int64_t expected_version) override;

    result<void> add_key(const SigningKey&) override;
    result<std::vector<SigningKey>> list_keys(std::int64_t now) override;
    result<void> rotate_key(const SigningKey& next, std::int64_t now, std::int64_t keep_until) override;
    result<std::vector<SigningKey>> list_all_keys() override;
    result<void> revoke_key(std::string_view kid, std::int64_t now) override;

    result<void> create_client(const Client&) override;
    result<Client> get_client(std::string_view client_id) override;
    result<PageResult<Client>> list_clients(Page) override;
    result<PageResult<Client>> list_clients_filtered(Page, const std::vector<std::string>& app_types,
                                                     std::optional<bool> first_party) override;
    result<void> update_client(const Client&) override;
    result<void> delete_client(std::string_view client_id) override;

    result<void> create_connection(const Connection&) override;
    result<Connection> get_connection(std::string_view id) override;
    result<Connection> get_connection_by_name(std::string_view name) override;
    result<PageResult<Connection>> list_connections(Page, const std::vector<std::string>& strategies,
                                                    std::string_view name) override;
    result<void> update_connection(const Connection& c, std::int64_t expected_version) override;
    result<void> delete_connection(std::string_view id) override;

    result<void> create_resource_server(const ResourceServer&) override;
    result<ResourceServer> get_resource_server(std::string_view id) override;
    result<ResourceServer> get_resource_server_by_identifier(std::string_view identifier) override;
    result<PageResult<ResourceServer>> list_resource_servers(Page) override;
    result<PageResult<ResourceServer>> list_resource_servers_by_identifier(
        Page, const std::vector<std::string>& identifiers) override;
    result<void> update_resource_server(const ResourceServer&) override;
    result<void> delete_resource_server(std::string_view id) override;

    result<void> create_client_grant(const ClientGrant&) override;
    result<ClientGrant> get_client_grant(std::string_view id) override;
    result<ClientGrant> find_client_grant(std::string_view client_id, std::string_view audience) override;
    result<PageResult<ClientGrant>> list_client_grants(Page, std::string_view client_id,
                                                       std::string_view audience) override;
    result<void> update_client_grant(const ClientGrant&) override;
    result<void> delete_client_grant(std::string_view id) override;

    result<void> create_user(const User&) override;
    result<User> get_user(std::string_view user_id) override;
    result<User> find_user_by_email(std::string_view connection, std::string_view email) override;
    result<User> find_user_by_username(std::string_view connection, std::string_view username) override;
    result<PageResult<User>> list_users(Page, std::string_view email) override;
    result<PageResult<User>> search_users(const UserSearch& search) override;
    result<std::vector<User>> users_after(std::string_view connection, std::string_view after,
                                          std::size_t limit) override;
    result<void> update_user(const User&) override;
    result<void> replace_password_hash(std::string_view user_id, std::string_view current_hash,
                                       std::string_view new_hash) override;
    result<void> delete_user(std::string_view user_id) override;

    result<void> create_organization(const Organization&) override;
    result<Organization> get_organization(std::string_view id) override;
    result<Organization> get_organization_by_name(std::string_view name) override;
    result<PageResult<Organization>> list_organizations(Page) override;
    result<void> update_organization(const Organization&) override;
    result<void> delete_organization(std::string_view id) override;
    result<void> add_organization_members(std::string_view org_id, const std::vector<std::string>& user_ids) override;
    result<void> remove_organization_members(std::string_view org_id,
                                             const std::vector<std::string>& user_ids) override;
    result<PageResult<User>> list_organization_members(std::string_view org_id, Page) override;
    result<bool> is_organization_member(std::string_view org_id, std::string_view user_id) override;
    result<void> assign_organization_member_roles(std::string_view org_id, std::string_view user_id,
                                                  const std::vector<std::string>& role_ids) override;
    result<void> remove_organization_member_roles(std::string_view org_id, std::string_view user_id,
                                                  const std::vector<std::string>& role_ids) override;
    result<PageResult<Role>> list_organization_member_roles(std::string_view org_id, std::string_view user_id,
                                                            Page) override;
    result<std::vector<std::string>> organization_member_role_ids(std::string_view org_id,
                                                                  std::string_view user_id) override;
    result<void> enable_organization_connection(std::string_view org_id, const OrganizationConnection&) override;
    result<void> update_organization_connection(std::string_view org_id, const OrganizationConnection&) override;
    result<void> disable_organization_connection(std::string_view org_id, std::string_view connection_id) override;
    result<OrganizationConnection> get_organization_connection(std::string_view org_id,
                                                               std::string_view connection_id) override;
    result<PageResult<OrganizationConnection>> list_organization_connections(std::string_view org_id, Page) override;
    result<void> create_organization_invitation(const OrganizationInvitation&) override;
    result<OrganizationInvitation> get_organization_invitation(std::string_view org_id, std::string_view id) override;
    result<PageResult<OrganizationInvitation>> list_organization_invitations(std::string_view org_id, Page) override;
    result<void> delete_organization_invitation(std::string_view org_id, std::string_view id) override;
    result<OrganizationInvitation> find_organization_invitation(std::string_view ticket_hash,
                                                                std::int64_t now) override;
    result<void> record_grant_organization(std::string_view grant_id, std::string_view org_id,
                                           std::int64_t now) override;
    result<std::string> grant_organization(std::string_view grant_id) override;
    result<OrganizationInvitation> redeem_organization_invitation(std::string_view ticket_hash,
                                                                  std::int64_t now) override;

    result<void> create_role(const Role&) override;
    result<Role> get_role(std::string_view id) override;
    result<PageResult<Role>> list_roles(Page, std::string_view name_filter) override;
    result<void> update_role(const Role&) override;
    result<void> delete_role(std::string_view id) override;
    result<void> add_role_permissions(std::string_view role_id, const std::vector<Permission>&) override;
    result<void> remove_role_permissions(std::string_view role_id, const std::vector<Permission>&) override;
    result<PageResult<Permission>> list_role_permissions(std::string_view role_id, Page) override;
    result<void> assign_user_roles(std::string_view user_id, const std::vector<std::string>& role_ids) override;
    result<void> remove_user_roles(std::string_view user_id, const std::vector<std::string>& role_ids) override;
    result<PageResult<Role>> list_user_roles(std::string_view user_id, Page) override;
    result<PageResult<User>> list_role_users(std::string_view role_id, Page) override;
    result<void> add_user_permissions(std::string_view user_id, const std::vector<Permission>&) override;
    result<void> remove_user_permissions(std::string_view user_id, const std::vector<Permission>&) override;
    result<PageResult<Permission>> list_user_permissions(std::string_view user_id, Page) override;
    result<std::vector<PermissionSource>> user_permission_sources(std::string_view user_id) override;
    result<std::vector<std::string>> user_api_permissions(std::string_view user_id,
                                                          std::string_view resource_server_identifier,
                                                          const std::vector<std::string>& extra_role_ids) override;

    result<void> create_code(const AuthorizationCode&) override;
    result<AuthorizationCode> consume_code(std::string_view code_hash, std::int64_t now) override;

    result<void> create_refresh_token(const RefreshToken&) override;
    result<RefreshToken> get_refresh_token(std::string_view token_hash) override;
    result<RefreshExchangeResult> exchange_refresh_token(std::string_view old_hash, RefreshToken next, std::int64_t now,
                                                         std::int64_t leeway) override;
    result<bool> touch_refresh_token(std::string_view token_hash, std::int64_t idle_expires_at) override;
    result<void> revoke_grant(std::string_view grant_id, std::int64_t now) override;
    result<void> revoke_user_grants(std::string_view user_id, std::int64_t now) override;
    result<bool> is_grant_revoked(std::string_view grant_id) override;

    result<void> create_session(const Session&) override;
    result<Session> get_session(std::string_view id_hash, std::int64_t now) override;
    result<void> delete_session(std::string_view id_hash) override;
    result<void> touch_session(std::string_view id_hash, std::int64_t expires_at, std::int64_t now) override;
    result<void> delete_user_sessions(std::string_view user_id) override;

    result<void> create_interaction(const Interaction&) override;
    result<Interaction> get_interaction(std::string_view id, std::int64_t now) override;
    result<Interaction> take_interaction(std::string_view id, std::int64_t now) override;

    result<void> enqueue_mail(const Mail&) override;
    result<std::vector<Mail>> claim_due_mail(std::int64_t now, std::int64_t lease_until, std::size_t limit) override;
    result<void> finish_mail(const Mail&) override;
    result<Mail> get_mail(std::string_view id) override;

    result<void> create_job(const Job&) override;
    result<Job> get_job(std::string_view id) override;
    result<Job> claim_job(std::int64_t now, std::int64_t lease_until) override;
    result<void> renew_job_lease(std::string_view id, std::int64_t held, std::int64_t lease_until) override;
    result<void> checkpoint_job(const Job& j, std::int64_t held, std::int64_t lease_until) override;
    result<void> finish_job(const Job& j, std::int64_t held) override;
    result<void> append_job_output(std::string_view job_id, std::int64_t seq, std::string_view data) override;
    result<std::vector<std::string>> job_output(std::string_view job_id) override;
    result<void> clear_job_output(std::string_view job_id) override;
    result<std::size_t> count_active_jobs(std::string_view type) override;

    result<void> create_ticket(const UserTicket&) override;
    result<UserTicket> get_ticket(std::string_view id_hash, std::int64_t now) override;
    result<UserTicket> redeem_ticket(std::string_view id_hash, std::int64_t now) override;
    result<void> retire_user_tickets(std::string_view user_id, std::string_view kind, std::int64_t now) override;
    result<void> append_logs(std::span<const LogEvent> events) override;
    result<LogEvent> get_log(std::string_view log_id) override;
    result<PageResult<LogEvent>> list_logs(const LogQuery& query) override;
    result<std::size_t> purge_history(std::int64_t before_ms, std::int64_t mail_before) override;

  private:
    // Runs `f(connection&)` inside BEGIN/COMMIT on one pooled connection; rolls back on any error.
    template <class F>
    auto transact(F&& f) -> decltype(f(std::declval<connection&>())) {
        return transact_in(*pool_, std::forward<F>(f));
    }
    template <class F>
    auto transact_in(sql::pool& p, F&& f) -> decltype(f(std::declval<connection&>()));
    // One statement in autocommit mode.
    result<exec_result> run(query q, std::initializer_list<param> params) { return run_in(*pool_, q, params); }
    result<exec_result> run_in(sql::pool& p, query q, std::initializer_list<param> params);
    result<void> run_config_write(query q, std::initializer_list<param> params, bool must_affect);
    // A purge statement ($1 cut-off, $2 batch) run batch by batch, each in its own transaction; what it
    // removed, or the sum of what it returns per deleted row (purge_logs: each run's events).
    result<std::size_t> delete_in_batches(sql::pool& p, query q, param cutoff);
    sql::pool& log_pool() { return log_pool_ ? *log_pool_ : *pool_; }

    std::unique_ptr<sql::pool> pool_;
    std::unique_ptr<sql::pool> log_pool_;
};

// Throws std::runtime_error when the database was migrated by a newer Gatehouse: this binary
// would misread tables it does not know, so it refuses to start rather than corrupt them.
void require_known_schema(int version);

}  // namespace gatehouse::store::sql
