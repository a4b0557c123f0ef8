// /api/v2/organizations (auth0-apps.md §6): organizations, their members and members' roles, the
// connections enabled for them and invitations. Lists run in the store, one page at a time. A login
// through an organization reads what is written here (oauth/organizations.cpp).
#include "email/email.hpp"
#include "email/tickets.hpp"
#include "mgmt/paging.hpp"
#include "mgmt/request.hpp"
#include "mgmt/route.hpp"
#include "mgmt/user_lookup.hpp"
#include "mgmt/validation.hpp"
#include "util/json.hpp"
#include "util/url.hpp"
#include "util/util.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace gatehouse::mgmt::detail {
namespace {

constexpr std::size_t kMaxItems = 1000;                 // members or roles in one write
constexpr std::int64_t kDefaultInvitationTtl = 604800;  // Auth0: 7 days
constexpr std::int64_t kMaxInvitationTtl = 2592000;     // Auth0: 30 days

bool is_alnum_id(std::string_view id, std::string_view prefix) {
    return id.size() > prefix.size() && id.size() <= 64 && id.starts_with(prefix) &&
           std::all_of(id.begin() + static_cast<std::ptrdiff_t>(prefix.size()), id.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

// Auth0's organization names: lowercase letters, digits, '-' and '_', 1 to 50 characters.
bool is_organization_name(std::string_view name) {
    return !name.empty() && name.size() <= 50 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

ApiError organization_not_found() { return make_error(mgmt_errc::inexistent_organization); }

expected<store::Organization> load_organization(Context& ctx) {
    const auto& id = ctx.params[0];
    if (!is_alnum_id(id, "org_")) return path_error("organization-id", id, "ID of the organization");
    auto org = ctx.store.get_organization(id);
    if (!org) return store_error(org.error(), mgmt_errc::inexistent_organization, mgmt_errc::organization_conflict);
    return std::move(*org);
}

json::object organization_to_json(const store::Organization& o) {
    json::object out{{"id", o.id}, {"name", o.name}};
    if (!o.display_name.empty()) out["display_name"] = o.display_name;
    for (std::string_view key : {"branding", "metadata"})
        if (const auto* v = o.doc.if_contains(key)) out[key] = *v;
    return out;
}

// metadata: at most 25 string properties of at most 255 characters (Auth0's limits).
std::optional<ApiError> check_metadata(const json::object& body) {
    const auto* metadata = body.if_contains("metadata");
    if (!metadata || metadata->is_null()) return std::nullopt;
    if (!metadata->is_object())
        return make_error(
            mgmt_errc::invalid_body,
            payload_error("Expected type object but found type " + std::string(type_name(*metadata)), "metadata"));
    if (metadata->get_object().size() > 25)
        return make_error(mgmt_errc::invalid_body,
                          payload_error("Too many properties defined (" +
                                            std::to_string(metadata->get_object().size()) + "), maximum 25",
                                        "metadata"));
    for (const auto& [key, value] : metadata->get_object())
        if (!value.is_string() || value.get_string().size() > 255 || key.size() > 255)
            return make_error(mgmt_errc::invalid_body, payload_error("Expected type string of at most 255 characters",
                                                                     "metadata." + std::string(key)));
    return std::nullopt;
}

// branding: {logo_url: an https URL, colors: {primary, page_background}: "#rgb" or "#rrggbb"}.
std::optional<ApiError> check_branding(const json::object& body) {
    const auto* branding = body.if_contains("branding");
    if (!branding || branding->is_null()) return std::nullopt;
    BodyCheck check(body);
    check.object("branding", true);
    if (check.error()) return check.error();
    const auto& b = branding->get_object();
    BodyCheck each(b, "branding.");
    each.allowed({"logo_url", "colors"}).string("logo_url", 1, 2048).object("colors");
    if (each.error()) return each.error();
    if (const auto* logo = b.if_contains("logo_url"); logo && !logo->get_string().starts_with("https://"))
        return make_error(mgmt_errc::invalid_body, payload_error("Format must be https URL", "branding.logo_url"));
    if (const auto* colors = b.if_contains("colors")) {
        BodyCheck c(colors->get_object(), "branding.colors.");
        c.allowed({"primary", "page_background"}).string("primary", 4, 7).string("page_background", 4, 7);
        if (c.error()) return c.error();
        for (const auto& [key, value] : colors->get_object()) {
            const auto& s = value.get_string();
            bool hex = s.starts_with('#') && (s.size() == 4 || s.size() == 7) &&
                       std::all_of(s.begin() + 1, s.end(),
                                   [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)); });
            if (!hex)
                return make_error(
                    mgmt_errc::invalid_body,
                    payload_error("String does not match pattern ^#([0-9a-fA-F]{3}){1,2}$: " + std::string(s),
                                  "branding.colors." + std::string(key)));
        }
    }
    return std::nullopt;
}

std::optional<ApiError> check_name(const json::object& body) {
    const auto* name = body.if_contains("name");
    if (!name || !is_organization_name(name->get_string()))
        return make_error(mgmt_errc::invalid_body,
                          payload_error("String does not match pattern ^[a-z0-9_-]{1,50}$: " +
                                            std::string(name ? std::string_view(name->get_string()) : ""),
                                        "name"));
    return std::nullopt;
}

// Applies the fields of a create or update body (validated before).
void organization_from_body(const json::object& body, store::Organization& org) {
    if (const auto* name = body.if_contains("name")) org.name = name->get_string();
    if (const auto* d = body.if_contains("display_name")) org.display_name = d->is_null() ? "" : d->get_string();
    for (std::string_view key : {"branding", "metadata"})
        if (const auto* v = body.if_contains(key)) {
            if (v->is_null())
                org.doc.erase(key);
            else
                org.doc[key] = *v;
        }
}

// A connection enabled for an organization, as Auth0 renders it.
json::object enabled_connection_to_json(const store::OrganizationConnection& c) {
    return json::object{{"connection_id", c.connection_id},
                        {"assign_membership_on_login", c.assign_membership_on_login},
                        {"show_as_button", c.show_as_button},
                        {"is_signup_enabled", c.is_signup_enabled},
                        {"connection", json::object{{"name", c.name}, {"strategy", c.strategy}}}};
}

constexpr std::array<std::string_view, 3> kConnectionFlags = {"assign_membership_on_login", "show_as_button",
                                                              "is_signup_enabled"};

void connection_flags_from(const json::object& o, store::OrganizationConnection& c) {
    c.assign_membership_on_login = util::json_bool(o, "assign_membership_on_login", c.assign_membership_on_login);
    c.show_as_button = util::json_bool(o, "show_as_button", c.show_as_button);
    c.is_signup_enabled = util::json_bool(o, "is_signup_enabled", c.is_signup_enabled);
}

// One enabled-connection object of a POST (`with_id`) or PATCH body.
expected<store::OrganizationConnection> parse_enabled_connection(const json::object& o, bool with_id,
                                                                 std::string prefix = {}) {
    BodyCheck check(o, prefix);
    if (with_id)
        check.allowed({"connection_id", "assign_membership_on_login", "show_as_button", "is_signup_enabled"})
            .required("connection_id")
            .string("connection_id", 1, 64);
    else
        check.allowed(kConnectionFlags);
    for (auto flag : kConnectionFlags) check.boolean(flag);
    if (check.error()) return *check.error();
    store::OrganizationConnection c;
    if (with_id) c.connection_id = util::json_string(o, "connection_id");
    connection_flags_from(o, c);
    return c;
}

// One page of a list, each item rendered by `render` (a JSON object), in the paging style asked.
template <class T, class Render>
ApiResponse page_response(const store::result<store::PageResult<T>>& page, const Paging& paging, std::string_view key,
                          Render render) {
    if (!page) return render_error(make_error(mgmt_errc::internal_error));
    json::array items;
    for (const auto& item : page->items) items.push_back(render(item));
    return list_response(paging, key, std::move(items), page->total, false);
}

// Every role id must exist: an unknown one is Auth0's 404 and nothing is written.
std::optional<ApiError> check_roles_exist(Context& ctx, const std::vector<std::string>& roles) {
    for (const auto& id : roles) {
        if (!is_alnum_id(id, "rol_"))
            return make_error(mgmt_errc::invalid_body,
                              payload_error("Object didn't pass validation for format role-id: " + id, "roles"));
        if (auto role = ctx.store.get_role(id); !role)
            return store_error(role.error(), mgmt_errc::inexistent_role, mgmt_errc::invalid_body);
    }
    return std::nullopt;
}

// ---- organizations ----------------------------------------------------------------------------

ApiResponse list_organizations(Context& ctx) {
    auto paging = parse_paging(ctx.req, true);
    if (!paging) return render_error(paging.error());
    return page_response(ctx.store.list_organizations(store_page(*paging)), *paging, "organizations",
                         &organization_to_json);
}

ApiResponse create_organization(Context& ctx) {
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    check.allowed({"name", "display_name", "branding", "metadata", "enabled_connections"})
        .required("name")
        .string("name", 1, 50)
        .string("display_name", 1, 255);
    if (const auto* list = body->if_contains("enabled_connections"); list && !list->is_array())
        check.fail(payload_error("Expected type array but found type " + std::string(type_name(*list)),
                                 "enabled_connections"));
    if (check.error()) return render_error(*check.error());
    for (auto problem : {check_name(*body), check_metadata(*body), check_branding(*body)})
        if (problem) return render_error(*problem);
    std::vector<store::OrganizationConnection> connections;
    if (const auto* list = body->if_contains("enabled_connections")) {
        for (const auto& item : list->get_array()) {
            if (!item.is_object())
                return render_error(
                    make_error(mgmt_errc::invalid_body,
                               payload_error("Expected type object but found type " + std::string(type_name(item)),
                                             "enabled_connections[]")));
            auto c = parse_enabled_connection(item.get_object(), true, "enabled_connections[].");
            if (!c) return render_error(c.error());
            // Checked before anything is written: an unknown connection creates nothing.
            if (auto con = ctx.store.get_connection(c->connection_id); !con)
                return render_error(
                    store_error(con.error(), mgmt_errc::inexistent_connection, mgmt_errc::invalid_body));
            connections.push_back(std::move(*c));
        }
    }
    store::Organization org;
    org.id = "org_" + util::random_alnum(16);
    org.created_at = org.updated_at = util::unix_now();
    organization_from_body(*body, org);
    if (auto r = ctx.store.create_organization(org); !r)
        return render_error(
            store_error(r.error(), mgmt_errc::inexistent_organization, mgmt_errc::organization_conflict));
    for (const auto& c : connections)
        if (auto r = ctx.store.enable_organization_connection(org.id, c);
            !r && r.error() != store::store_errc::already_exists)
            return render_error(store_error(r.error(), mgmt_errc::inexistent_connection, mgmt_errc::invalid_body));
    auto out = organization_to_json(org);
    if (!connections.empty()) {
        json::array enabled;
        for (const auto& c : connections)
            enabled.push_back(json::object{{"connection_id", c.connection_id},
                                           {"assign_membership_on_login", c.assign_membership_on_login},
                                           {"show_as_button", c.show_as_button},
                                           {"is_signup_enabled", c.is_signup_enabled}});
        out["enabled_connections"] = std::move(enabled);
    }
    return json_response(201, out);
}

ApiResponse get_organization(Context& ctx) {
    auto org = load_organization(ctx);
    if (!org) return render_error(org.error());
    return json_response(200, organization_to_json(*org));
}

ApiResponse get_organization_by_name(Context& ctx) {
    const auto& name = ctx.params[0];
    if (!is_organization_name(name))
        return render_error(make_error(mgmt_errc::invalid_uri,
                                       "Path validation error: 'String does not match pattern ^[a-z0-9_-]{1,50}$: " +
                                           name + "' on property name."));
    auto org = ctx.store.get_organization_by_name(name);
    if (!org)
        return render_error(store_error(org.error(), mgmt_errc::inexistent_organization, mgmt_errc::invalid_body));
    return json_response(200, organization_to_json(*org));
}

ApiResponse update_organization(Context& ctx) {
    auto org = load_organization(ctx);
    if (!org) return render_error(org.error());
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    check.allowed({"name", "display_name", "branding", "metadata"})
        .string("name", 1, 50)
        .string("display_name", 1, 255, true);
    if (check.error()) return render_error(*check.error());
    if (body->contains("name"))
        if (auto problem = check_name(*body)) return render_error(*problem);
    for (auto problem : {check_metadata(*body), check_branding(*body)})
        if (problem) return render_error(*problem);
    organization_from_body(*body, *org);
    org->updated_at = util::unix_now();
    if (auto r = ctx.store.update_organization(*org); !r)
        return render_error(
            store_error(r.error(), mgmt_errc::inexistent_organization, mgmt_errc::organization_conflict));
    return json_response(200, organization_to_json(*org));
}

ApiResponse delete_organization(Context& ctx) {
    auto org = load_organization(ctx);
    if (!org) return render_error(org.error());
    return write_result(ctx.store.delete_organization(org->id), organization_not_found(), 204);
}

// ---- members ----------------------------------------------------------------------------------

ApiResponse list_members(Context& ctx) {
    auto org = load_organization(ctx);
    if (!org) return render_error(org.error());
    auto paging = parse_paging(ctx.req, true);
    if (!paging) return render_error(paging.error());
    auto fields = parse_fields(ctx.req);
    if (!fields) return render_error(fields.error());
    return page_response(ctx.store.list_organization_members(org->id, store_page(*paging)), *paging, "members",
                         [&](const store::User& u) {
                             auto o = user_summary(u);
                             fields->apply(o);
                             return o;
                         });
}

ApiResponse add_members(Context& ctx) {
    auto org = load_organization(ctx);
    if (!org) return render_error(org.error());
    auto members = parse_id_list(ctx.req, "members", kMaxItems);
    if (!members) return render_error(members.error());
    // All or nothing in the store: an unknown user (404) adds nobody.
    return write_result(ctx.store.add_organization_members(org->id, *members), make_error(mgmt_errc::inexistent_user),
                        204);
}

ApiResponse remove_members(Context& ctx) {
    auto org = load_organization(ctx);
    if (!org) return render_error(org.error());
    auto members = parse_id_list(ctx.req, "members", kMaxItems);
    if (!members) return render_error(members.error());
    return write_result(ctx.store.remove_organization_members(org->id, *members), organization_not_found(), 204);
}

// The member (second path parameter) of a loaded organization: 404 when the user is no member.
expected<std::string> load_member(Context& ctx, const store::Organization& org) {
    const auto& user_id = ctx.params[1];
    auto member = ctx.store.is_organization_member(org.id, user_id);
    if (!member) return make_error(mgmt_errc::internal_error);
    if (!*member) return make_error(mgmt_errc::inexistent_user, "The user is not a member of the organization.");
    return user_id;
}

ApiResponse list_member_roles(Context& ctx) {
    auto org = load_organization(ctx);
    if (!org) return render_error(org.error());
    auto member = load_member(ctx, *org);
    if (!member) return render_error(member.error());
    auto paging = parse_paging(ctx.req, false);
    if (!paging) return render_error(paging.error());
    return page_response(ctx.store.list_organization_member_roles(org->id, *member, store_page(*paging)), *paging,
                         "roles", [](const store::Role& r) {
                             return json::object{{"id", r.id}, {"name", r.name}, {"description", r.description}};
                         });
}

ApiResponse assign_member_roles(Context& ctx) {
    auto org = load_organization(ctx);
    if (!org) return render_error(org.error());
    auto member = load_member(ctx, *org);
    if (!member) return render_error(member.error());
    auto roles = parse_id_list(ctx.req, "roles", kMaxItems);
    if (!roles) return render_error(roles.error());
    if (auto problem = check_roles_exist(ctx, *roles)) return render_error(*problem);
    return write_result(ctx.store.assign_organization_member_roles(org->id, *member, *roles),
                        make_error(mgmt_errc::inexistent_role), 204);
}

ApiResponse remove_member_roles(Context& ctx) {
    auto org = load_organization(ctx);
    if (!org) return render_error(org.error());
    auto member = load_member(ctx, *org);
    if (!member) return render_error(member.error());
    auto roles = parse_id_list(ctx.req, "roles", kMaxItems);
    if (!roles) return render_error(roles.error());
    return write_result(ctx.store.remove_organization_member_roles(org->id, *member, *roles),
                        make_error(mgmt_errc::inexistent_user), 204);
}

// ---- enabled connections ----------------------------------------------------------------------

ApiResponse list_enabled_connections(Context& ctx) {
    auto org = load_organization(ctx);
    if (!org) return render_error(org.error());
    auto paging = parse_paging(ctx.req, false);
    if (!paging) return render_error(paging.error());
    return page_response(ctx.store.list_organization_connections(org->id, store_page(*paging)), *paging,
                         "enabled_connections", &enabled_connection_to_json);
}

ApiError connection_not_enabled() {
    return make_error(mgmt_errc::inexistent_connection, "The connection is not enabled for this organization.");
}

ApiResponse enabled_connection_response(Context& ctx, const std::string& org_id, const std::string& connection_id,
                                        int status) {
    auto c = ctx.store.get_organization_connection(org_id, connection_id);
    if (!c) return render_error(store_error(c.error(), mgmt_errc::inexistent_connection, mgmt_errc::invalid_body));
    return json_response(status, enabled_connection_to_json(*c));
}

ApiResponse enable_connection(Context& ctx) {
    auto org = load_organization(ctx);
    if (!org) return render_error(org.error());
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    auto c = parse_enabled_connection(*body, true);
    if (!c) return render_error(c.error());
    if (auto con = ctx.store.get_connection(c->connection_id); !con)
        return render_error(store_error(con.error(), mgmt_errc::inexistent_connection, mgmt_errc::invalid_body));
    if (auto r = ctx.store.enable_organization_connection(org->id, *c); !r) {
        if (r.error() == store::store_errc::already_exists)
            return render_error(make_error(mgmt_errc::organization_connection_conflict));
        return render_error(store_error(r.error(), mgmt_errc::inexistent_connection, mgmt_errc::invalid_body));
    }
    return enabled_connection_response(ctx, org->id, c->connection_id, 201);
}

ApiResponse get_enabled_connection(Context& ctx) {
    auto org = load_organization(ctx);
    if (!org) return render_error(org.error());
    auto c = ctx.store.get_organization_connection(org->id, ctx.params[1]);
    if (!c) {
        if (c.error() == store::store_errc::not_found) return render_error(connection_not_enabled());
        return render_error(make_error(mgmt_errc::internal_error));
    }
    return json_response(200, enabled_connection_to_json(*c));
}

ApiResponse update_enabled_connection(Context& ctx) {
    auto org = load_organization(ctx);
    if (!org) return render_error(org.error());
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    if (auto c = parse_enabled_connection(*body, false); !c) return render_error(c.error());
    auto current = ctx.store.get_organization_connection(org->id, ctx.params[1]);
    if (!current) {
        if (current.error() == store::store_errc::not_found) return render_error(connection_not_enabled());
        return render_error(make_error(mgmt_errc::internal_error));
    }
    connection_flags_from(*body, *current);
    if (auto r = ctx.store.update_organization_connection(org->id, *current); !r)
        return write_result(r, connection_not_enabled(), 200);
    return json_response(200, enabled_connection_to_json(*current));
}

ApiResponse disable_connection(Context& ctx) {
    auto org = load_organization(ctx);
    if (!org) return render_error(org.error());
    return write_result(ctx.store.disable_organization_connection(org->id, ctx.params[1]), connection_not_enabled(),
                        204);
}

// ---- invitations ------------------------------------------------------------------------------

// An invitation as Auth0 renders it. Only the creation answer carries the link (`ticket_url`): the
// store keeps the ticket's hash, so a copy of the database holds no usable invitation.
json::object invitation_to_json(const store::OrganizationInvitation& i, std::string_view ticket_url = {},
                                std::string_view ticket = {}) {
    json::object out{{"id", i.id}, {"organization_id", i.org_id}};
    for (std::string_view key :
         {"inviter", "invitee", "client_id", "connection_id", "app_metadata", "user_metadata", "roles"})
        if (const auto* v = i.doc.if_contains(key)) out[key] = *v;
    out["created_at"] = util::iso8601_ms(i.created_at * 1000);
    out["expires_at"] = util::iso8601_ms(i.expires_at * 1000);
    if (!ticket_url.empty()) out["invitation_url"] = ticket_url;
    if (!ticket.empty()) out["ticket_id"] = ticket;
    return out;
}

expected<store::OrganizationInvitation> load_invitation(Context& ctx, const store::Organization& org) {
    const auto& id = ctx.params[1];
    if (!is_alnum_id(id, "uinv_")) return path_error("invitation-id", id, "ID of the invitation");
    auto inv = ctx.store.get_organization_invitation(org.id, id);
    if (!inv) return store_error(inv.error(), mgmt_errc::inexistent_invitation, mgmt_errc::invalid_body);
    return std::move(*inv);
}

ApiResponse list_invitations(Context& ctx) {
    auto org = load_organization(ctx);
    if (!org) return render_error(org.error());
    auto paging = parse_paging(ctx.req, false);
    if (!paging) return render_error(paging.error());
    auto fields = parse_fields(ctx.req);
    if (!fields) return render_error(fields.error());
    // Newest first, Auth0's default order; the other order Auth0 offers is not.
    if (auto sort = query_one(ctx.req, "sort"); sort && *sort != "created_at:-1")
        return render_error(
            make_error(mgmt_errc::invalid_query_string, query_error("Only created_at:-1 is supported", "sort")));
    return page_response(ctx.store.list_organization_invitations(org->id, store_page(*paging)), *paging, "invitations",
                         [&](const store::OrganizationInvitation& i) {
                             auto o = invitation_to_json(i);
                             fields->apply(o);
                             return o;
                         });
}

ApiResponse create_invitation(Context& ctx) {
    auto org = load_organization(ctx);
    if (!org) return render_error(org.error());
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    check
        .allowed({"inviter", "invitee", "client_id", "connection_id", "app_metadata", "user_metadata", "ttl_sec",
                  "roles", "send_invitation_email"})
        .required("inviter")
        .required("invitee")
        .required("client_id")
        .object("inviter")
        .object("invitee")
        .string("client_id", 1, 64)
        .string("connection_id", 1, 64)
        .object("app_metadata")
        .object("user_metadata")
        .integer("ttl_sec", 0, kMaxInvitationTtl)
        .string_array("roles", 50)
        .boolean("send_invitation_email");
    if (check.error()) return render_error(*check.error());
    BodyCheck inviter(body->at("inviter").get_object(), "inviter.");
    inviter.allowed({"name"}).required("name").string("name", 1, 300);
    if (inviter.error()) return render_error(*inviter.error());
    BodyCheck invitee(body->at("invitee").get_object(), "invitee.");
    invitee.allowed({"email"}).required("email").string("email", 3, 320);
    if (invitee.error()) return render_error(*invitee.error());
    auto email = util::json_string(body->at("invitee").get_object(), "email");
    if (email.find('@') == std::string::npos || email.find_first_of(" \t\r\n<>") != std::string::npos)
        return render_error(
            make_error(mgmt_errc::invalid_body,
                       payload_error("Object didn't pass validation for format email: " + email, "invitee.email")));

    // The link goes to the application's login URL; an application without one cannot be invited to.
    auto client_id = util::json_string(*body, "client_id");
    auto client = ctx.store.get_client(client_id);
    if (!client) {
        if (client.error() == store::store_errc::not_found)
            return render_error(make_error(mgmt_errc::invalid_body, "Client " + client_id + " does not exist."));
        return render_error(make_error(mgmt_errc::internal_error));
    }
    auto login_uri = util::json_string(client->doc, "initiate_login_uri");
    if (login_uri.empty())
        return render_error(
            make_error(mgmt_errc::invalid_body, "The client must have an initiate_login_uri to send invitations."));
    if (auto connection_id = util::json_string(*body, "connection_id"); !connection_id.empty())
        if (auto c = ctx.store.get_organization_connection(org->id, connection_id); !c)
            return render_error(make_error(
                mgmt_errc::invalid_body, "The connection " + connection_id + " is not enabled for this organization."));
    auto roles = util::json_strings(*body, "roles");
    if (auto problem = check_roles_exist(ctx, roles)) return render_error(*problem);

    store::OrganizationInvitation inv;
    inv.id = "uinv_" + util::random_alnum(16);
    inv.org_id = org->id;
    auto ticket = util::random_alnum(32);
    inv.ticket_hash = email::ticket_hash(ticket);
    for (std::string_view key : {"inviter", "invitee", "client_id", "connection_id", "app_metadata", "user_metadata"})
        if (const auto* v = body->if_contains(key)) inv.doc[key] = *v;
    inv.doc["invitee"] = json::object{{"email", email}};
    inv.doc["roles"] = body->contains("roles") ? body->at("roles") : json::array{};
    inv.created_at = util::unix_now();
    auto ttl = util::json_int(*body, "ttl_sec", 0);
    inv.expires_at = inv.created_at + (ttl == 0 ? kDefaultInvitationTtl : ttl);
    if (auto r = ctx.store.create_organization_invitation(inv); !r)
        return render_error(store_error(r.error(), mgmt_errc::inexistent_organization, mgmt_errc::invalid_body));
    auto url = util::append_params(
        login_uri, {{"invitation", ticket}, {"organization", org->id}, {"organization_name", org->name}});
    // Auth0 mails the link unless told not to (the user_invitation template).
    if (util::json_bool(*body, "send_invitation_email", true)) {
        email::MailRequest mail{
            "user_invitation", email,
            json::object{{"url", url},
                         {"user", json::object{{"email", email}}},
                         {"inviter", inv.doc["inviter"]},
                         {"organization",
                          json::object{{"id", org->id},
                                       {"name", org->name},
                                       {"display_name", org->display_name.empty() ? org->name : org->display_name}}},
                         {"application", json::object{{"name", util::json_string(client->doc, "name", client_id)}}}}};
        if (auto queued = email::queue_mail(ctx.store, mail); !queued)
            return render_error(make_error(mgmt_errc::internal_error));
    }
    return json_response(201, invitation_to_json(inv, url, ticket));
}

ApiResponse get_invitation(Context& ctx) {
    auto org = load_organization(ctx);
    if (!org) return render_error(org.error());
    auto fields = parse_fields(ctx.req);
    if (!fields) return render_error(fields.error());
    auto inv = load_invitation(ctx, *org);
    if (!inv) return render_error(inv.error());
    auto o = invitation_to_json(*inv);
    fields->apply(o);
    return json_response(200, o);
}

ApiResponse delete_invitation(Context& ctx) {
    auto org = load_organization(ctx);
    if (!org) return render_error(org.error());
    auto inv = load_invitation(ctx, *org);
    if (!inv) return render_error(inv.error());
    return write_result(ctx.store.delete_organization_invitation(org->id, inv->id),
                        make_error(mgmt_errc::inexistent_invitation), 204);
}

}  // namespace

std::span<const Route> organizations_routes() {
    static constexpr std::array routes = {
        Route{"GET", "/organizations", "read:organizations", &list_organizations},
        Route{"POST", "/organizations", "create:organizations", &create_organization},
        Route{"GET", "/organizations/name/{}", "read:organizations", &get_organization_by_name},
        Route{"GET", "/organizations/{}", "read:organizations", &get_organization},
        Route{"PATCH", "/organizations/{}", "update:organizations", &update_organization},
        Route{"DELETE", "/organizations/{}", "delete:organizations", &delete_organization},
        Route{"GET", "/organizations/{}/members", "read:organization_members", &list_members},
        Route{"POST", "/organizations/{}/members", "create:organization_members", &add_members},
        Route{"DELETE", "/organizations/{}/members", "delete:organization_members", &remove_members},
        Route{"GET", "/organizations/{}/members/{}/roles", "read:organization_member_roles", &list_member_roles},
        Route{"POST", "/organizations/{}/members/{}/roles", "create:organization_member_roles", &assign_member_roles},
        Route{"DELETE", "/organizations/{}/members/{}/roles", "delete:organization_member_roles", &remove_member_roles},
        Route{"GET", "/organizations/{}/enabled_connections", "read:organization_connections",
              &list_enabled_connections},
        Route{"POST", "/organizations/{}/enabled_connections", "create:organization_connections", &enable_connection},
        Route{"GET", "/organizations/{}/enabled_connections/{}", "read:organization_connections",
              &get_enabled_connection},
        Route{"PATCH", "/organizations/{}/enabled_connections/{}", "update:organization_connections",
              &update_enabled_connection},
        Route{"DELETE", "/organizations/{}/enabled_connections/{}", "delete:organization_connections",
              &disable_connection},
        Route{"GET", "/organizations/{}/invitations", "read:organization_invitations", &list_invitations},
        Route{"POST", "/organizations/{}/invitations", "create:organization_invitations", &create_invitation},
        Route{"GET", "/organizations/{}/invitations/{}", "read:organization_invitations", &get_invitation},
        Route{"DELETE", "/organizations/{}/invitations/{}", "delete:organization_invitations", &delete_invitation},
    };
    return routes;
}

}  // namespace gatehouse::mgmt::detail
