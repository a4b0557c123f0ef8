#include "mgmt/detail.hpp"

#include <boost/url/pct_string_view.hpp>

#include <array>
#include <exception>

namespace gatehouse::mgmt {
namespace {

using namespace detail;

struct Route {
    std::string_view method;
    std::string_view pattern;  // "{}" segments are parameters
    std::string_view scopes;   // any of, comma separated
    Handler handler;
    // An end user's token reaches the route only with one of these scopes (Auth0's current_user
    // scopes) and only for its own user id (the first parameter); empty: never.
    std::string_view self_scopes = {};
};

// The whole Management API surface; Auth0 checks the scope before looking at ids or bodies.
constexpr std::array routes = {
    Route{"GET", "/connections", "read:connections", &list_connections},
    Route{"POST", "/connections", "create:connections", &create_connection},
    Route{"GET", "/connections/{}", "read:connections", &get_connection},
    Route{"PATCH", "/connections/{}", "update:connections", &update_connection},
    Route{"DELETE", "/connections/{}", "delete:connections", &delete_connection},
    Route{"GET", "/connections/{}/clients", "read:connections", &get_connection_clients},
    Route{"PATCH", "/connections/{}/clients", "update:connections", &update_connection_clients},
    Route{"GET", "/connections/{}/authorize-preview", "read:connections", &authorize_preview},
    Route{"GET", "/clients", "read:clients", &list_clients},
    Route{"POST", "/clients", "create:clients", &create_client},
    Route{"GET", "/clients/{}", "read:clients", &get_client},
    Route{"PATCH", "/clients/{}", "update:clients", &update_client},
    Route{"DELETE", "/clients/{}", "delete:clients", &delete_client},
    Route{"POST", "/clients/{}/rotate-secret", "update:clients,update:client_keys", &rotate_client_secret},
    Route{"GET", "/resource-servers", "read:resource_servers", &list_resource_servers},
    Route{"POST", "/resource-servers", "create:resource_servers", &create_resource_server},
    Route{"GET", "/resource-servers/{}", "read:resource_servers", &get_resource_server},
    Route{"PATCH", "/resource-servers/{}", "update:resource_servers", &update_resource_server},
    Route{"DELETE", "/resource-servers/{}", "delete:resource_servers", &delete_resource_server},
    Route{"GET", "/client-grants", "read:client_grants", &list_client_grants},
    Route{"POST", "/client-grants", "create:client_grants", &create_client_grant},
    Route{"GET", "/client-grants/{}", "read:client_grants", &get_client_grant},
    Route{"PATCH", "/client-grants/{}", "update:client_grants", &update_client_grant},
    Route{"DELETE", "/client-grants/{}", "delete:client_grants", &delete_client_grant},
    Route{"GET", "/users", "read:users", &list_users},
    Route{"POST", "/users", "create:users", &create_user},
    Route{"GET", "/users/{}", "read:users", &get_user, "read:current_user"},
    Route{"PATCH", "/users/{}", "update:users", &update_user,
          "update:current_user_metadata,create:current_user_metadata"},
    Route{"DELETE", "/users/{}", "delete:users", &delete_user},
    Route{"GET", "/users-by-email", "read:users", &users_by_email},
    Route{"GET", "/tenants/settings", "read:tenant_settings", &get_tenant_settings},
    Route{"PATCH", "/tenants/settings", "update:tenant_settings", &update_tenant_settings},
    Route{"GET", "/emails/provider", "read:email_provider", &get_email_provider},
    Route{"POST", "/emails/provider", "create:email_provider", &create_email_provider},
    Route{"PATCH", "/emails/provider", "update:email_provider", &update_email_provider},
    Route{"DELETE", "/emails/provider", "delete:email_provider", &delete_email_provider},
    Route{"POST", "/email-templates", "create:email_templates", &create_email_template},
    Route{"GET", "/email-templates/{}", "read:email_templates", &get_email_template},
    Route{"PATCH", "/email-templates/{}", "update:email_templates", &update_email_template},
    Route{"PUT", "/email-templates/{}", "update:email_templates", &replace_email_template},
};

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    if (path.ends_with('/') && path.size() > 1) path.remove_suffix(1);
    if (path.starts_with('/')) path.remove_prefix(1);
    while (!path.empty()) {
        auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    }
    return out;
}

// True when `segments` fit `pattern`; parameter segments (still encoded) go to `params`.
bool match(std::string_view pattern, const std::vector<std::string_view>& segments,
           std::vector<std::string_view>& params) {
    auto parts = split_path(pattern);
    if (parts.size() != segments.size()) return false;
    params.clear();
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (parts[i] == "{}")
            params.push_back(segments[i]);
        else if (parts[i] != segments[i])
            return false;
    }
    return true;
}

// A user's own-metadata scopes let it PATCH user_metadata and nothing else of itself.
bool only_user_metadata(const ApiRequest& request) {
    boost::system::error_code ec;
    auto body = boost::json::parse(request.body, ec);
    if (ec || !body.is_object()) return true;  // the handler answers malformed bodies with 400, changing nothing
    for (const auto& [key, value] : body.get_object())
        if (key != "user_metadata") return false;
    return true;
}

bool has_any_scope(const std::set<std::string>& granted, std::string_view scopes) {
    while (!scopes.empty()) {
        auto comma = scopes.find(',');
        if (granted.contains(std::string(scopes.substr(0, comma)))) return true;
        scopes = comma == std::string_view::npos ? std::string_view() : scopes.substr(comma + 1);
    }
    return false;
}

}  // namespace

const std::vector<std::string>& management_scopes() {
    static const std::vector<std::string> scopes = [] {
        std::vector<std::string> out;
        for (std::string_view resource : {"connections", "clients", "resource_servers", "users", "client_grants"})
            for (std::string_view action : {"read", "create", "update", "delete"})
                out.push_back(std::string(action) + ":" + std::string(resource));
        out.insert(out.end(), {"read:tenant_settings", "update:tenant_settings"});
        for (std::string_view action : {"read", "create", "update", "delete"})
            out.push_back(std::string(action) + ":email_provider");
        for (std::string_view action : {"read", "create", "update"})
            out.push_back(std::string(action) + ":email_templates");
        return out;
    }();
    return scopes;
}

ManagementApi::ManagementApi(store::Store& store, Settings settings) : store_(store), settings_(std::move(settings)) {}

ApiResponse ManagementApi::handle(const ApiRequest& request) {
    auto segments = split_path(request.path);
    std::vector<std::string_view> raw_params;
    std::string allow;
    const Route* found = nullptr;
    for (const auto& r : routes) {
        if (!match(r.pattern, segments, raw_params)) continue;
        if (r.method == request.method) {
            found = &r;
            break;
        }
        allow += (allow.empty() ? "" : ", ") + std::string(r.method);
    }
    if (!found) {
        if (allow.empty()) return render_error(make_error(mgmt_errc::route_not_found));
        auto r = render_error(make_error(mgmt_errc::method_not_allowed));
        r.headers.emplace_back("Allow", allow);
        return r;
    }
    match(found->pattern, segments, raw_params);
    bool end_user = !request.self_user_id.empty();
    if (!end_user && !has_any_scope(request.scopes, found->scopes))
        return render_error(insufficient_scope(found->scopes));
    if (end_user && (found->self_scopes.empty() || !has_any_scope(request.scopes, found->self_scopes)))
        return render_error(insufficient_scope(found->self_scopes.empty() ? found->scopes : found->self_scopes));

    Context ctx{store_, settings_, request, {}};
    for (auto p : raw_params) {
        auto pct = boost::urls::make_pct_string_view(p);
        if (!pct || p.empty())
            return render_error(make_error(mgmt_errc::invalid_uri, "Path validation error: invalid percent-encoding"));
        ctx.params.push_back(pct->decode());
    }
    if (end_user && (ctx.params.empty() || ctx.params.front() != request.self_user_id))
        return render_error(insufficient_scope(found->scopes));
    if (end_user && request.method == "PATCH" && !only_user_metadata(request))
        return render_error(insufficient_scope(found->scopes));
    try {
        return found->handler(ctx);
    } catch (const std::exception&) {
        // A bug or an exhausted resource, never bad input: answer like Auth0 and keep serving.
        return render_error(make_error(mgmt_errc::internal_error));
    }
}

}  // namespace gatehouse::mgmt
