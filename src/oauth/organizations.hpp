// Logging in through an organization (auth0-apps.md §6): which organization a request names and
// whether the client may name one (`organization_usage`), which connections it offers, who may
// finish the login (members, members assigned on login, invited emails), and what the login's
// tokens carry (`org_id`, `org_name`, the member's roles in the organization for RBAC), fixed per
// grant so that a refresh carries exactly what the login did.
#pragma once

#include "oauth/catalog.hpp"
#include "oauth/error.hpp"
#include "store/store.hpp"
#include "util/params.hpp"

#include <optional>
#include <string>
#include <vector>

namespace gatehouse::oauth {

// What /authorize resolved about organizations, kept with the pending login.
struct OrganizationRequest {
    std::string id;               // empty: not through an organization
    std::string name;             // the organization's name (the hosted page shows display_name, read again)
    std::string invitation_hash;  // an invitation's ticket, hashed; empty without one
    bool prompt = false;          // the client requires an organization and the page asks for it
    std::string invitee;          // the invited email (pre-fills the login), not kept
};

// /authorize's organization rules for `client`: `organization` (an id, or a name when the tenant
// allows names) and `invitation`. `deny` refuses an organization; `require` without one is an error
// (`no_prompt`) or a prompt page (`pre_login_prompt`, `post_login_prompt`). Errors are
// invalid_request, answered to the application.
oauth_result<OrganizationRequest> resolve_organization_request(Catalog&, const ClientView& client,
                                                               const util::Params& params, std::int64_t now);

// The organization named on the prompt page (an id or a name; names always, as Auth0's page does),
// or invalid_request.
oauth_result<store::Organization> find_organization(Catalog&, std::string_view id_or_name, bool names_allowed);

// The connection ids enabled for an organization (the hosted page offers only these), with theirs flags.
store::result<std::vector<store::OrganizationConnection>> organization_connections(store::Store&,
                                                                                   std::string_view org_id);

// What a login through an organization puts into its tokens.
struct OrganizationClaims {
    std::string id;
    std::string name;                   // empty unless the tenant releases names
    std::vector<std::string> role_ids;  // the member's roles in the organization
};

// Ends a login through `request`'s organization for `user`, who authenticated with `connection_name`:
// the connection must be enabled for the organization; an invitation must be for the user's email
// (it is then used: membership, its roles, the email verified); otherwise the user must be a member,
// or becomes one when the connection has assign_membership_on_login. Records the organization of
// `grant_id`. access_denied / invalid_request otherwise, nothing written.
oauth_result<OrganizationClaims> join_organization(Catalog&, const OrganizationRequest& request,
                                                   const std::string& client_id, const store::User& user,
                                                   std::string_view connection_name, std::string_view grant_id,
                                                   std::int64_t now);

// The organization a grant's login went through, read again at every issuance (a refresh included):
// nullopt when it went through none; invalid_grant when the organization is gone or the user is no
// longer a member.
oauth_result<std::optional<OrganizationClaims>> grant_organization_claims(Catalog&, std::string_view grant_id,
                                                                          std::string_view user_id);

}  // namespace gatehouse::oauth
