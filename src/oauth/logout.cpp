#include "oauth/logout.hpp"

#include "oauth/grants/registry.hpp"
#include "oauth/response_types.hpp"

#include "util/json.hpp"
#include "util/url.hpp"

namespace gatehouse::oauth {
namespace json = boost::json;

namespace {

bool allowed_by(const ClientView& client, std::string_view return_to) {
    for (const auto& url : client.allowed_logout_urls)
        if (util::same_url_ignoring_query(url, return_to)) return true;
    return false;
}

}  // namespace

std::variant<LogoutRedirect, LoggedOut, ErrorPage> decide_logout(Catalog& catalog, const util::Params& params) {
    auto client_id = params.get("client_id");
    auto return_to = params.get("returnTo");
    // OIDC RP-Initiated Logout 1.0: post_logout_redirect_uri, id_token_hint naming the client, and
    // state echoed back on the redirect.
    bool oidc = return_to.empty() && params.has("post_logout_redirect_uri");
    if (oidc) return_to = params.get("post_logout_redirect_uri");
    if (client_id.empty() && params.has("id_token_hint")) {
        // The hint may have expired (logout often comes late): only its signature matters here.
        auto keys = catalog.keys();
        if (auto jwt = jose::verify_jwt(params.get("id_token_hint"), keys->verifiers,
                                        {jose::Alg::RS256, jose::Alg::ES256, jose::Alg::EdDSA}))
            client_id = util::json_string(jwt->claims, "aud");
    }
    std::shared_ptr<const ClientView> client;
    if (!client_id.empty()) {
        client = catalog.client(client_id);
        if (!client)
            return ErrorPage{400, "Unknown application", "No application has the client_id \"" + client_id + "\"."};
    }
    if (return_to.empty()) {
        // The first concrete URL: a wildcard entry is a pattern, not a place to go.
        if (client)
            for (const auto& url : client->allowed_logout_urls)
                if (url.find('*') == std::string::npos) return LogoutRedirect{url};
        return LoggedOut{};
    }
    bool allowed = false;
    if (client) {
        allowed = allowed_by(*client, return_to);
    } else {
        auto page = catalog.store().list_clients(store::Page{0, 100000});
        if (page)
            for (const auto& c : page->items) allowed = allowed || allowed_by(client_view(c), return_to);
    }
    if (!allowed)
        return ErrorPage{400, "Logout URL not allowed",
                         "\"" + return_to + "\" is not in the list of Allowed Logout URLs" +
                             (client ? " of the application \"" + client->name + "\"." : ".")};
    if (oidc && params.has("state"))
        return LogoutRedirect{util::append_params(return_to, {{"state", params.get("state")}})};
    return LogoutRedirect{return_to};
}

json::object discovery_document(const TenantConfig& config) {
    const auto& iss = config.issuer;
    json::object d;
    d["issuer"] = iss;
    d["authorization_endpoint"] = iss + "authorize";
    d["token_endpoint"] = iss + "oauth/token";
    d["userinfo_endpoint"] = iss + "userinfo";
    d["jwks_uri"] = iss + ".well-known/jwks.json";
    d["revocation_endpoint"] = iss + "oauth/revoke";
    d["end_session_endpoint"] = iss + "oidc/logout";  // Auth0's; /v2/logout stays for its own SDKs
    d["scopes_supported"] = json::array{"openid",     "profile",     "email",    "offline_access", "name",
                                        "given_name", "family_name", "nickname", "email_verified", "picture"};
    d["response_types_supported"] = json::value_from(supported_response_types());
    d["response_modes_supported"] = json::value_from(supported_response_modes());
    d["grant_types_supported"] = grants::grant_types_supported();
    d["code_challenge_methods_supported"] = json::array{"S256"};  // plain is always refused
    d["subject_types_supported"] = json::array{"public"};
    d["id_token_signing_alg_values_supported"] = json::array{"RS256"};
    d["token_endpoint_auth_methods_supported"] = json::array{"client_secret_basic", "client_secret_post", "none"};
    d["revocation_endpoint_auth_methods_supported"] = json::array{"client_secret_basic", "client_secret_post", "none"};
    d["claims_supported"] =
        json::array{"aud", "auth_time", "email",    "email_verified", "exp", "family_name", "given_name", "iat",
                    "iss", "name",      "nickname", "picture",        "sub", "sid",         "nonce",      "updated_at"};
    d["authorization_response_iss_parameter_supported"] = true;  // RFC 9207
    d["request_parameter_supported"] = false;
    d["request_uri_parameter_supported"] = false;
    d["claims_parameter_supported"] = false;
    return d;
}

}  // namespace gatehouse::oauth
