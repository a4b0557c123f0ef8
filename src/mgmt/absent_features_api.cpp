// The resource families of Auth0's Management API that Gatehouse does not implement (Actions,
// Rules, Hooks, log streams, custom domains, Guardian MFA, forms and flows, ...). Auth0's own tools
// (auth0-deploy-cli, Terraform) read every family on every run, so each read answers what Auth0
// answers a tenant where the feature is absent: an empty list where Auth0 lists no entries, Auth0's
// 403 where the feature is not enabled for the tenant (Rules and Hooks: not offered to new tenants;
// custom domains: not in the plan). Every write answers 403 `feature_not_enabled` and changes nothing,
// so a configuration that uses such a feature fails loudly instead of being silently dropped.
#include "mgmt/request.hpp"
#include "mgmt/route.hpp"

#include <array>

namespace gatehouse::mgmt::detail {
namespace {

ApiResponse deprecated(Context&) { return render_error(make_error(mgmt_errc::deprecated_feature)); }

ApiResponse not_enabled(Context&) { return render_error(make_error(mgmt_errc::feature_not_enabled)); }

ApiResponse not_in_plan(Context&) { return render_error(make_error(mgmt_errc::account_not_allowed)); }

// A write to a family the tenant does not have: the feature's name from the first path segment.
ApiResponse write_refused(Context& ctx) {
    auto path = std::string_view(ctx.req.path);
    if (path.starts_with('/')) path.remove_prefix(1);
    auto family = std::string(path.substr(0, path.find('/')));
    return render_error(make_error(mgmt_errc::feature_not_enabled,
                                   "The " + family + " feature is not available on this tenant; nothing was changed."));
}

// Writes that ask for the state the tenant already has (no MFA policy, risk assessment off) are
// answered as Auth0 answers them; any other value is a feature the tenant does not have.
ApiResponse set_no_mfa_policies(Context& ctx) {
    boost::system::error_code ec;
    auto body = json::parse(ctx.req.body, ec);
    if (ec || !body.is_array()) return render_error(make_error(mgmt_errc::invalid_body));
    if (!body.get_array().empty()) return write_refused(ctx);
    return json_response(200, json::array());
}

ApiResponse risk_assessment_off(Context&) { return json_response(200, json::object{{"enabled", false}}); }

ApiResponse set_risk_assessment(Context& ctx) {
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    const auto* enabled = body->if_contains("enabled");
    if (body->size() != 1 || !enabled || !enabled->is_bool())
        return render_error(make_error(mgmt_errc::invalid_body, "Payload validation error: 'enabled' is required"));
    if (enabled->get_bool()) return write_refused(ctx);
    return risk_assessment_off(ctx);
}

ApiResponse new_device_not_remembered(Context&) { return json_response(200, json::object{{"remember_for", 0}}); }

ApiResponse set_new_device(Context& ctx) {
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    const auto* days = body->if_contains("remember_for");
    if (body->size() != 1 || !days || !days->is_number())
        return render_error(
            make_error(mgmt_errc::invalid_body, "Payload validation error: 'remember_for' is required"));
    if (days->to_number<double>() != 0) return write_refused(ctx);
    return new_device_not_remembered(ctx);
}

ApiResponse empty_array(Context&) { return json_response(200, json::array()); }

// Auth0's offset-paged list of no entries, under its family's key.
template <const char* Key>
ApiResponse empty_page(Context&) {
    return json_response(200, json::object{{Key, json::array()}, {"start", 0}, {"limit", 50}, {"total", 0}});
}

ApiResponse no_actions(Context&) {
    return json_response(200, json::object{{"actions", json::array()}, {"total", 0}, {"page", 0}, {"per_page", 50}});
}

ApiResponse no_branding(Context&) { return json_response(200, json::object()); }

template <const char* Key>
ApiResponse empty_under(Context&) {
    return json_response(200, json::object{{Key, json::array()}});
}

ApiResponse no_triggers(Context&) { return json_response(200, json::object{{"triggers", json::array()}}); }

constexpr char kProviders[] = "providers";
constexpr char kTemplates[] = "templates";
constexpr char kForms[] = "forms";
constexpr char kFlows[] = "flows";
constexpr char kConnections[] = "connections";
constexpr char kProfiles[] = "self_service_profiles";

}  // namespace

std::span<const Route> absent_features_routes() {
    static constexpr std::array routes = {
        Route{"GET", "/rules", "read:rules", &deprecated},
        Route{"POST", "/rules", "create:rules", &write_refused},
        Route{"GET", "/rules-configs", "read:rules_configs", &deprecated},
        Route{"GET", "/hooks", "read:hooks", &deprecated},
        Route{"POST", "/hooks", "create:hooks", &write_refused},
        Route{"GET", "/actions/actions", "read:actions", &no_actions},
        Route{"POST", "/actions/actions", "create:actions", &write_refused},
        Route{"GET", "/actions/triggers", "read:actions", &no_triggers},
        Route{"PATCH", "/actions/triggers/{}/bindings", "update:actions", &write_refused},
        Route{"GET", "/actions/modules", "read:actions", &not_enabled},
        Route{"GET", "/log-streams", "read:log_streams", &empty_array},
        Route{"POST", "/log-streams", "create:log_streams", &write_refused},
        Route{"GET", "/custom-domains", "read:custom_domains", &empty_array},
        Route{"POST", "/custom-domains", "create:custom_domains", &not_in_plan},
        Route{"GET", "/guardian/factors", "read:guardian_factors", &not_enabled},
        Route{"PUT", "/guardian/factors/{}", "update:guardian_factors", &write_refused},
        Route{"GET", "/guardian/factors/{}/providers/{}", "read:guardian_factors", &not_enabled},
        Route{"GET", "/guardian/factors/{}/templates", "read:guardian_factors", &not_enabled},
        Route{"GET", "/guardian/factors/phone/selected-provider", "read:guardian_factors", &not_enabled},
        Route{"GET", "/guardian/factors/phone/message-types", "read:guardian_factors", &not_enabled},
        Route{"GET", "/guardian/policies", "read:mfa_policies", &empty_array},
        Route{"PUT", "/guardian/policies", "update:mfa_policies", &set_no_mfa_policies},
        Route{"GET", "/risk-assessments/settings", "read:attack_protection", &risk_assessment_off},
        Route{"PATCH", "/risk-assessments/settings", "update:attack_protection", &set_risk_assessment},
        Route{"GET", "/risk-assessments/settings/new-device", "read:attack_protection", &new_device_not_remembered},
        Route{"PATCH", "/risk-assessments/settings/new-device", "update:attack_protection", &set_new_device},
        Route{"GET", "/branding", "read:branding", &no_branding},
        Route{"PATCH", "/branding", "update:branding", &write_refused},
        Route{"GET", "/branding/phone/providers", "read:phone_providers", &empty_under<kProviders>},
        Route{"POST", "/branding/phone/providers", "create:phone_providers", &write_refused},
        Route{"GET", "/branding/phone/templates", "read:phone_templates", &empty_under<kTemplates>},
        Route{"POST", "/branding/phone/templates", "create:phone_templates", &write_refused},
        Route{"GET", "/network-acls", "read:network_acls", &not_enabled},
        Route{"GET", "/rate-limit-policies", "read:rate_limit_policies", &not_enabled},
        Route{"GET", "/token-exchange-profiles", "read:token_exchange_profiles", &not_enabled},
        Route{"GET", "/supplemental-signals", "read:attack_protection", &not_enabled},
        Route{"GET", "/connection-profiles", "read:connection_profiles", &not_enabled},
        Route{"GET", "/user-attribute-profiles", "read:user_attribute_profiles", &not_enabled},
        Route{"GET", "/forms", "read:forms", &empty_page<kForms>},
        Route{"POST", "/forms", "create:forms", &write_refused},
        Route{"GET", "/flows", "read:flows", &empty_page<kFlows>},
        Route{"POST", "/flows", "create:flows", &write_refused},
        Route{"GET", "/flows/vault/connections", "read:flows_vault_connections", &empty_page<kConnections>},
        Route{"POST", "/flows/vault/connections", "create:flows_vault_connections", &write_refused},
        Route{"GET", "/self-service-profiles", "read:self_service_profiles", &empty_page<kProfiles>},
        Route{"POST", "/self-service-profiles", "create:self_service_profiles", &write_refused},
        Route{"GET", "/event-streams", "read:event_streams", &empty_array},
        Route{"POST", "/event-streams", "create:event_streams", &write_refused},
    };
    return routes;
}

}  // namespace gatehouse::mgmt::detail
