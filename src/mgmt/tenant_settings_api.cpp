// /api/v2/tenants/settings: the tenant's one settings document. PATCH changes only the keys sent
// (flags merged key by key) and answers the whole document; the flows read it through
// oauth::Catalog (default_audience, default_directory, session lifetimes).
#include "documents/documents.hpp"
#include "mgmt/paging.hpp"
#include "mgmt/request.hpp"
#include "mgmt/route.hpp"
#include "mgmt/validation.hpp"
#include "util/util.hpp"

#include <array>
#include <cmath>

namespace gatehouse::mgmt::detail {
namespace {

constexpr std::array<std::string_view, 15> kFields = {
    "friendly_name",
    "picture_url",
    "support_email",
    "support_url",
    "allowed_logout_urls",
    "enabled_locales",
    "flags",
    "session_lifetime",
    "idle_session_lifetime",
    "session_lifetime_in_minutes",
    "idle_session_lifetime_in_minutes",
    "default_audience",
    "default_directory",
    "allow_organization_name_in_authentication_api",
    "sandbox_version",
};

constexpr double kMaxLifetimeHours = 365 * 24;

// What GET answers for keys never set.
json::object with_defaults(json::object doc) {
    if (!doc.contains("enabled_locales")) doc["enabled_locales"] = json::array{"en"};
    if (!doc.contains("flags")) doc["flags"] = json::object();
    return doc;
}

std::optional<ApiError> check_body(const json::object& body) {
    BodyCheck check(body);
    check.allowed(kFields)
        .string("friendly_name", 0, 255)
        .string("picture_url", 0, 2048)
        .string("support_email", 0, 254)
        .string("support_url", 0, 2048)
        .string_array("allowed_logout_urls", 100)
        .string_array("enabled_locales", 100)
        .object("flags")
        .number("session_lifetime", 0, kMaxLifetimeHours)
        .number("idle_session_lifetime", 0, kMaxLifetimeHours)
        .integer("session_lifetime_in_minutes", 1, std::int64_t(kMaxLifetimeHours) * 60)
        .integer("idle_session_lifetime_in_minutes", 1, std::int64_t(kMaxLifetimeHours) * 60)
        .string("default_audience", 0, 600)
        .string("default_directory", 0, 128)
        .boolean("allow_organization_name_in_authentication_api")
        .string("sandbox_version", 0, 16);
    if (const auto* flags = body.if_contains("flags"); check.ok() && flags)
        for (const auto& [name, value] : flags->get_object())
            if (!value.is_bool())
                check.fail(payload_error("Expected type boolean but found type " + std::string(type_name(value)),
                                         "flags." + std::string(name)));
    for (auto hours : {"session_lifetime", "idle_session_lifetime"})
        if (body.contains(hours) && body.contains(std::string(hours) + "_in_minutes"))
            check.fail(
                payload_error("Send " + std::string(hours) + " or " + std::string(hours) + "_in_minutes, not both"));
    return check.error();
}

// default_audience must name an API, default_directory a database connection ("" clears them).
std::optional<ApiError> check_references(Context& ctx, const json::object& body) {
    if (const auto* audience = body.if_contains("default_audience"); audience && !audience->get_string().empty())
        if (!ctx.store.get_resource_server_by_identifier(audience->get_string()))
            return make_error(mgmt_errc::invalid_body, "default_audience \"" + std::string(audience->get_string()) +
                                                           "\" is not the identifier of an existing API");
    if (const auto* directory = body.if_contains("default_directory"); directory && !directory->get_string().empty()) {
        auto connection = ctx.store.get_connection_by_name(directory->get_string());
        if (!connection || connection->strategy != "auth0")
            return make_error(mgmt_errc::invalid_body, "default_directory \"" + std::string(directory->get_string()) +
                                                           "\" is not the name of an existing database connection");
    }
    return std::nullopt;
}

// The stored document after `body`: only the keys sent change, flags merge, minutes become hours.
json::object patched(json::object doc, const json::object& body) {
    for (const auto& [key, value] : body) {
        if (key == "flags") {
            auto& flags = doc["flags"];
            if (!flags.is_object()) flags = json::object();
            for (const auto& [name, on] : value.get_object()) flags.get_object()[name] = on;
        } else if (key.ends_with("_in_minutes")) {
            auto hours = std::string(key.substr(0, key.size() - std::string_view("_in_minutes").size()));
            auto minutes = value.to_number<double>();
            // Whole hours stay integers on the wire, as Auth0 shows them.
            if (std::fmod(minutes, 60) == 0)
                doc[hours] = static_cast<std::int64_t>(minutes / 60);
            else
                doc[hours] = minutes / 60;
        } else if (key == "default_audience" || key == "default_directory") {
            if (value.get_string().empty())
                doc.erase(key);
            else
                doc[key] = value;
        } else {
            doc[key] = value;
        }
    }
    return doc;
}

ApiResponse get_tenant_settings(Context& ctx) {
    auto settings = ctx.store.get_tenant_settings();
    if (!settings) return render_error(make_error(mgmt_errc::internal_error));
    return json_response(200, with_defaults(std::move(settings->doc)));
}

ApiResponse update_tenant_settings(Context& ctx) {
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    if (auto error = check_body(*body)) return render_error(*error);
    if (auto error = check_references(ctx, *body)) return render_error(*error);
    // Concurrent PATCHes of different keys must not undo each other: retry on a version conflict.
    for (int attempt = 0; attempt < 5; ++attempt) {
        auto current = ctx.store.get_tenant_settings();
        if (!current) return render_error(make_error(mgmt_errc::internal_error));
        store::TenantSettings next{patched(current->doc, *body), current->version + 1, util::unix_now()};
        auto written = ctx.store.put_tenant_settings(next, current->version);
        if (written) return json_response(200, with_defaults(std::move(next.doc)));
        if (written.error() != store::store_errc::conflict) return render_error(make_error(mgmt_errc::internal_error));
    }
    return render_error(make_error(mgmt_errc::internal_error));
}

}  // namespace

std::span<const Route> tenant_settings_routes() {
    static constexpr std::array routes = {
        Route{"GET", "/tenants/settings", "read:tenant_settings", &get_tenant_settings},
        Route{"PATCH", "/tenants/settings", "update:tenant_settings", &update_tenant_settings},
    };
    return routes;
}

}  // namespace gatehouse::mgmt::detail
