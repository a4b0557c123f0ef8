#include "email/email.hpp"
#include "email/meta_document.hpp"

#include "jose/jose.hpp"

namespace gatehouse::email {

namespace {
constexpr std::string_view kProviderKey = "email_provider";
constexpr std::string_view kSealedPrefix = "sealed:";
}  // namespace

store::result<std::optional<json::object>> load_provider(store::MetaStore& store) {
    return load_meta_document(store, kProviderKey);
}

store::result<void> save_provider(store::MetaStore& store, json::object doc, std::string_view sealing_key,
                                  bool create) {
    if (auto* credentials = doc.if_contains("credentials"); credentials && credentials->is_object())
        if (auto* pass = credentials->get_object().if_contains("smtp_pass");
            pass && pass->is_string() && !pass->get_string().starts_with(kSealedPrefix)) {
            auto sealed = jose::seal(pass->get_string(), sealing_key);
            if (!sealed) return make_error_code(store::store_errc::backend);
            *pass = std::string(kSealedPrefix) + *sealed;
        }
    auto text = json::serialize(doc);
    return create ? store.create_meta(kProviderKey, text) : store.set_meta(kProviderKey, text);
}

store::result<void> delete_provider(store::MetaStore& store) { return store.delete_meta(kProviderKey); }

json::object public_provider(const json::object& doc) {
    json::object out = doc;
    if (auto* credentials = out.if_contains("credentials"); credentials && credentials->is_object())
        credentials->get_object().erase("smtp_pass");
    return out;
}

std::optional<SmtpSettings> smtp_settings(const json::object& doc, std::string_view sealing_key) {
    const auto* credentials = doc.if_contains("credentials");
    if (!credentials || !credentials->is_object()) return std::nullopt;
    const auto& c = credentials->get_object();
    auto text = [](const json::object& o, std::string_view key) {
        const auto* v = o.if_contains(key);
        return v && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    SmtpSettings s;
    s.host = text(c, "smtp_host");
    if (const auto* port = c.if_contains("smtp_port"); port && port->is_int64()) s.port = int(port->get_int64());
    s.user = text(c, "smtp_user");
    auto sealed = text(c, "smtp_pass");
    if (sealed.starts_with(kSealedPrefix)) {
        auto clear = jose::unseal(std::string_view(sealed).substr(kSealedPrefix.size()), sealing_key);
        if (!clear) return std::nullopt;
        s.password = *clear;
    }
    s.default_from = text(doc, "default_from_address");
    if (const auto* enabled = doc.if_contains("enabled"); enabled && enabled->is_bool())
        s.enabled = enabled->get_bool();
    if (s.host.empty()) return std::nullopt;
    return s;
}

}  // namespace gatehouse::email
