// Every statement the SQL store runs, named by an enumerator so drivers can cache the prepared
// statement in a slot per connection. Text is written once with $n placeholders (PostgreSQL);
// the SQLite driver rewrites them to ?n. A statement has a PostgreSQL variant only where the
// dialects truly differ (transaction start, row locks).
#pragma once

#include <cstddef>
#include <string_view>

namespace gatehouse::store::sql {

enum class dialect { sqlite, postgres };

// When adding an enumerator, add its text to kQueries in queries.cpp at the same position.
enum class query : std::size_t {
    begin,
    commit,
    rollback,

    migrations_seed,
    migrations_lock,
    migrations_current,
    migrations_record,

    meta_get,
    meta_set,
    meta_create,
    meta_delete,
    config_version_get,
    config_version_bump,

    tenant_settings_get,
    tenant_settings_update,

    key_insert,
    key_list,
    key_retire,
    key_list_all,
    key_revoke,

    client_insert,
    client_get,
    client_list,
    client_count,
    client_list_filtered,
    client_count_filtered,
    client_update,
    client_delete,
    client_grants_delete_by_client,

    connection_insert,
    connection_get,
    connection_get_by_name,
    connection_list,
    connection_count,
    connection_update,
    connection_exists,
    connection_delete,

    resource_server_insert,
    resource_server_get,
    resource_server_get_by_identifier,
    resource_server_list,
    resource_server_count,
    resource_server_list_by_identifier,
    resource_server_count_by_identifier,
    resource_server_update,
    resource_server_delete,

    client_grant_insert,
    client_grant_get,
    client_grant_find,
    client_grant_list,
    client_grant_count,
    client_grant_update,
    client_grant_delete,

    user_insert,
    user_get,
    user_by_email,
    user_by_username,
    user_list,
    user_count,
    user_list_after,
    user_list_by_email,
    user_count_by_email,
    user_update,
    user_replace_password_hash,
    user_delete,

    role_insert,
    role_get,
    role_list,
    role_count,
    role_update,
    role_delete,
    role_permission_insert,
    role_permission_delete,
    role_permission_list,
    role_permission_count,
    role_permissions_delete_by_role,
    role_permissions_delete_by_api,
    role_permissions_delete_name,
    user_role_insert,
    user_role_delete,
    user_role_list,
    user_role_count,
    user_roles_delete_by_role,
    user_roles_delete_by_user,
    role_user_list,
    role_user_count,
    user_permission_insert,
    user_permission_delete,
    user_permissions_delete_by_user,
    user_permissions_delete_by_api,
    user_permissions_delete_name,
    user_permission_list,
    user_permission_count,
    user_permission_sources,
    user_api_permissions,
    api_permission_names,

    code_insert,
    code_lock,
    code_consume,

    refresh_insert,
    refresh_get,
    refresh_lock,
    refresh_mark_rotated,
    refresh_lock_current,
    refresh_touch,
    refresh_revoke_family,
    grant_revoke,
    grant_is_revoked,
    user_revoke_refresh_tokens,
    user_revoke_refresh_grants,
    user_revoke_code_grants,

    session_insert,
    session_get,
    session_delete,
    session_delete_by_user,
    session_touch,

    interaction_insert,
    interaction_get,
    interaction_take,

    mail_insert,
    mail_claim,
    mail_finish,
    mail_get,

    job_insert,
    job_get,
    job_claim,
    job_renew,
    job_checkpoint,
    job_finish,
    job_output_insert,
    job_output_get,
    job_output_clear,
    job_count_active,

    ticket_insert,
    ticket_get,
    ticket_redeem,
    ticket_retire_user,
    log_run_insert,

    organization_insert,
    organization_get,
    organization_get_by_name,
    organization_list,
    organization_count,
    organization_update,
    organization_delete,
    organization_member_insert,
    organization_member_delete,
    organization_member_list,
    organization_member_count,
    organization_member_get,
    organization_members_delete_by_org,
    organization_members_delete_by_user,
    organization_member_role_insert,
    organization_member_role_delete,
    organization_member_role_list,
    organization_member_role_count,
    organization_member_role_ids,
    organization_member_roles_delete_member,
    organization_member_roles_delete_by_org,
    organization_member_roles_delete_by_user,
    organization_member_roles_delete_by_role,
    organization_connection_insert,
    organization_connection_update,
    organization_connection_delete,
    organization_connection_get,
    organization_connection_list,
    organization_connection_count,
    organization_connections_delete_by_org,
    organization_connections_delete_by_connection,
    organization_invitation_insert,
    organization_invitation_get,
    organization_invitation_list,
    organization_invitation_count,
    organization_invitation_delete,
    organization_invitation_find,
    organization_invitation_redeem,
    organization_invitations_delete_by_org,
    purge_organization_invitations,
    grant_organization_insert,
    grant_organization_get,
    purge_grant_organizations,

    purge_codes,
    purge_refresh_tokens,
    purge_idle_refresh_tokens,
    purge_sessions,
    purge_interactions,
    purge_tickets,
    purge_logs,
    purge_finished_mail,
    purge_job_output,
    purge_jobs,

    count_
};

inline constexpr std::size_t query_count = static_cast<std::size_t>(query::count_);

std::string_view query_text(query q, dialect d) noexcept;

// The column list of a log event row, for the statements sql_store composes at run time (filters).
std::string_view log_columns() noexcept;
// "SELECT <log_columns> FROM log_runs r, <its events> ": every event of the runs the WHERE clause that
// follows (on r) admits, one row each (tenant logs are stored as runs since migration 16).
std::string_view log_run_events(dialect d) noexcept;

}  // namespace gatehouse::store::sql
