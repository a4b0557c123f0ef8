#include "connections/option_secrets.hpp"

#include "jose/jose.hpp"

#include <array>

namespace gatehouse::connections {

namespace json = boost::json;

namespace {

// The options that hold an upstream credential (Auth0's social and enterprise strategies name it so).
constexpr std::array<std::string_view, 1> kSecretOptions = {"client_secret"};
constexpr std::string_view kSealedPrefix = "sealed:";

bool is_sealed(std::string_view value) { return value.starts_with(kSealedPrefix); }

// Seals the secret options; `stored` says the values come from the database, where a sealed-looking
// value is already sealed. Returns how many values it sealed.
result<std::size_t> seal_values(json::object& options, std::string_view sealing_key, bool stored) {
    std::size_t sealed_count = 0;
    for (auto name : kSecretOptions) {
        auto* value = options.if_contains(name);
        if (!value || !value->is_string() || value->get_string().empty()) continue;
        if (stored && is_sealed(value->get_string())) continue;
        auto sealed = jose::seal(value->get_string(), sealing_key);
        if (!sealed) return connection_errc::backend;
        *value = std::string(kSealedPrefix) + *sealed;
        ++sealed_count;
    }
    return sealed_count;
}

}  // namespace

result<void> seal_option_secrets(json::object& options, std::string_view sealing_key) {
    auto sealed = seal_values(options, sealing_key, /*stored=*/false);
    if (!sealed) return sealed.error();
    return {};
}

result<void> unseal_option_secrets(json::object& options, std::string_view sealing_key) {
    for (auto name : kSecretOptions) {
        auto* value = options.if_contains(name);
        if (!value || !value->is_string() || !is_sealed(value->get_string())) continue;
        auto clear = jose::unseal(std::string_view(value->get_string()).substr(kSealedPrefix.size()), sealing_key);
        if (!clear) return connection_errc::backend;
        *value = *clear;
    }
    return {};
}

result<std::size_t> seal_stored_option_secrets(store::Store& store, std::string_view sealing_key) {
    std::size_t rewritten = 0;
    constexpr std::size_t kBatch = 200;
    for (std::size_t offset = 0;; offset += kBatch) {
        auto page = store.list_connections(store::Page{offset, kBatch}, {}, {});
        if (!page) return connection_errc::backend;
        for (auto c : page->items) {
            auto* options = c.doc.if_contains("options");
            if (!options || !options->is_object()) continue;
            auto sealed = seal_values(options->get_object(), sealing_key, /*stored=*/true);
            if (!sealed) return sealed.error();
            if (*sealed == 0) continue;
            const auto expected = c.version;
            c.version = expected + 1;
            // A concurrent Management API write wins; it sealed what it wrote, and the next start
            // finishes the rest.
            if (store.update_connection(c, expected)) ++rewritten;
        }
        if (page->items.size() < kBatch) break;
    }
    return rewritten;
}

}  // namespace gatehouse::connections
