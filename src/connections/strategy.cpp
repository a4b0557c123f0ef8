#include "connections/strategy.hpp"

#include "connections/upstream_params.hpp"
#include "util/url.hpp"

#include <boost/url.hpp>

#include <array>
#include <utility>

namespace gatehouse::connections {
namespace {

struct StrategyInfo {
    strategy_kind kind;
    std::string_view name;
    std::string_view authorization_url;  // preset; empty when the options must give it
    std::string_view token_url;
    std::string_view userinfo_url;
    std::string_view default_scope;
};

// One row per strategy (wire contract §7.2); adding a strategy = adding a row.
constexpr std::array strategies = {
    StrategyInfo{strategy_kind::auth0, "auth0", "", "", "", ""},
    StrategyInfo{strategy_kind::oauth2, "oauth2", "", "", "", ""},
    StrategyInfo{strategy_kind::oidc, "oidc", "", "", "", "openid profile email"},
    StrategyInfo{strategy_kind::wordpress, "wordpress", "https://public-api.wordpress.com/oauth2/authorize",
                 "https://public-api.wordpress.com/oauth2/token", "https://public-api.wordpress.com/rest/v1.1/me",
                 "auth"},
    StrategyInfo{strategy_kind::twitter, "twitter", "https://twitter.com/i/oauth2/authorize",
                 "https://api.twitter.com/2/oauth2/token", "https://api.twitter.com/2/users/me",
                 "tweet.read users.read"},
};

const StrategyInfo& info(strategy_kind k) {
    for (const auto& s : strategies)
        if (s.kind == k) return s;
    return strategies[0];
}

std::string_view string_option(const json::object& options, std::string_view key) {
    if (const auto* v = options.if_contains(key); v && v->is_string()) return v->get_string();
    return {};
}

bool absolute_http_url(std::string_view s) {
    auto u = boost::urls::parse_absolute_uri(s);
    if (!u) return false;
    return (u->scheme_id() == boost::urls::scheme::https || u->scheme_id() == boost::urls::scheme::http) &&
           u->has_authority() && !u->host().empty() && !u->has_fragment();
}

// Optional URL options may be absent or null (Auth0 stores nulls for unset preset endpoints).
// `where` names the object holding them in the message.
std::optional<std::string> check_url_option(const json::object& options, std::string_view key, bool required,
                                            std::string_view where = "options.") {
    auto name = std::string(where) + std::string(key);
    const auto* v = options.if_contains(key);
    if (!v || v->is_null()) {
        if (required) return name + " is required";
        return std::nullopt;
    }
    if (!v->is_string()) return name + " must be a string";
    if (!absolute_http_url(v->get_string())) return name + " must be an absolute http(s) URL";
    return std::nullopt;
}

// options.ca_file: a PEM bundle on the server's disk that replaces the system CA store for this
// connection. It cannot make Gatehouse trust a provider the connection's endpoints could not already
// name (whoever sets the CA also sets the endpoints), so the risk is the file itself: the path must
// be absolute (not relative to wherever serve started), and the client reads only a regular file of
// bounded size (connections::UpstreamClient), so a device or a FIFO cannot stall a thread.
std::optional<std::string> check_ca_file_option(const json::object& options) {
    const auto* v = options.if_contains("ca_file");
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_string()) return std::string("options.ca_file must be a string");
    std::string_view path = v->get_string();
    if (path.empty() || path.front() != '/' || path.size() > 4096 || path.find('\0') != std::string_view::npos)
        return std::string("options.ca_file must be an absolute file path");
    return std::nullopt;
}

std::optional<std::string> check_required_string(const json::object& options, std::string_view key) {
    const auto* v = options.if_contains(key);
    if (!v || v->is_null()) return "options." + std::string(key) + " is required";
    if (!v->is_string() || v->get_string().empty())
        return "options." + std::string(key) + " must be a non-empty string";
    return std::nullopt;
}

std::optional<std::string> check_scope_option(const json::object& options) {
    const auto* v = options.if_contains("scope");
    if (!v || v->is_null() || v->is_string()) return std::nullopt;
    if (const auto* a = v->if_array()) {
        for (const auto& s : *a)
            if (!s.is_string()) return std::string("options.scope must be a string or an array of strings");
        return std::nullopt;
    }
    return std::string("options.scope must be a string or an array of strings");
}

}  // namespace

std::optional<strategy_kind> parse_strategy(std::string_view name) {
    for (const auto& s : strategies)
        if (s.name == name) return s.kind;
    return std::nullopt;
}

std::string_view to_string(strategy_kind k) noexcept { return info(k).name; }

bool is_federated(strategy_kind k) noexcept { return k != strategy_kind::auth0; }

std::optional<std::string> validate_options(std::string_view strategy, const json::object& options) {
    auto kind = parse_strategy(strategy);
    if (!kind) return "unknown strategy " + std::string(strategy);
    // Checked for every strategy: a database connection has no upstream request, so its parameters are
    // used nowhere, but Auth0 stores them there too and its tools (the Terraform provider) send them.
    if (const auto* up = options.if_contains("upstream_params"))
        if (auto err = validate_upstream_params(*up)) return "options." + *err;
    if (const auto* d = options.if_contains("disable_self_service_change_password"); d && !d->is_null()) {
        if (!d->is_bool()) return std::string("options.disable_self_service_change_password must be a boolean");
        // Storing true would claim a protection /dbconnections/change_password does not apply.
        if (d->get_bool())
            return std::string("options.disable_self_service_change_password: true is not supported on this server");
    }
    if (!is_federated(*kind)) return std::nullopt;
    if (auto err = check_scope_option(options)) return err;
    if (auto err = check_ca_file_option(options)) return err;
    switch (*kind) {
        case strategy_kind::oauth2:
            if (auto e = check_url_option(options, "authorizationURL", true)) return e;
            if (auto e = check_url_option(options, "tokenURL", true)) return e;
            if (auto e = check_url_option(options, "userInfoURL", false)) return e;
            if (auto e = check_required_string(options, "client_id")) return e;
            if (const auto* p = options.if_contains("pkce_enabled"); p && !p->is_bool() && !p->is_null())
                return std::string("options.pkce_enabled must be a boolean");
            break;
        case strategy_kind::oidc: {
            if (auto e = check_required_string(options, "client_id")) return e;
            const auto* d = options.if_contains("discovery_url");
            const auto* i = options.if_contains("issuer");
            bool has_d = d && !d->is_null(), has_i = i && !i->is_null();
            if (!has_d && !has_i) return std::string("options.discovery_url or options.issuer is required");
            if (auto e = check_url_option(options, "discovery_url", false)) return e;
            if (auto e = check_url_option(options, "issuer", false)) return e;
            for (std::string_view k : {"authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"})
                if (auto e = check_url_option(options, k, false)) return e;
            if (const auto* m = options.if_contains("oidc_metadata"); m && !m->is_null()) {
                if (!m->is_object()) return std::string("options.oidc_metadata must be an object");
                // The endpoints Gatehouse connects to or sends browsers to, as for the options above.
                for (std::string_view k :
                     {"issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"})
                    if (auto e = check_url_option(m->get_object(), k, false, "options.oidc_metadata.")) return e;
            }
            break;
        }
        case strategy_kind::wordpress:
        case strategy_kind::twitter:
            for (std::string_view k : {"authorizationURL", "tokenURL", "userInfoURL"})
                if (auto e = check_url_option(options, k, false)) return e;
            break;
        case strategy_kind::auth0:
            break;
    }
    return std::nullopt;
}

result<UpstreamEndpoints> upstream_endpoints(const store::Connection& c) {
    auto kind = parse_strategy(c.strategy);
    if (!kind || !is_federated(*kind)) return connection_errc::not_federated;
    static const json::object empty;
    const auto* o = c.doc.if_contains("options");
    const json::object& options = o && o->is_object() ? o->get_object() : empty;
    UpstreamEndpoints out;
    if (*kind == strategy_kind::oidc) {
        const auto* m = options.if_contains("oidc_metadata");
        const json::object& meta = m && m->is_object() ? m->get_object() : empty;
        auto pick = [&](std::string_view key) {
            auto v = string_option(options, key);
            return std::string(v.empty() ? string_option(meta, key) : v);
        };
        out.authorization_url = pick("authorization_endpoint");
        out.token_url = pick("token_endpoint");
        out.userinfo_url = pick("userinfo_endpoint");
        out.jwks_uri = pick("jwks_uri");
        out.issuer = pick("issuer");
        return out;
    }
    const auto& preset = info(*kind);
    auto pick = [&](std::string_view key, std::string_view fallback) {
        auto v = string_option(options, key);
        return std::string(v.empty() ? fallback : v);
    };
    out.authorization_url = pick("authorizationURL", preset.authorization_url);
    out.token_url = pick("tokenURL", preset.token_url);
    out.userinfo_url = pick("userInfoURL", preset.userinfo_url);
    return out;
}

std::string upstream_scope(const store::Connection& c) {
    auto kind = parse_strategy(c.strategy);
    if (!kind) return {};
    std::string scope;
    if (const auto* o = c.doc.if_contains("options"); o && o->is_object()) {
        if (const auto* s = o->get_object().if_contains("scope")) {
            if (s->is_string()) {
                scope = s->get_string();
            } else if (const auto* a = s->if_array()) {
                for (const auto& v : *a) {
                    if (!v.is_string() || v.get_string().empty()) continue;
                    if (!scope.empty()) scope += ' ';
                    scope += v.get_string();
                }
            }
        }
    }
    if (scope.empty()) scope = info(*kind).default_scope;
    if (*kind == strategy_kind::oidc) {
        bool has_openid = false;
        std::string_view rest = scope;
        while (!rest.empty()) {
            auto sp = rest.find(' ');
            if (rest.substr(0, sp) == "openid") has_openid = true;
            rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
        }
        if (!has_openid) scope = scope.empty() ? "openid" : "openid " + scope;
    }
    return scope;
}

bool upstream_uses_pkce(const store::Connection& c) {
    auto kind = parse_strategy(c.strategy);
    if (!kind) return false;
    const auto* o = c.doc.if_contains("options");
    const json::object* options = o ? o->if_object() : nullptr;
    switch (*kind) {
        case strategy_kind::twitter:
            return true;  // X requires PKCE on its OAuth 2.0 flow
        case strategy_kind::oauth2: {
            const auto* p = options ? options->if_contains("pkce_enabled") : nullptr;
            return p && p->is_bool() && p->get_bool();
        }
        case strategy_kind::oidc: {
            const auto* cs = options ? options->if_contains("connection_settings") : nullptr;
            const auto* pkce = cs && cs->is_object() ? cs->get_object().if_contains("pkce") : nullptr;
            return !(pkce && pkce->is_string() && pkce->get_string() == "disabled");
        }
        default:
            return false;
    }
}

bool upstream_announces_iss(const store::Connection& c) {
    if (c.strategy != "oidc") return false;
    const auto* o = c.doc.if_contains("options");
    const auto* m = o && o->is_object() ? o->get_object().if_contains("oidc_metadata") : nullptr;
    const auto* flag =
        m && m->is_object() ? m->get_object().if_contains("authorization_response_iss_parameter_supported") : nullptr;
    return flag && flag->is_bool() && flag->get_bool();
}

std::string upstream_callback_url(std::string_view issuer, const store::Connection& c) {
    std::string url = std::string(issuer) + "login/callback";
    // Connection names are [A-Za-z0-9-]: nothing to encode.
    if (!upstream_announces_iss(c)) url += "/" + c.name;
    return url;
}

result<std::string> build_authorization_url(const store::Connection& c, const util::Params& authorize_params,
                                            const AuthorizationLeg& leg) {
    auto endpoints = upstream_endpoints(c);
    if (!endpoints) return endpoints.error();
    if (endpoints->authorization_url.empty()) return connection_errc::missing_endpoint;
    if (!absolute_http_url(endpoints->authorization_url)) return connection_errc::invalid_endpoint;
    boost::urls::url url(*boost::urls::parse_absolute_uri(endpoints->authorization_url));

    static const json::object empty;
    const auto* o = c.doc.if_contains("options");
    const json::object& options = o && o->is_object() ? o->get_object() : empty;

    std::vector<std::pair<std::string, std::string>> params;
    params.emplace_back("client_id", std::string(string_option(options, "client_id")));
    params.emplace_back("redirect_uri", leg.callback_url);
    params.emplace_back("response_type", "code");
    if (auto scope = upstream_scope(c); !scope.empty()) params.emplace_back("scope", std::move(scope));
    params.emplace_back("state", leg.state);
    if (c.strategy == "oidc" && !leg.nonce.empty()) params.emplace_back("nonce", leg.nonce);
    if (upstream_uses_pkce(c)) {
        params.emplace_back("code_challenge", leg.code_challenge);
        params.emplace_back("code_challenge_method", "S256");
    }
    if (const auto* up = options.if_contains("upstream_params"); up && up->is_object()) {
        for (auto& p : apply_upstream_params(up->get_object(), authorize_params)) params.push_back(std::move(p));
    }
    return util::append_params(url.buffer(), params);
}

}  // namespace gatehouse::connections
