// /api/v2/emails/provider: Auth0's `smtp` provider. The password is sealed before it is stored
// (email::save_provider) and no response ever holds it.
#include "documents/documents.hpp"
#include "email/email.hpp"
#include "mgmt/paging.hpp"
#include "mgmt/request.hpp"
#include "mgmt/route.hpp"
#include "mgmt/validation.hpp"

#include <array>

namespace gatehouse::mgmt::detail {
namespace {

// Checks the credentials object of a body; `complete` requires host and port (create).
void check_credentials(BodyCheck& check, const json::object& body, bool complete) {
    check.allowed({"name", "enabled", "default_from_address", "credentials", "settings"})
        .one_of("name", {"smtp"})
        .boolean("enabled")
        .string("default_from_address", 0, 320)
        .object("credentials")
        .object("settings", true);
    if (!check.ok()) return;
    const auto* credentials = body.if_contains("credentials");
    if (!credentials) {
        if (complete) check.fail(payload_error("Missing required property: credentials"));
        return;
    }
    BodyCheck inner(credentials->get_object());
    inner.allowed({"smtp_host", "smtp_port", "smtp_user", "smtp_pass"})
        .string("smtp_host", 1, 253)
        .integer("smtp_port", 1, 65535)
        .string("smtp_user", 0, 320)
        .string("smtp_pass", 0, 1024);
    if (complete) inner.required("smtp_host").required("smtp_port");
    if (inner.error()) check.fail(inner.error()->message);
}

void check_sender(BodyCheck& check, const json::object& doc) {
    const auto* from = doc.if_contains("default_from_address");
    if (check.ok() && from && from->is_string() && !from->get_string().empty() &&
        !email::is_plain_address(from->get_string()))
        check.fail(payload_error("default_from_address must be one email address", "default_from_address"));
}

// SMTP AUTH needs both halves.
void check_auth_pair(BodyCheck& check, const json::object& doc) {
    const auto& c = doc.at("credentials").as_object();
    auto has = [&](std::string_view k) {
        const auto* v = c.if_contains(k);
        return v && v->is_string() && !v->get_string().empty();
    };
    if (check.ok() && has("smtp_user") != has("smtp_pass"))
        check.fail(payload_error("smtp_user and smtp_pass go together", "credentials"));
}

ApiResponse stored_error(boost::system::error_code ec) {
    return render_error(store_error(ec, mgmt_errc::inexistent_email_provider, mgmt_errc::email_provider_conflict));
}

ApiResponse get_email_provider(Context& ctx) {
    auto fields = parse_fields(ctx.req);
    if (!fields) return render_error(fields.error());
    auto doc = email::load_provider(ctx.store);
    if (!doc) return render_error(make_error(mgmt_errc::internal_error));
    if (!*doc) return render_error(make_error(mgmt_errc::inexistent_email_provider));
    auto shown = email::public_provider(**doc);
    if (fields->fields.empty()) {
        // Auth0 shows only the name and state unless fields are asked for.
        json::object brief;
        for (std::string_view key : {"name", "enabled"})
            if (const auto* v = shown.if_contains(key)) brief[key] = *v;
        return json_response(200, brief);
    }
    fields->apply(shown);
    return json_response(200, shown);
}

ApiResponse create_email_provider(Context& ctx) {
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    check.required("name");
    check_credentials(check, *body, true);
    check_sender(check, *body);
    if (check.ok()) check_auth_pair(check, *body);
    if (!check.ok()) return render_error(*check.error());
    if (!body->contains("enabled")) (*body)["enabled"] = true;
    if (auto r = email::save_provider(ctx.store, *body, ctx.settings.sealing_key, true); !r)
        return stored_error(r.error());
    return json_response(201, email::public_provider(*body));
}

ApiResponse update_email_provider(Context& ctx) {
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    check_credentials(check, *body, false);
    check_sender(check, *body);
    if (!check.ok()) return render_error(*check.error());
    auto stored = email::load_provider(ctx.store);
    if (!stored) return render_error(make_error(mgmt_errc::internal_error));
    if (!*stored) return render_error(make_error(mgmt_errc::inexistent_email_provider));
    auto doc = std::move(**stored);
    for (const auto& [key, value] : *body) {
        if (key == "credentials") {
            // Credentials merge field by field: a PATCH without smtp_pass keeps the stored one.
            auto& target = doc["credentials"];
            if (!target.is_object()) target = json::object();
            for (const auto& [k, v] : value.get_object()) target.get_object()[k] = v;
        } else {
            doc[key] = value;
        }
    }
    BodyCheck merged(doc);
    check_auth_pair(merged, doc);
    if (!merged.ok()) return render_error(*merged.error());
    if (auto r = email::save_provider(ctx.store, doc, ctx.settings.sealing_key, false); !r)
        return stored_error(r.error());
    return json_response(200, email::public_provider(doc));
}

ApiResponse delete_email_provider(Context& ctx) {
    if (auto r = email::delete_provider(ctx.store); !r) return stored_error(r.error());
    return no_content(204);
}

}  // namespace

std::span<const Route> email_provider_routes() {
    static constexpr std::array routes = {
        Route{"GET", "/emails/provider", "read:email_provider", &get_email_provider},
        Route{"POST", "/emails/provider", "create:email_provider", &create_email_provider},
        Route{"PATCH", "/emails/provider", "update:email_provider", &update_email_provider},
        Route{"DELETE", "/emails/provider", "delete:email_provider", &delete_email_provider},
    };
    return routes;
}

}  // namespace gatehouse::mgmt::detail
