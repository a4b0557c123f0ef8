#include "mgmt/bulk_jobs.hpp"
#include "mgmt/request.hpp"
#include "mgmt/route.hpp"
#include "util/util.hpp"

#include <boost/url/pct_string_view.hpp>

#include <algorithm>
#include <array>
#include <exception>

namespace gatehouse::mgmt {
namespace {

using namespace detail;

// Every resource family's table (one file each); Auth0 checks the scope before looking at ids or bodies.
constexpr std::array<RouteTable, 15> route_tables = {
    &connections_routes,
    &clients_routes,
    &resource_servers_routes,
    &client_grants_routes,
    &users_routes,
    &tenant_settings_routes,
    &email_provider_routes,
    &email_templates_routes,
    &roles_routes,
    &tickets_routes,
    &jobs_routes,
    &logs_routes,
    &organizations_routes,
    &signing_keys_routes,
    &absent_features_routes,
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

// The scopes of a route's comma-separated list.
std::vector<std::string> scope_list(std::string_view scopes) {
    std::vector<std::string> out;
    while (!scopes.empty()) {
        auto comma = scopes.find(',');
        out.emplace_back(scopes.substr(0, comma));
        scopes = comma == std::string_view::npos ? std::string_view() : scopes.substr(comma + 1);
    }
    return out;
}

bool has_any_scope(const std::set<std::string>& granted, std::string_view scopes) {
    auto list = scope_list(scopes);
    return std::any_of(list.begin(), list.end(), [&](const std::string& s) { return granted.contains(s); });
}

}  // namespace

const std::vector<std::string>& management_scopes() {
    // Every scope some route accepts, in route order: a new route's scope is granted to the
    // bootstrap's management client without a second list to keep in step.
    static const std::vector<std::string> scopes = [] {
        std::vector<std::string> out;
        for (auto table : route_tables)
            for (const auto& route : table())
                for (auto& scope : scope_list(route.scopes))
                    if (std::find(out.begin(), out.end(), scope) == out.end()) out.push_back(std::move(scope));
        return out;
    }();
    return scopes;
}

ManagementApi::ManagementApi(store::Store& store, Settings settings) : store_(store), settings_(std::move(settings)) {}

// Auth0's sapi event for a successful write: who (client, address) did what (method and route).
// Never the body or the query string, which may carry a password or a secret.
void ManagementApi::record_api_write(const ApiRequest& request, std::string_view route, int status) {
    if (!events_) return;
    store::LogEvent event;
    event.type = "sapi";
    event.description = "Management API operation: " + request.method + " " + std::string(route);
    event.client_id = request.client_id;
    event.ip = request.ip;
    event.details["request"] =
        boost::json::object{{"method", request.method}, {"path", "/api/v2" + std::string(route)}};
    event.details["response"] = boost::json::object{{"statusCode", status}};
    events_->record(std::move(event));
}

ApiResponse ManagementApi::download_export(std::string_view file, std::string_view expires,
                                           std::string_view signature) {
    try {
        return mgmt::download_export(store_, file, expires, signature, util::unix_now());
    } catch (const std::exception&) {
        return render_error(make_error(mgmt_errc::internal_error));
    }
}

ApiResponse ManagementApi::handle(const ApiRequest& request) {
    auto segments = split_path(request.path);
    std::vector<std::string_view> raw_params;
    std::string allow;
    const Route* found = nullptr;
    for (auto table : route_tables) {
        for (const auto& r : table()) {
            if (!match(r.pattern, segments, raw_params)) continue;
            if (r.method == request.method) {
                found = &r;
                break;
            }
            allow += (allow.empty() ? "" : ", ") + std::string(r.method);
        }
        if (found) break;
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

    Context ctx{store_, settings_, request, {}, events_};
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
        auto response = found->handler(ctx);
        if (request.method != "GET" && response.status < 300)
            record_api_write(request, found->pattern, response.status);
        return response;
    } catch (const std::exception&) {
        // A bug or an exhausted resource, never bad input: answer like Auth0 and keep serving.
        return render_error(make_error(mgmt_errc::internal_error));
    }
}

}  // namespace gatehouse::mgmt
