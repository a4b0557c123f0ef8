#include "email/email.hpp"
#include "email/meta_document.hpp"

#include <array>

namespace gatehouse::email {

namespace {

constexpr std::array<std::string_view, 14> kTemplateNames = {
    "verify_email",    "verify_email_by_code", "auth_email_by_code", "reset_email",      "reset_email_by_code",
    "welcome_email",   "blocked_account",      "stolen_credentials", "enrollment_email", "mfa_oob_code",
    "user_invitation", "async_approval",       "change_password",    "password_reset"};

constexpr std::string_view kMetaPrefix = "email_template:";

// One layout for every default: a centred card, the application's name as header, a button.
std::string page(std::string_view heading, std::string_view text, std::string_view button) {
    std::string out =
        "<!doctype html><html><body style=\"margin:0;background:#f4f5f7;font-family:-apple-system,Segoe UI,Roboto,"
        "Helvetica,Arial,sans-serif;color:#1f2328\"><table role=\"presentation\" width=\"100%\" cellpadding=\"0\" "
        "cellspacing=\"0\"><tr><td align=\"center\" style=\"padding:40px 16px\"><table role=\"presentation\" "
        "width=\"520\" cellpadding=\"0\" cellspacing=\"0\" style=\"background:#ffffff;border-radius:8px;"
        "padding:32px\"><tr><td><p style=\"margin:0 0 24px;font-size:14px;color:#6e7781\">"
        "{{ application.name | default: \"Gatehouse\" }}</p><h1 style=\"margin:0 0 16px;font-size:22px\">";
    out += heading;
    out += "</h1><p style=\"margin:0 0 24px;font-size:16px;line-height:1.5\">";
    out += text;
    out += "</p>";
    if (!button.empty()) {
        out +=
            "{% if url %}<p style=\"margin:0 0 24px\"><a href=\"{{ url }}\" style=\"display:inline-block;"
            "background:#0b5fff;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:6px;"
            "font-weight:600\">";
        out += button;
        out +=
            "</a></p><p style=\"margin:0;font-size:13px;color:#6e7781\">If the button does not work, open "
            "this link: {{ url }}</p>{% endif %}";
    }
    out +=
        "</td></tr></table><p style=\"font-size:12px;color:#8c959f\">You received this email because of "
        "an account at {{ application.name | default: \"Gatehouse\" }}. If this was not you, ignore it."
        "</p></td></tr></table></body></html>";
    return out;
}

struct Default {
    std::string_view name;
    std::string_view subject;
    std::string_view heading;
    std::string_view text;
    std::string_view button;
};

constexpr std::array<Default, 7> kDefaults = {{
    {"verify_email", "Verify your email", "Verify your email",
     "Hello {{ user.name | default: user.email }}, please confirm that {{ user.email }} is your email address.",
     "Verify email"},
    {"reset_email", "Reset your password", "Reset your password",
     "Hello {{ user.name | default: user.email }}, we received a request to reset your password. The link "
     "works once.",
     "Reset password"},
    {"change_password", "Reset your password", "Reset your password",
     "Hello {{ user.email }}, use the link below to choose a new password.", "Reset password"},
    {"password_reset", "Your password was changed", "Your password was changed",
     "Hello {{ user.email }}, the password of your account was just changed.", ""},
    {"welcome_email", "Welcome to {{ application.name | default: \"Gatehouse\" }}", "Welcome!",
     "Hello {{ user.name | default: user.email }}, your account is ready.", ""},
    {"blocked_account", "Your account was blocked", "Your account was blocked",
     "Hello {{ user.email }}, your account was blocked after suspicious activity. Use the link below to "
     "unblock it.",
     "Unblock account"},
    {"user_invitation", "You are invited", "You are invited",
     "Hello {{ user.email }}, {{ inviter.name | default: \"someone\" }} invited you to join {{ "
     "organization.display_name }} on {{ application.name | default: \"Gatehouse\" }}.",
     "Accept invitation"},
}};

}  // namespace

bool is_template_name(std::string_view name) {
    return std::find(kTemplateNames.begin(), kTemplateNames.end(), name) != kTemplateNames.end();
}

store::result<std::optional<json::object>> load_template(store::MetaStore& store, std::string_view name) {
    return load_meta_document(store, std::string(kMetaPrefix) + std::string(name));
}

store::result<void> create_template(store::MetaStore& store, const json::object& doc) {
    return store.create_meta(std::string(kMetaPrefix) + std::string(doc.at("template").as_string()),
                             json::serialize(doc));
}

store::result<void> save_template(store::MetaStore& store, const json::object& doc) {
    return store.set_meta(std::string(kMetaPrefix) + std::string(doc.at("template").as_string()), json::serialize(doc));
}

store::result<json::object> effective_template(store::MetaStore& store, std::string_view name) {
    auto stored = load_template(store, name);
    if (!stored) return stored.error();
    if (*stored) return std::move(**stored);
    json::object doc{{"template", name}, {"syntax", "liquid"}, {"enabled", true}, {"from", ""}};
    const Default* d = nullptr;
    for (const auto& candidate : kDefaults)
        if (candidate.name == name) d = &candidate;
    if (!d) d = &kDefaults[0];
    doc["subject"] = d->subject;
    doc["body"] = page(d->heading, d->text, d->button);
    return doc;
}

std::optional<std::string> template_error(const json::object& doc) {
    for (std::string_view field : {"from", "subject", "body"}) {
        const auto* v = doc.if_contains(field);
        if (!v || !v->is_string()) continue;
        auto parsed = parse_liquid(v->get_string());
        if (const auto* e = std::get_if<LiquidError>(&parsed)) return std::string(field) + ": " + e->message;
    }
    return std::nullopt;
}

}  // namespace gatehouse::email
