// /api/v2/keys/signing: the tenant's signing keys as Auth0 shows them (GET list and one key), their
// rotation (POST /rotate: the RS256 key, as `gatehouse keys rotate` does it) and the revocation of a
// rotated-out key (PUT /{kid}/revoke: it leaves the JWKS and tokens it signed stop verifying). A key
// renders as a self-signed certificate; its private half never leaves the store sealed.
#include "mgmt/request.hpp"
#include "mgmt/route.hpp"
#include "mgmt/signing_keys.hpp"
#include "util/util.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <optional>

namespace gatehouse::mgmt::detail {
namespace {

// Auth0's tenant keys are RS256; the ES256 and EdDSA keys Gatehouse also holds rotate with the CLI.
constexpr std::string_view kRotatedAlg = "RS256";

// The certificate's CN: the issuer's host (and port), as Auth0 names its tenant domain.
std::string issuer_host(std::string_view issuer) {
    if (auto scheme = issuer.find("://"); scheme != std::string_view::npos) issuer.remove_prefix(scheme + 3);
    return std::string(issuer.substr(0, issuer.find('/')));
}

expected<json::object> render_key(Context& ctx, const store::SigningKey& key) {
    auto o = signing_key_to_json(key, ctx.settings.sealing_key, issuer_host(ctx.settings.issuer));
    if (o.empty()) {
        spdlog::error("signing key {}: cannot open it to render its certificate (wrong master key?)", key.kid);
        return make_error(mgmt_errc::internal_error);
    }
    return o;
}

expected<store::SigningKey> find_key(Context& ctx, std::string_view kid) {
    auto keys = ctx.store.list_all_keys();
    if (!keys) return make_error(mgmt_errc::internal_error);
    for (auto& key : *keys)
        if (key.kid == kid) return std::move(key);
    return make_error(mgmt_errc::inexistent_signing_key);
}

ApiResponse list_signing_keys(Context& ctx) {
    auto keys = ctx.store.list_all_keys();
    if (!keys) return render_error(make_error(mgmt_errc::internal_error));
    json::array out;
    for (const auto& key : *keys) {
        auto o = render_key(ctx, key);
        if (!o) return render_error(o.error());
        out.push_back(std::move(*o));
    }
    return json_response(200, out);
}

ApiResponse get_signing_key(Context& ctx) {
    auto key = find_key(ctx, ctx.params[0]);
    if (!key) return render_error(key.error());
    auto o = render_key(ctx, *key);
    return o ? json_response(200, *o) : render_error(o.error());
}

// Auth0 answers a rotation and a revocation with the key's certificate and kid only.
ApiResponse cert_and_kid(Context& ctx, const store::SigningKey& key, int status) {
    auto o = render_key(ctx, key);
    if (!o) return render_error(o.error());
    return json_response(status, json::object{{"cert", (*o)["cert"]}, {"kid", key.kid}});
}

ApiResponse rotate_signing_key(Context& ctx) {
    std::optional<KeyRotation> rotation;
    try {
        rotation = mgmt::rotate_signing_key(ctx.store, ctx.settings.sealing_key, kRotatedAlg,
                                            ctx.settings.token_lifetime_floor);
    } catch (const std::runtime_error& e) {
        spdlog::error("POST /api/v2/keys/signing/rotate: {}", e.what());
        return render_error(make_error(mgmt_errc::internal_error));
    }
    return cert_and_kid(ctx, rotation->key, 201);
}

ApiResponse revoke_signing_key(Context& ctx) {
    auto key = find_key(ctx, ctx.params[0]);
    if (!key) return render_error(key.error());
    // The key that signs is never revoked: its tokens would stop verifying while it kept issuing them.
    if (key->retired_at == 0)
        return render_error(make_error(mgmt_errc::operation_not_supported,
                                       "The current signing key cannot be revoked: rotate it first"));
    if (key->revoked_at != 0)
        return render_error(make_error(mgmt_errc::operation_not_supported, "The signing key is already revoked"));
    // A concurrent revocation of the same key finds nothing left to revoke: the key no longer exists as a
    // revocable key.
    if (auto r = ctx.store.revoke_key(key->kid, util::unix_now()); !r)
        return render_error(store_error(r.error(), mgmt_errc::inexistent_signing_key, mgmt_errc::internal_error));
    return cert_and_kid(ctx, *key, 200);
}

}  // namespace

std::span<const Route> signing_keys_routes() {
    static constexpr std::array routes = {
        Route{"GET", "/keys/signing", "read:signing_keys", &list_signing_keys},
        Route{"POST", "/keys/signing/rotate", "create:signing_keys,update:signing_keys", &rotate_signing_key},
        Route{"GET", "/keys/signing/{}", "read:signing_keys", &get_signing_key},
        Route{"PUT", "/keys/signing/{}/revoke", "update:signing_keys", &revoke_signing_key},
    };
    return routes;
}

}  // namespace gatehouse::mgmt::detail
