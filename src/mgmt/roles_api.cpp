// /api/v2/roles (+ /permissions, /users) and a user's /roles and /permissions (auth0-apps.md §6):
// role-based access control. A permission is a scope that an API (resource server) defines: the
// API's `scopes` are the catalogue, and a permission outside it is refused, never stored. Tokens
// read what is assigned here at issuance (oauth/permissions.cpp).
#include "mgmt/paging.hpp"
#include "mgmt/request.hpp"
#include "mgmt/route.hpp"
#include "mgmt/user_lookup.hpp"
#include "mgmt/validation.hpp"
#include "util/util.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <memory>

namespace gatehouse::mgmt::detail {
namespace {

constexpr std::size_t kMaxItems = 1000;  // permissions or ids in one write

bool is_role_id(std::string_view id) {
    return id.size() > 4 && id.size() <= 64 && id.starts_with("rol_") &&
           std::all_of(id.begin() + 4, id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

expected<store::Role> load_role(Context& ctx) {
    const auto& id = ctx.params[0];
    if (!is_role_id(id)) return path_error("role-id", id, "ID of the role");
    auto role = ctx.store.get_role(id);
    if (!role) return store_error(role.error(), mgmt_errc::inexistent_role, mgmt_errc::invalid_body);
    return std::move(*role);
}

json::object role_to_json(const store::Role& r) {
    return json::object{{"id", r.id}, {"name", r.name}, {"description", r.description}};
}

// The APIs a request names, each read once: a permission's item shape needs the API's name and the
// scope's description.
class ApiCatalogue {
  public:
    explicit ApiCatalogue(store::Store& store) : store_(store) {}

    // Null when the API does not exist (or cannot be read).
    const store::ResourceServer* find(const std::string& identifier) {
        auto [it, inserted] = apis_.try_emplace(identifier);
        if (inserted)
            if (auto rs = store_.get_resource_server_by_identifier(identifier))
                it->second = std::make_unique<store::ResourceServer>(std::move(*rs));
        return it->second.get();
    }

    // The scope object named `name` in the API's catalogue, or null.
    static const json::object* scope(const store::ResourceServer& api, std::string_view name) {
        if (const auto* scopes = api.doc.if_contains("scopes"); scopes && scopes->is_array())
            for (const auto& s : scopes->get_array())
                if (const auto* o = s.if_object())
                    if (const auto* v = o->if_contains("value"); v && v->is_string() && v->get_string() == name)
                        return o;
        return nullptr;
    }

    json::object item(const store::Permission& p) {
        json::object o;
        o["permission_name"] = p.permission_name;
        o["description"] = "";
        o["resource_server_name"] = p.resource_server_identifier;
        o["resource_server_identifier"] = p.resource_server_identifier;
        if (const auto* api = find(p.resource_server_identifier)) {
            if (const auto* name = api->doc.if_contains("name"); name && name->is_string())
                o["resource_server_name"] = name->get_string();
            if (const auto* s = scope(*api, p.permission_name))
                if (const auto* d = s->if_contains("description"); d && d->is_string()) o["description"] = *d;
        }
        return o;
    }

  private:
    store::Store& store_;
    std::map<std::string, std::unique_ptr<store::ResourceServer>> apis_;
};

// {"permissions": [{resource_server_identifier, permission_name}, ...]}: every item a scope its API
// defines. An unknown API is 404, a scope it does not define 400; nothing is written either way.
expected<std::vector<store::Permission>> parse_permissions(Context& ctx) {
    auto body = parse_body(ctx.req);
    if (!body) return body.error();
    BodyCheck check(*body);
    check.allowed({"permissions"}).required("permissions");
    if (check.error()) return *check.error();
    const auto& list = body->at("permissions");
    if (!list.is_array())
        return make_error(
            mgmt_errc::invalid_body,
            payload_error("Expected type array but found type " + std::string(type_name(list)), "permissions"));
    if (list.get_array().empty() || list.get_array().size() > kMaxItems)
        return make_error(
            mgmt_errc::invalid_body,
            payload_error("Array must hold between 1 and " + std::to_string(kMaxItems) + " items", "permissions"));
    ApiCatalogue apis(ctx.store);
    std::vector<store::Permission> out;
    for (const auto& item : list.get_array()) {
        if (!item.is_object())
            return make_error(
                mgmt_errc::invalid_body,
                payload_error("Expected type object but found type " + std::string(type_name(item)), "permissions[]"));
        BodyCheck each(item.get_object(), "permissions[].");
        each.allowed({"resource_server_identifier", "permission_name"})
            .required("resource_server_identifier")
            .required("permission_name")
            .string("resource_server_identifier", 1, 600)
            .string("permission_name", 1, 280);
        if (each.error()) return *each.error();
        store::Permission p{std::string(item.at("resource_server_identifier").get_string()),
                            std::string(item.at("permission_name").get_string())};
        const auto* api = apis.find(p.resource_server_identifier);
        if (!api)
            return make_error(mgmt_errc::inexistent_resource_server,
                              "Resource server not found: " + p.resource_server_identifier);
        // The Management API's scopes are for client grants only: no user holds them through RBAC.
        if (const auto* system = api->doc.if_contains("is_system"); system && system->is_bool() && system->get_bool())
            return make_error(mgmt_errc::invalid_body, "Permissions of the " + p.resource_server_identifier +
                                                           " API cannot be assigned to roles or users");
        if (!ApiCatalogue::scope(*api, p.permission_name))
            return make_error(mgmt_errc::invalid_body, "Permission \"" + p.permission_name +
                                                           "\" is not defined by resource server \"" +
                                                           p.resource_server_identifier + "\"");
        if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(std::move(p));
    }
    return out;
}

ApiResponse permission_list(Context& ctx, const store::result<store::PageResult<store::Permission>>& page,
                            const Paging& paging) {
    if (!page) return render_error(make_error(mgmt_errc::internal_error));
    ApiCatalogue apis(ctx.store);
    json::array items;
    for (const auto& p : page->items) items.push_back(apis.item(p));
    return list_response(paging, "permissions", std::move(items), page->total, false);
}

ApiResponse role_list(const store::result<store::PageResult<store::Role>>& page, const Paging& paging) {
    if (!page) return render_error(make_error(mgmt_errc::internal_error));
    json::array items;
    for (const auto& r : page->items) items.push_back(role_to_json(r));
    return list_response(paging, "roles", std::move(items), page->total, false);
}

store::Role role_from_body(const json::object& body, store::Role role) {
    if (const auto* name = body.if_contains("name")) role.name = name->get_string();
    if (const auto* d = body.if_contains("description")) role.description = d->get_string();
    return role;
}

ApiResponse list_roles(Context& ctx) {
    auto paging = parse_paging(ctx.req, false);
    if (!paging) return render_error(paging.error());
    auto filter = query_one(ctx.req, "name_filter").value_or("");
    if (filter.size() > 200)
        return render_error(
            make_error(mgmt_errc::invalid_query_string,
                       query_error("String is too long (" + std::to_string(filter.size()) + " chars), maximum 200",
                                   "name_filter")));
    return role_list(ctx.store.list_roles(store_page(*paging), filter), *paging);
}

ApiResponse create_role(Context& ctx) {
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    check.allowed({"name", "description"}).required("name").string("name", 1, 50).string("description", 0, 140);
    if (check.error()) return render_error(*check.error());
    store::Role role;
    role.id = "rol_" + util::random_alnum(16);
    role.created_at = role.updated_at = util::unix_now();
    role = role_from_body(*body, std::move(role));
    if (auto r = ctx.store.create_role(role); !r)
        return render_error(store_error(r.error(), mgmt_errc::inexistent_role, mgmt_errc::invalid_body));
    return json_response(200, role_to_json(role));
}

ApiResponse get_role(Context& ctx) {
    auto role = load_role(ctx);
    if (!role) return render_error(role.error());
    return json_response(200, role_to_json(*role));
}

ApiResponse update_role(Context& ctx) {
    auto role = load_role(ctx);
    if (!role) return render_error(role.error());
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    check.allowed({"name", "description"}).string("name", 1, 50).string("description", 0, 140);
    if (check.error()) return render_error(*check.error());
    auto updated = role_from_body(*body, std::move(*role));
    updated.updated_at = util::unix_now();
    if (auto r = ctx.store.update_role(updated); !r)
        return render_error(store_error(r.error(), mgmt_errc::inexistent_role, mgmt_errc::invalid_body));
    return json_response(200, role_to_json(updated));
}

ApiResponse delete_role(Context& ctx) {
    auto role = load_role(ctx);
    if (!role) return render_error(role.error());
    return write_result(ctx.store.delete_role(role->id), make_error(mgmt_errc::inexistent_role), 200);
}

ApiResponse list_role_permissions(Context& ctx) {
    auto role = load_role(ctx);
    if (!role) return render_error(role.error());
    auto paging = parse_paging(ctx.req, false);
    if (!paging) return render_error(paging.error());
    return permission_list(ctx, ctx.store.list_role_permissions(role->id, store_page(*paging)), *paging);
}

ApiResponse add_role_permissions(Context& ctx) {
    auto role = load_role(ctx);
    if (!role) return render_error(role.error());
    auto permissions = parse_permissions(ctx);
    if (!permissions) return render_error(permissions.error());
    return write_result(ctx.store.add_role_permissions(role->id, *permissions), make_error(mgmt_errc::inexistent_role),
                        201);
}

ApiResponse remove_role_permissions(Context& ctx) {
    auto role = load_role(ctx);
    if (!role) return render_error(role.error());
    auto permissions = parse_permissions(ctx);
    if (!permissions) return render_error(permissions.error());
    return write_result(ctx.store.remove_role_permissions(role->id, *permissions),
                        make_error(mgmt_errc::inexistent_role), 204);
}

ApiResponse list_role_users(Context& ctx) {
    auto role = load_role(ctx);
    if (!role) return render_error(role.error());
    auto paging = parse_paging(ctx.req, true);
    if (!paging) return render_error(paging.error());
    auto page = ctx.store.list_role_users(role->id, store_page(*paging));
    if (!page) return render_error(make_error(mgmt_errc::internal_error));
    json::array items;
    for (const auto& u : page->items) items.push_back(user_summary(u));
    return list_response(*paging, "users", std::move(items), page->total, false);
}

ApiResponse assign_role_users(Context& ctx) {
    auto role = load_role(ctx);
    if (!role) return render_error(role.error());
    auto users = parse_id_list(ctx.req, "users", kMaxItems);
    if (!users) return render_error(users.error());
    // Checked first, so that a request naming an unknown user writes nothing.
    for (const auto& id : *users)
        if (auto u = ctx.store.get_user(id); !u)
            return render_error(store_error(u.error(), mgmt_errc::inexistent_user, mgmt_errc::invalid_body));
    for (const auto& id : *users)
        if (auto r = ctx.store.assign_user_roles(id, {role->id}); !r)
            return render_error(store_error(r.error(), mgmt_errc::inexistent_user, mgmt_errc::invalid_body));
    return no_content(200);
}

ApiResponse list_user_roles(Context& ctx) {
    auto user = load_user(ctx);
    if (!user) return render_error(user.error());
    auto paging = parse_paging(ctx.req, false);
    if (!paging) return render_error(paging.error());
    return role_list(ctx.store.list_user_roles(user->user_id, store_page(*paging)), *paging);
}

ApiResponse assign_user_roles(Context& ctx) {
    auto user = load_user(ctx);
    if (!user) return render_error(user.error());
    auto roles = parse_id_list(ctx.req, "roles", kMaxItems);
    if (!roles) return render_error(roles.error());
    for (const auto& id : *roles)
        if (!is_role_id(id))
            return render_error(
                make_error(mgmt_errc::invalid_body,
                           payload_error("Object didn't pass validation for format role-id: " + id, "roles")));
    // All or nothing in the store: an unknown role (404) writes nothing.
    return write_result(ctx.store.assign_user_roles(user->user_id, *roles), make_error(mgmt_errc::inexistent_role),
                        204);
}

ApiResponse remove_user_roles(Context& ctx) {
    auto user = load_user(ctx);
    if (!user) return render_error(user.error());
    auto roles = parse_id_list(ctx.req, "roles", kMaxItems);
    if (!roles) return render_error(roles.error());
    return write_result(ctx.store.remove_user_roles(user->user_id, *roles), make_error(mgmt_errc::inexistent_user),
                        204);
}

ApiResponse list_user_permissions(Context& ctx) {
    auto user = load_user(ctx);
    if (!user) return render_error(user.error());
    auto paging = parse_paging(ctx.req, false);
    if (!paging) return render_error(paging.error());
    auto page = ctx.store.list_user_permissions(user->user_id, store_page(*paging));
    auto sources = ctx.store.user_permission_sources(user->user_id);
    if (!page || !sources) return render_error(make_error(mgmt_errc::internal_error));
    ApiCatalogue apis(ctx.store);
    json::array items;
    for (const auto& p : page->items) {
        auto o = apis.item(p);
        json::array from;
        for (const auto& s : *sources) {
            if (!(s.permission == p)) continue;
            from.push_back(json::object{{"source_id", s.role_id},
                                        {"source_name", s.role_name},
                                        {"source_type", s.role_id.empty() ? "DIRECT" : "ROLE"}});
        }
        o["sources"] = std::move(from);
        items.push_back(std::move(o));
    }
    return list_response(*paging, "permissions", std::move(items), page->total, false);
}

ApiResponse add_user_permissions(Context& ctx) {
    auto user = load_user(ctx);
    if (!user) return render_error(user.error());
    auto permissions = parse_permissions(ctx);
    if (!permissions) return render_error(permissions.error());
    return write_result(ctx.store.add_user_permissions(user->user_id, *permissions),
                        make_error(mgmt_errc::inexistent_user), 204);
}

ApiResponse remove_user_permissions(Context& ctx) {
    auto user = load_user(ctx);
    if (!user) return render_error(user.error());
    auto permissions = parse_permissions(ctx);
    if (!permissions) return render_error(permissions.error());
    return write_result(ctx.store.remove_user_permissions(user->user_id, *permissions),
                        make_error(mgmt_errc::inexistent_user), 204);
}

}  // namespace

// The roles family, and the user routes about roles and permissions (Auth0's scopes: a user's
// roles are also read:roles / *:role_members business, its permissions read:users / update:users).
std::span<const Route> roles_routes() {
    static constexpr std::array routes = {
        Route{"GET", "/roles", "read:roles", &list_roles},
        Route{"POST", "/roles", "create:roles", &create_role},
        Route{"GET", "/roles/{}", "read:roles", &get_role},
        Route{"PATCH", "/roles/{}", "update:roles", &update_role},
        Route{"DELETE", "/roles/{}", "delete:roles", &delete_role},
        Route{"GET", "/roles/{}/permissions", "read:roles", &list_role_permissions},
        Route{"POST", "/roles/{}/permissions", "update:roles", &add_role_permissions},
        Route{"DELETE", "/roles/{}/permissions", "update:roles", &remove_role_permissions},
        Route{"GET", "/roles/{}/users", "read:users,read:roles,read:role_members", &list_role_users},
        Route{"POST", "/roles/{}/users", "update:roles,create:role_members", &assign_role_users},
        Route{"GET", "/users/{}/roles", "read:users,read:roles,read:role_members", &list_user_roles},
        Route{"POST", "/users/{}/roles", "update:users,create:role_members", &assign_user_roles},
        Route{"DELETE", "/users/{}/roles", "update:users,delete:role_members", &remove_user_roles},
        Route{"GET", "/users/{}/permissions", "read:users", &list_user_permissions},
        Route{"POST", "/users/{}/permissions", "update:users", &add_user_permissions},
        Route{"DELETE", "/users/{}/permissions", "update:users", &remove_user_permissions},
    };
    return routes;
}

}  // namespace gatehouse::mgmt::detail
