// /api/v2/email-templates[/{name}]: Auth0's template names only, Liquid checked before storing.
#include "documents/documents.hpp"
#include "email/email.hpp"
#include "mgmt/paging.hpp"
#include "mgmt/request.hpp"
#include "mgmt/route.hpp"
#include "mgmt/validation.hpp"

#include <array>

namespace gatehouse::mgmt::detail {
namespace {

constexpr std::array<std::string_view, 9> kFields = {"template",
                                                     "body",
                                                     "from",
                                                     "subject",
                                                     "syntax",
                                                     "enabled",
                                                     "resultUrl",
                                                     "urlLifetimeInSeconds",
                                                     "includeEmailInRedirect"};

void check_template(BodyCheck& check, const json::object& body) {
    check.allowed(kFields)
        .string("template", 1, 64)
        .string("body", 0, 102'400, true)
        .string("from", 0, 320, true)
        .string("subject", 0, 1000, true)
        .one_of("syntax", {"liquid"})
        .boolean("enabled")
        .string("resultUrl", 0, 2048, true)
        .integer("urlLifetimeInSeconds", 0, 2'592'000)
        .boolean("includeEmailInRedirect");
    if (!check.ok()) return;
    if (const auto* name = body.if_contains("template"); name && !email::is_template_name(name->get_string()))
        check.fail(payload_error("No enum match for: \"" + std::string(name->get_string()) + "\"", "template"));
    else if (auto error = email::template_error(body))
        check.fail(payload_error(*error));
}

expected<json::object> load_template(Context& ctx) {
    const auto& name = ctx.params[0];
    if (!email::is_template_name(name)) return make_error(mgmt_errc::inexistent_email_template);
    auto doc = email::load_template(ctx.store, name);
    if (!doc) return make_error(mgmt_errc::internal_error);
    if (!*doc) return make_error(mgmt_errc::inexistent_email_template);
    return std::move(**doc);
}

// PATCH merges into the stored template; PUT replaces it (and creates it when absent).
ApiResponse write(Context& ctx, bool replace) {
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    json::object doc;
    if (!replace) {
        auto current = load_template(ctx);
        if (!current) return render_error(current.error());
        doc = std::move(*current);
    } else if (!email::is_template_name(ctx.params[0])) {
        return render_error(make_error(mgmt_errc::inexistent_email_template));
    }
    for (const auto& [k, v] : *body) doc[k] = v;
    doc["template"] = ctx.params[0];
    if (!doc.contains("syntax")) doc["syntax"] = "liquid";
    BodyCheck check(doc);
    check_template(check, doc);
    if (!check.ok()) return render_error(*check.error());
    if (auto r = email::save_template(ctx.store, doc); !r) return render_error(make_error(mgmt_errc::internal_error));
    return json_response(200, doc);
}

ApiResponse create_email_template(Context& ctx) {
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    check.required("template");
    if (check.ok()) check_template(check, *body);
    if (!check.ok()) return render_error(*check.error());
    if (!body->contains("syntax")) (*body)["syntax"] = "liquid";
    if (!body->contains("enabled")) (*body)["enabled"] = true;
    if (auto r = email::create_template(ctx.store, *body); !r) {
        if (r.error() == store::store_errc::already_exists)
            return render_error(
                make_error(mgmt_errc::email_template_conflict,
                           "Template " + std::string(body->at("template").as_string()) + " already exists."));
        return render_error(make_error(mgmt_errc::internal_error));
    }
    return json_response(200, *body);
}

ApiResponse get_email_template(Context& ctx) {
    auto doc = load_template(ctx);
    if (!doc) return render_error(doc.error());
    return json_response(200, *doc);
}

ApiResponse update_email_template(Context& ctx) { return write(ctx, false); }
ApiResponse replace_email_template(Context& ctx) { return write(ctx, true); }

}  // namespace

std::span<const Route> email_templates_routes() {
    static constexpr std::array routes = {
        Route{"POST", "/email-templates", "create:email_templates", &create_email_template},
        Route{"GET", "/email-templates/{}", "read:email_templates", &get_email_template},
        Route{"PATCH", "/email-templates/{}", "update:email_templates", &update_email_template},
        Route{"PUT", "/email-templates/{}", "update:email_templates", &replace_email_template},
    };
    return routes;
}

}  // namespace gatehouse::mgmt::detail
