#include "oauth/organizations.hpp"

#include "email/tickets.hpp"
#include "util/json.hpp"
#include "util/util.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace gatehouse::oauth {
namespace {

OAuthError store_failure(const boost::system::error_code& ec) {
    return make_error(oauth_errc::temporarily_unavailable, {}, "store: " + ec.message());
}

bool names_released(Catalog& catalog) {
    auto settings = catalog.settings();
    return settings && settings->allow_organization_name_in_authentication_api;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

OAuthError not_a_member(const store::User& user, const store::Organization& org) {
    return make_error(oauth_errc::access_denied,
                      "user " + user.user_id + " is not part of the " + org.id + " organization");
}

}  // namespace

oauth_result<store::Organization> find_organization(Catalog& catalog, std::string_view id_or_name, bool names_allowed) {
    auto& store = catalog.store();
    const bool by_id = id_or_name.starts_with("org_");
    if (!by_id && !names_allowed)
        return make_error(oauth_errc::invalid_request,
                          "authorization request parameter organization must be an organization id");
    auto org = by_id ? store.get_organization(id_or_name) : store.get_organization_by_name(lower(id_or_name));
    if (!org) {
        if (org.error() == store::store_errc::not_found)
            return make_error(oauth_errc::invalid_request,
                              "parameter organization is invalid: no organization found "
                              "by that id or name");
        return store_failure(org.error());
    }
    return std::move(*org);
}

oauth_result<OrganizationRequest> resolve_organization_request(Catalog& catalog, const ClientView& client,
                                                               const util::Params& params, std::int64_t now) {
    OrganizationRequest out;
    auto organization = params.get("organization");
    auto invitation = params.get("invitation");
    if (!organization.empty() && client.organization_usage == "deny")
        return make_error(oauth_errc::invalid_request, "parameter organization is not allowed for this client");
    if (!invitation.empty() && organization.empty())
        return make_error(oauth_errc::invalid_request, "parameter invitation requires parameter organization");
    if (organization.empty()) {
        if (client.organization_usage != "require") return out;
        if (client.organization_require_behavior == "no_prompt")
            return make_error(oauth_errc::invalid_request, "parameter organization is required for this client");
        out.prompt = true;
        return out;
    }
    auto org = find_organization(catalog, organization, names_released(catalog));
    if (!org) return org.error();
    out.id = org->id;
    out.name = org->name;
    if (!invitation.empty()) {
        auto hash = email::ticket_hash(invitation);
        auto found = catalog.store().find_organization_invitation(hash, now);
        if (!found) {
            if (found.error() == store::store_errc::not_found)
                return make_error(oauth_errc::invalid_request, "the invitation is invalid, expired or already used");
            return store_failure(found.error());
        }
        if (found->org_id != out.id || util::json_string(found->doc, "client_id") != client.client_id)
            return make_error(oauth_errc::invalid_request, "the invitation is invalid, expired or already used");
        out.invitation_hash = std::move(hash);
        if (const auto* who = util::json_object(found->doc, "invitee")) out.invitee = util::json_string(*who, "email");
    }
    return out;
}

store::result<std::vector<store::OrganizationConnection>> organization_connections(store::Store& store,
                                                                                   std::string_view org_id) {
    std::vector<store::OrganizationConnection> out;
    // An organization has few connections; pages of 100 until the total is read.
    for (std::size_t offset = 0;;) {
        auto page = store.list_organization_connections(org_id, store::Page{offset, 100});
        if (!page) return page.error();
        for (auto& c : page->items) out.push_back(std::move(c));
        offset += page->items.size();
        if (page->items.empty() || offset >= page->total) return out;
    }
}

oauth_result<OrganizationClaims> join_organization(Catalog& catalog, const OrganizationRequest& request,
                                                   const std::string& client_id, const store::User& user,
                                                   std::string_view connection_name, std::string_view grant_id,
                                                   std::int64_t now) {
    auto& store = catalog.store();
    auto org = store.get_organization(request.id);
    if (!org) {
        if (org.error() == store::store_errc::not_found)
            return make_error(oauth_errc::invalid_request, "the organization no longer exists");
        return store_failure(org.error());
    }
    auto connection = catalog.connection(connection_name);
    if (!connection) return make_error(oauth_errc::access_denied, "the connection is not enabled for the organization");
    auto enabled = store.get_organization_connection(org->id, connection->record.id);
    if (!enabled) {
        if (enabled.error() == store::store_errc::not_found)
            return make_error(oauth_errc::access_denied, "the connection " + connection->name() +
                                                             " is not enabled for the organization " + org->name);
        return store_failure(enabled.error());
    }

    if (!request.invitation_hash.empty()) {
        // Checked before the invitation is used: the wrong user leaves it for the right one.
        auto invitation = store.find_organization_invitation(request.invitation_hash, now);
        if (!invitation) {
            if (invitation.error() == store::store_errc::not_found)
                return make_error(oauth_errc::invalid_request, "the invitation is invalid, expired or already used");
            return store_failure(invitation.error());
        }
        std::string invitee;
        if (const auto* who = util::json_object(invitation->doc, "invitee")) invitee = util::json_string(*who, "email");
        if (user.email.empty() || lower(user.email) != lower(invitee) || invitation->org_id != org->id ||
            util::json_string(invitation->doc, "client_id") != client_id)
            return make_error(oauth_errc::access_denied, "the invitation was sent to another email address");
        if (auto only = util::json_string(invitation->doc, "connection_id");
            !only.empty() && only != connection->record.id)
            return make_error(oauth_errc::access_denied, "the invitation is for another connection");
        // Single use: of concurrent logins with one invitation, one redeems it.
        auto redeemed = store.redeem_organization_invitation(request.invitation_hash, now);
        if (!redeemed) {
            if (redeemed.error() == store::store_errc::not_found)
                return make_error(oauth_errc::invalid_request, "the invitation is invalid, expired or already used");
            return store_failure(redeemed.error());
        }
        if (auto r = store.add_organization_members(org->id, {user.user_id}); !r) return store_failure(r.error());
        // A role deleted since the invitation was sent is left out.
        for (const auto& role : util::json_strings(redeemed->doc, "roles"))
            if (auto r = store.assign_organization_member_roles(org->id, user.user_id, {role});
                !r && r.error() != store::store_errc::not_found)
                return store_failure(r.error());
        // The invitation reached this mailbox.
        if (!util::json_bool(user.doc, "email_verified", false)) {
            store::User verified = user;
            verified.doc["email_verified"] = true;
            verified.updated_at = now;
            if (auto r = store.update_user(verified); !r)
                spdlog::warn("cannot verify invited email: {}", r.error().message());
        }
    } else {
        auto member = store.is_organization_member(org->id, user.user_id);
        if (!member) return store_failure(member.error());
        if (!*member) {
            if (!enabled->assign_membership_on_login) return not_a_member(user, *org);
            if (auto r = store.add_organization_members(org->id, {user.user_id}); !r) return store_failure(r.error());
        }
    }
    if (auto r = store.record_grant_organization(grant_id, org->id, now); !r) return store_failure(r.error());
    auto roles = store.organization_member_role_ids(org->id, user.user_id);
    if (!roles) return store_failure(roles.error());
    return OrganizationClaims{org->id, names_released(catalog) ? org->name : std::string(), std::move(*roles)};
}

oauth_result<std::optional<OrganizationClaims>> grant_organization_claims(Catalog& catalog, std::string_view grant_id,
                                                                          std::string_view user_id) {
    if (grant_id.empty()) return std::optional<OrganizationClaims>();
    auto& store = catalog.store();
    auto org_id = store.grant_organization(grant_id);
    if (!org_id) {
        if (org_id.error() == store::store_errc::not_found) return std::optional<OrganizationClaims>();
        return store_failure(org_id.error());
    }
    auto org = store.get_organization(*org_id);
    if (!org) {
        if (org.error() == store::store_errc::not_found)
            return make_error(oauth_errc::invalid_grant, "the organization of this grant no longer exists");
        return store_failure(org.error());
    }
    auto member = store.is_organization_member(org->id, user_id);
    if (!member) return store_failure(member.error());
    if (!*member) return make_error(oauth_errc::invalid_grant, "the user is no longer a member of the organization");
    auto roles = store.organization_member_role_ids(org->id, user_id);
    if (!roles) return store_failure(roles.error());
    return std::optional<OrganizationClaims>(
        OrganizationClaims{org->id, names_released(catalog) ? org->name : std::string(), std::move(*roles)});
}

}  // namespace gatehouse::oauth
