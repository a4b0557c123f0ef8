// The connection strategies Gatehouse knows, the rules their options must follow, their upstream
// endpoints (presets overridable by options) and the upstream authorization URL.
#pragma once

#include "connections/errc.hpp"
#include "store/model.hpp"
#include "util/params.hpp"

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::connections {

namespace json = boost::json;

enum class strategy_kind { auth0, oauth2, oidc, wordpress, twitter };

std::optional<strategy_kind> parse_strategy(std::string_view name);
std::string_view to_string(strategy_kind) noexcept;

// Strategies whose users come from an upstream provider through an authorization request.
bool is_federated(strategy_kind) noexcept;

// nullopt when `options` suit `strategy` (on create and after every update), else a message
// naming the offending option. Unknown strategies are refused too.
std::optional<std::string> validate_options(std::string_view strategy, const json::object& options);

// Where the upstream provider lives. Empty members are unknown (e.g. an oidc connection whose
// discovery document has not been fetched into options.oidc_metadata yet).
struct UpstreamEndpoints {
    std::string authorization_url;
    std::string token_url;
    std::string userinfo_url;
    std::string jwks_uri;  // oidc only
    std::string issuer;    // oidc only
};

// Preset endpoints overridden by options (authorizationURL/tokenURL/userInfoURL; for oidc the
// explicit *_endpoint options, then options.oidc_metadata). not_federated for auth0.
result<UpstreamEndpoints> upstream_endpoints(const store::Connection&);

// The scope sent upstream: options.scope (a string, or an array joined by spaces) or the
// strategy's default; oidc always includes "openid".
std::string upstream_scope(const store::Connection&);

// Whether the upstream leg uses PKCE (S256): always for twitter, for oauth2 when
// options.pkce_enabled is true, for oidc unless options.connection_settings.pkce is "disabled".
bool upstream_uses_pkce(const store::Connection&);

// Whether the provider announces RFC 9207 authorization response `iss`
// (authorization_response_iss_parameter_supported in the oidc discovery document, options.oidc_metadata).
bool upstream_announces_iss(const store::Connection&);

// The redirect_uri of the upstream leg, chosen for the mix-up defence of RFC 9700 §4.4.2: a provider
// that announces RFC 9207 `iss` gets Auth0's shared <issuer>login/callback, where its `iss` tells its
// responses apart; any other provider gets its own <issuer>login/callback/<connection name>, so a
// response counts only at the callback of the provider its request was sent to.
std::string upstream_callback_url(std::string_view issuer, const store::Connection&);

// The per-login values of the upstream leg, chosen by the caller (oauth) and kept in its state.
struct AuthorizationLeg {
    std::string callback_url;    // upstream_callback_url()
    std::string state;           // CSRF of the upstream leg
    std::string nonce;           // oidc only
    std::string code_challenge;  // S256 challenge, used when upstream_uses_pkce()
};

// The absolute upstream authorization URL: the endpoint (its own query kept), then client_id,
// redirect_uri, response_type=code, scope, state, nonce (oidc), code_challenge and
// code_challenge_method=S256 (when PKCE applies), then upstream_params resolved against
// `authorize_params`. Every value is percent-encoded exactly once (only RFC 3986 unreserved
// characters are left as they are, so '+' never reads as a space).
result<std::string> build_authorization_url(const store::Connection&, const util::Params& authorize_params,
                                            const AuthorizationLeg& leg);

}  // namespace gatehouse::connections
