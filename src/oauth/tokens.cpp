#include "oauth/tokens.hpp"

#include "connections/user_json.hpp"
#include "util/json.hpp"
#include "util/util.hpp"

#include <algorithm>
#include <array>

namespace gatehouse::oauth {
namespace json = boost::json;

bool has_scope(std::string_view scope_list, std::string_view scope) {
    std::size_t pos = 0;
    while (pos <= scope_list.size()) {
        auto end = scope_list.find(' ', pos);
        if (end == std::string_view::npos) end = scope_list.size();
        if (scope_list.substr(pos, end - pos) == scope) return true;
        pos = end + 1;
    }
    return false;
}

std::vector<std::string> split_scope(std::string_view list) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < list.size()) {
        auto end = list.find(' ', pos);
        if (end == std::string_view::npos) end = list.size();
        if (end > pos) out.emplace_back(list.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

bool is_end_user_management_scope(std::string_view scope) {
    static constexpr std::array<std::string_view, 7> kEndUserScopes = {"read:current_user",
                                                                       "update:current_user_metadata",
                                                                       "create:current_user_metadata",
                                                                       "delete:current_user_metadata",
                                                                       "update:current_user_identities",
                                                                       "create:current_user_device_credentials",
                                                                       "delete:current_user_device_credentials"};
    return std::find(kEndUserScopes.begin(), kEndUserScopes.end(), scope) != kEndUserScopes.end();
}

std::string grant_id_of_jti(std::string_view jti) {
    auto dot = jti.find('.');
    return dot == std::string_view::npos ? std::string() : std::string(jti.substr(0, dot));
}

namespace {

constexpr std::string_view kOpaqueKeyLabel = "gatehouse opaque access token v1 ";

// Each opaque token has its own content key, HMAC(master key, label || kid) with a random kid, so no
// AES-GCM key ever sees more than one random nonce, however many tokens are issued.
std::string opaque_token_key(const TenantConfig& config, std::string_view kid) {
    std::string input(kOpaqueKeyLabel);
    input += kid;
    return util::hmac_sha256(config.opaque_token_key, input);
}

oauth_result<std::string> encrypt_access_token(const TenantConfig& config, const json::object& claims) {
    const std::string kid = util::random_token(16);
    json::object header{{"alg", "dir"}, {"enc", "A256GCM"}, {"iss", config.issuer}, {"kid", kid}};
    auto token = jose::encrypt_jwe(header, json::serialize(claims), opaque_token_key(config, kid));
    if (!token)
        return make_error(oauth_errc::server_error, {}, "cannot encrypt access token: " + token.error().message());
    return *token;
}

}  // namespace

oauth_result<json::object> decrypt_access_token(const TenantConfig& config, std::string_view token) {
    auto jwe = jose::parse_jwe(token);
    if (!jwe) return make_error(oauth_errc::invalid_token, "Invalid token", jwe.error().message());
    auto kid = jwe->header.find("kid");
    if (kid == jwe->header.end() || !kid->value().is_string())
        return make_error(oauth_errc::invalid_token, "Invalid token", "JWE without kid");
    auto plaintext = jose::decrypt_jwe(*jwe, opaque_token_key(config, kid->value().get_string()));
    if (!plaintext) return make_error(oauth_errc::invalid_token, "Invalid token", plaintext.error().message());
    boost::system::error_code ec;
    json::value claims = json::parse(*plaintext, ec);
    if (ec || !claims.is_object()) return make_error(oauth_errc::invalid_token, "Invalid token", "JWE payload");
    return std::move(claims.get_object());
}

oauth_result<std::string> issue_access_token(Catalog& catalog, const AccessTokenSpec& spec, std::int64_t now) {
    const auto& issuer = catalog.config().issuer;
    json::object claims;
    claims.reserve(10);
    claims["iss"] = issuer;
    claims["sub"] = spec.subject;
    if (spec.audience.empty()) {
        claims["aud"] = catalog.config().userinfo_audience();
    } else if (spec.userinfo_audience) {
        claims["aud"] = json::array{json::string(spec.audience), json::string(catalog.config().userinfo_audience())};
    } else {
        claims["aud"] = spec.audience;
    }
    claims["iat"] = now;
    claims["exp"] = now + spec.lifetime;
    claims["scope"] = spec.scope;
    // RFC 9068 §2.2: client_id names the client; Auth0's profile drops azp and gty with it.
    const bool rfc9068 = is_rfc9068(spec.dialect);
    if (rfc9068) {
        claims["client_id"] = spec.client_id;
    } else {
        claims["azp"] = spec.client_id;
        if (!spec.gty.empty()) claims["gty"] = spec.gty;
    }
    claims["jti"] = spec.grant_id.empty() ? util::random_token(12) : spec.grant_id + "." + util::random_token(9);
    if (!spec.org_id.empty()) claims["org_id"] = spec.org_id;
    if (!spec.org_name.empty()) claims["org_name"] = spec.org_name;
    if (adds_permissions(spec.dialect)) {
        json::array permissions;
        for (const auto& p : spec.permissions) permissions.emplace_back(p);
        claims["permissions"] = std::move(permissions);
    }
    // Auth0: without an audience the access token is only good for /userinfo, and opaque (a JWE).
    if (spec.audience.empty()) return encrypt_access_token(catalog.config(), claims);
    auto keys = catalog.keys();
    const auto* signer = keys->signer(spec.alg);
    if (!signer)
        return make_error(oauth_errc::server_error, "No signing key is configured for this API's algorithm.",
                          std::string("no active key for ") + std::string(jose::alg_name(spec.alg)));
    return jose::sign_jwt(*signer, claims, rfc9068 ? "at+jwt" : "JWT");
}

oauth_result<UserApiAccess> user_api_access(store::RoleStore& roles, const ApiView* api, std::string_view user_id,
                                            std::string_view granted_scope,
                                            const std::vector<std::string>& extra_role_ids) {
    UserApiAccess out{std::string(granted_scope), {}};
    // The Management API's end-user scopes are decided by grant_scope; no role reaches them.
    if (!api || api->is_system || (!api->enforce_policies && !adds_permissions(api->token_dialect))) return out;
    auto held = roles.user_api_permissions(user_id, api->identifier, extra_role_ids);
    if (!held) return make_error(oauth_errc::temporarily_unavailable, {}, "store: " + held.error().message());
    if (api->enforce_policies) {
        out.scope.clear();
        for (const auto& s : split_scope(granted_scope)) {
            bool api_scope = api->scopes.contains(s);
            if (api_scope && !std::binary_search(held->begin(), held->end(), s)) continue;
            if (!out.scope.empty()) out.scope += ' ';
            out.scope += s;
        }
    }
    if (adds_permissions(api->token_dialect)) out.permissions = std::move(*held);
    return out;
}

json::object profile_claims(const store::User& user, std::string_view scope) {
    return connections::user_profile_claims(user, has_scope(scope, "profile"), has_scope(scope, "email"));
}

oauth_result<std::string> sign_id_token(Catalog& catalog, const IdTokenSpec& spec, std::int64_t now) {
    auto keys = catalog.keys();
    const auto* signer = keys->signer(jose::Alg::RS256);
    if (!signer) return make_error(oauth_errc::server_error, "No RS256 signing key is configured.");
    json::object claims = profile_claims(*spec.user, spec.scope);
    claims["iss"] = catalog.config().issuer;
    claims["sub"] = spec.user->user_id;
    claims["aud"] = spec.client_id;
    claims["azp"] = spec.client_id;
    claims["iat"] = now;
    claims["exp"] = now + spec.lifetime;
    if (spec.auth_time) claims["auth_time"] = spec.auth_time;
    if (!spec.nonce.empty()) claims["nonce"] = spec.nonce;
    if (!spec.session_id.empty()) claims["sid"] = spec.session_id;
    if (!spec.code.empty()) claims["c_hash"] = left_half_hash(spec.code);
    if (!spec.access_token.empty()) claims["at_hash"] = left_half_hash(spec.access_token);
    if (!spec.org_id.empty()) claims["org_id"] = spec.org_id;
    if (!spec.org_name.empty()) claims["org_name"] = spec.org_name;
    return jose::sign_jwt(*signer, claims);
}

std::string session_claim(std::string_view session_id_hash) {
    return session_id_hash.empty() ? std::string() : util::sha256_b64url(session_id_hash).substr(0, 22);
}

std::string left_half_hash(std::string_view value) {
    auto digest = util::sha256(value);
    return util::base64url_encode(std::string_view(digest).substr(0, digest.size() / 2));
}

oauth_result<AuthorizationEndpointTokens> issue_authorization_endpoint_tokens(Catalog& catalog,
                                                                              const AuthorizationEndpointGrant& grant,
                                                                              std::int64_t now) {
    AuthorizationEndpointTokens out;
    if (grant.access_token) {
        std::shared_ptr<const ApiView> api;
        if (!grant.audience.empty()) {
            api = catalog.api(grant.audience);
            if (!api) return make_error(oauth_errc::access_denied, "Service not found: " + grant.audience);
        }
        AccessTokenSpec at;
        at.subject = grant.user->user_id;
        at.client_id = grant.client->client_id;
        at.audience = grant.audience;
        static const std::vector<std::string> no_roles;
        auto access = user_api_access(catalog.store(), api.get(), grant.user->user_id, grant.scope,
                                      grant.organization ? grant.organization->role_ids : no_roles);
        if (!access) return access.error();
        if (grant.organization) {
            at.org_id = grant.organization->id;
            at.org_name = grant.organization->name;
        }
        at.scope = std::move(access->scope);
        at.permissions = std::move(access->permissions);
        at.dialect = api ? api->token_dialect : TokenDialect::access_token;
        at.grant_id = grant.grant_id;
        at.userinfo_audience = has_scope(grant.scope, "openid");
        at.lifetime = api ? api->token_lifetime_for_web : catalog.config().access_token_ttl;
        at.alg = api ? api->signing_alg : jose::Alg::RS256;
        auto token = issue_access_token(catalog, at, now);
        if (!token) return token.error();
        out.access_token = std::move(*token);
        out.expires_in = at.lifetime;
    }
    if (grant.id_token) {
        IdTokenSpec id;
        id.user = grant.user;
        id.client_id = grant.client->client_id;
        id.nonce = grant.nonce;
        id.session_id = session_claim(grant.session_id_hash);
        id.scope = grant.scope;
        id.auth_time = grant.auth_time;
        id.lifetime = grant.client->id_token_ttl;
        id.code = grant.code;
        id.access_token = out.access_token;
        if (grant.organization) {
            id.org_id = grant.organization->id;
            id.org_name = grant.organization->name;
        }
        auto token = sign_id_token(catalog, id, now);
        if (!token) return token.error();
        out.id_token = std::move(*token);
    }
    return out;
}

}  // namespace gatehouse::oauth
