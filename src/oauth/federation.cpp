#include "oauth/federation.hpp"

#include "connections/user_json.hpp"
#include "oauth/events.hpp"
#include "oauth/pkce.hpp"
#include "util/json.hpp"
#include "util/util.hpp"

#include <spdlog/spdlog.h>
#include <boost/url.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace gatehouse::oauth {
namespace json = boost::json;
namespace net = boost::asio;
using connections::strategy_kind;

namespace {

const json::object& options_of(const store::Connection& c) {
    static const json::object empty;
    const auto* o = c.doc.if_contains("options");
    return o && o->is_object() ? o->get_object() : empty;
}

// scheme://host/path of an upstream URL: what the log may show (queries can carry secrets).
std::string loggable(std::string_view url) {
    auto u = boost::urls::parse_absolute_uri(url);
    if (!u) return "<invalid url>";
    return std::string(u->scheme()) + "://" + std::string(u->encoded_host_and_port()) + std::string(u->encoded_path());
}

// Upstream text shown to the client: bounded and printable, never a token.
std::string quote_upstream(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 200)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return out;
}

std::string lowercase(std::string s) {
    for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string id_string(const json::value* v) {
    if (!v) return {};
    if (v->is_string()) return std::string(v->get_string());
    if (v->is_int64()) return std::to_string(v->get_int64());
    if (v->is_uint64()) return std::to_string(v->get_uint64());
    return {};
}

std::string first_string(const json::object& o, std::initializer_list<std::string_view> keys) {
    for (auto k : keys)
        if (auto s = util::json_string(o, k); !s.empty()) return s;
    return {};
}

bool has_token(const json::value* list, std::string_view token) {
    if (!list || !list->is_array()) return false;
    for (const auto& v : list->get_array())
        if (v.is_string() && v.get_string() == token) return true;
    return false;
}

// What the browser (and the client behind it) learns of a failed upstream call: that the provider
// could not be reached, and whether trying again may help. Never an address, a port, a status code
// or the provider's own words: they would make a connection's endpoints a probe of whatever they
// point at (SSRF). The log gets `detail`.
OAuthError unreachable(std::string_view connection, bool transient, std::string detail) {
    std::string description =
        "Could not reach the identity provider of connection \"" + std::string(connection) + "\".";
    if (transient) description += " Try again later.";
    return make_error(transient ? oauth_errc::temporarily_unavailable : oauth_errc::server_error,
                      std::move(description), std::move(detail));
}

bool transient_transport_error(const boost::system::error_code& ec) {
    using connections::upstream_errc;
    return ec == upstream_errc::timeout || ec == upstream_errc::connect_failed || ec == upstream_errc::resolve_failed;
}

// Mix-up defence (RFC 9700 §4.4.2, RFC 9207), before the code goes to any token endpoint: the
// response must arrive at the callback its leg named as redirect_uri, and name the issuer the leg
// was sent to whenever it names one; a provider that announces `iss` must send it.
std::optional<OAuthError> check_response_origin(const json::object& leg, const util::Params& response,
                                                std::string_view received_at) {
    auto connection = util::json_string(leg, "connection");
    auto refuse = [&](std::string detail) {
        return make_error(oauth_errc::server_error,
                          "The login response does not come from the identity provider of connection \"" + connection +
                              "\" through its callback.",
                          "mix-up defence: " + std::move(detail));
    };
    auto sent_with = util::json_string(leg, "redirect_uri");
    if (received_at != sent_with)
        return refuse("the response arrived at " + std::string(received_at) + ", the request named " + sent_with);
    auto expected = util::json_string(leg, "issuer");
    if (auto iss = response.find("iss")) {
        // RFC 9207 §2.4: simple string comparison. A provider without a known issuer identifier
        // (oauth2, wordpress, twitter) is told apart by its own callback path instead.
        if (!expected.empty() && *iss != expected)
            return refuse("iss \"" + quote_upstream(*iss) + "\" is not the issuer " + expected);
    } else if (util::json_bool(leg, "iss_required", false)) {
        return refuse("no iss, but the provider announces authorization_response_iss_parameter_supported");
    }
    return std::nullopt;
}

}  // namespace

oauth_result<FederatedProfile> map_profile(strategy_kind strategy, std::string_view connection,
                                           const json::object& profile) {
    FederatedProfile out;
    auto& a = out.attributes;
    std::string id;
    auto copy = [&](std::string_view from, std::string_view to) {
        if (const auto* v = profile.if_contains(from); v && v->is_string() && !v->get_string().empty()) a[to] = *v;
    };
    switch (strategy) {
        case strategy_kind::wordpress:
            id = id_string(profile.if_contains("ID"));
            out.user_id = "wordpress|" + id;
            copy("display_name", "name");
            copy("username", "nickname");
            copy("avatar_URL", "picture");
            copy("email", "email");
            copy("profile_URL", "profile_URL");
            break;
        case strategy_kind::twitter:
            id = id_string(profile.if_contains("id"));
            out.user_id = "twitter|" + id;
            // Auth0's X profile: nickname is the display name, screen_name the @handle.
            copy("name", "name");
            copy("name", "nickname");
            copy("username", "screen_name");
            copy("profile_image_url", "picture");
            copy("description", "description");
            copy("location", "location");
            copy("url", "url");
            copy("email", "email");
            break;
        case strategy_kind::oauth2:
            id = id_string(profile.if_contains("user_id"));
            if (id.empty()) id = id_string(profile.if_contains("id"));
            if (id.empty()) id = id_string(profile.if_contains("sub"));
            out.user_id = "oauth2|" + std::string(connection) + "|" + id;
            copy("name", "name");
            if (auto nick = first_string(profile, {"nickname", "preferred_username", "username", "login"});
                !nick.empty())
                a["nickname"] = nick;
            if (auto pic = first_string(profile, {"picture", "avatar_url"}); !pic.empty()) a["picture"] = pic;
            copy("email", "email");
            copy("given_name", "given_name");
            copy("family_name", "family_name");
            break;
        case strategy_kind::oidc:
            id = id_string(profile.if_contains("sub"));
            out.user_id = "oidc|" + std::string(connection) + "|" + id;
            copy("name", "name");
            if (auto nick = first_string(profile, {"nickname", "preferred_username"}); !nick.empty())
                a["nickname"] = nick;
            copy("picture", "picture");
            copy("email", "email");
            copy("given_name", "given_name");
            copy("family_name", "family_name");
            break;
        case strategy_kind::auth0:
            return make_error(oauth_errc::server_error, "Not a federated connection");
    }
    if (id.empty())
        return make_error(oauth_errc::server_error, "The identity provider of connection \"" + std::string(connection) +
                                                        "\" returned a profile without a user id.");
    if (strategy == strategy_kind::wordpress || strategy == strategy_kind::twitter)
        out.fallback_user_id = std::string(connections::to_string(strategy)) + "|" + std::string(connection) + "|" + id;
    out.email = util::json_string(a, "email");
    if (!out.email.empty()) {
        const auto* v = profile.if_contains("email_verified");
        a["email_verified"] = v && v->is_bool() && v->get_bool();
    }
    // Auth0 always fills name and nickname; fall back as it does, from the email or the id.
    if (!a.contains("nickname")) a["nickname"] = out.email.empty() ? id : out.email.substr(0, out.email.find('@'));
    if (!a.contains("name")) a["name"] = out.email.empty() ? a["nickname"] : json::value(out.email);
    return out;
}

FederationService::FederationService(Catalog& catalog, store::Store& store, AuthorizationService& authorization,
                                     connections::HttpClient& http, FederationOptions options)
    : catalog_(catalog), store_(store), authorization_(authorization), http_(http), options_(options) {}

AuthorizationResponse FederationService::error_response(const ResponseTarget& target, const OAuthError& error) const {
    if (!error.detail.empty())
        spdlog::warn("federation: {}: {} ({})", error.wire(), error.description, error.detail);
    else
        spdlog::warn("federation: {}: {}", error.wire(), error.description);
    return authorization_error(target, error, catalog_.config().issuer);
}

net::awaitable<oauth_result<json::object>> FederationService::fetch_json(connections::HttpRequest request,
                                                                         std::string_view what,
                                                                         std::string_view connection) {
    auto where = std::string(what) + " at " + loggable(request.url);
    auto response = co_await http_.send(std::move(request));
    if (!response)
        co_return unreachable(connection, transient_transport_error(response.error()),
                              where + ": " + response.error().message());
    boost::system::error_code ec;
    auto parsed = json::parse(response->body, ec);
    const json::object* body = !ec ? parsed.if_object() : nullptr;
    if (response->status < 200 || response->status >= 300) {
        std::string upstream;
        if (body) {
            upstream = util::json_string(*body, "error");
            if (auto d = util::json_string(*body, "error_description"); !d.empty()) upstream += " (" + d + ")";
        }
        bool transient = response->status >= 500 || response->status == 429;
        co_return unreachable(connection, transient,
                              where + ": HTTP " + std::to_string(response->status) +
                                  (upstream.empty() ? "" : " " + quote_upstream(upstream)));
    }
    if (!body) co_return unreachable(connection, false, where + ": the answer is not a JSON object");
    co_return *body;
}

std::optional<oauth_result<FederationService::Provider>> FederationService::provider_now(const ConnectionView& view,
                                                                                         std::int64_t now,
                                                                                         const json::object* fetched) {
    Provider p;
    p.connection = view.record;
    auto kind = connections::parse_strategy(view.strategy());
    if (!kind || !connections::is_federated(*kind))
        return oauth_result<Provider>(
            make_error(oauth_errc::invalid_request,
                       "The connection \"" + view.name() + "\" does not log in through an identity provider."));
    p.strategy = *kind;
    if (p.strategy == strategy_kind::oidc) {
        const auto& options = options_of(p.connection);
        json::object metadata;
        if (auto* stored = util::json_object(options, "oidc_metadata")) metadata = *stored;
        {
            std::lock_guard lock(mutex_);
            auto it = cache_.find(view.name());
            if (it != cache_.end() && it->second.version == view.record.version &&
                now - it->second.metadata_at < options_.discovery_ttl && !it->second.metadata.empty())
                metadata = it->second.metadata;
        }
        // Discovery (OIDC Discovery 1.0 §4) at first use when the endpoints are not all known.
        auto known = [&](std::string_view key) {
            return !util::json_string(options, key).empty() || !util::json_string(metadata, key).empty();
        };
        if (fetched)
            metadata = *fetched;
        else if (!known("authorization_endpoint") || !known("token_endpoint") || !known("jwks_uri") || !known("issuer"))
            return std::nullopt;
        auto& opts = p.connection.doc["options"];
        if (!opts.is_object()) opts = json::object{};
        opts.get_object()["oidc_metadata"] = metadata;
        // PKCE "where the provider supports it": a provider that lists its methods without S256
        // would refuse the request, so the leg goes without.
        if (const auto* methods = metadata.if_contains("code_challenge_methods_supported");
            methods && methods->is_array() && !has_token(methods, "S256")) {
            auto& settings = opts.get_object()["connection_settings"];
            if (!settings.is_object()) settings = json::object{};
            settings.get_object()["pkce"] = "disabled";
        }
        p.metadata = std::move(metadata);
    }
    auto endpoints = connections::upstream_endpoints(p.connection);
    if (!endpoints)
        return oauth_result<Provider>(make_error(oauth_errc::server_error, "The connection is not federated."));
    p.endpoints = std::move(*endpoints);
    if (p.endpoints.authorization_url.empty() || p.endpoints.token_url.empty())
        return oauth_result<Provider>(
            make_error(oauth_errc::server_error,
                       "The connection \"" + view.name() + "\" has no authorization or token endpoint."));
    if (p.strategy == strategy_kind::oidc && (p.endpoints.jwks_uri.empty() || p.endpoints.issuer.empty()))
        return oauth_result<Provider>(
            make_error(oauth_errc::server_error,
                       "The connection \"" + view.name() + "\" has no issuer or jwks_uri to validate ID tokens."));
    return oauth_result<Provider>(std::move(p));
}

net::awaitable<oauth_result<FederationService::Provider>> FederationService::provider(const ConnectionView& view,
                                                                                      std::int64_t now) {
    if (auto ready = provider_now(view, now, nullptr)) co_return std::move(*ready);
    // Discovery (OIDC Discovery 1.0 §4) at first use when the endpoints are not all known.
    const auto& options = options_of(view.record);
    json::object metadata;
    {
        auto url = util::json_string(options, "discovery_url");
        auto configured_issuer = util::json_string(options, "issuer");
        if (url.empty()) {
            auto base = configured_issuer;
            while (!base.empty() && base.back() == '/') base.pop_back();
            url = base + "/.well-known/openid-configuration";
        }
        connections::HttpRequest req;
        req.url = url;
        req.ca_file = util::json_string(options, "ca_file");
        auto doc = co_await fetch_json(std::move(req), "discovery document", view.name());
        if (!doc) co_return doc.error();
        auto issuer = util::json_string(*doc, "issuer");
        // §4.3: the issuer in the document must be the one the connection trusts.
        if (issuer.empty() || (!configured_issuer.empty() && issuer != configured_issuer))
            co_return make_error(oauth_errc::server_error,
                                 "The discovery document of connection \"" + view.name() +
                                     "\" names another issuer than the connection is configured for.");
        metadata = std::move(*doc);
        std::lock_guard lock(mutex_);
        auto& entry = cache_[view.name()];
        if (entry.version != view.record.version) entry = CacheEntry{};
        entry.version = view.record.version;
        entry.metadata = metadata;
        entry.metadata_at = now;
    }
    co_return *provider_now(view, now, &metadata);
}

net::awaitable<oauth_result<std::shared_ptr<const jose::KeySet>>> FederationService::keys(const Provider& p,
                                                                                          bool refetch,
                                                                                          std::int64_t now) {
    const auto& name = p.connection.name;
    {
        std::lock_guard lock(mutex_);
        auto it = cache_.find(name);
        if (it != cache_.end() && it->second.version == p.connection.version && it->second.jwks) {
            bool fresh = now - it->second.jwks_at < options_.jwks_ttl;
            bool may_refetch = now - it->second.jwks_at >= options_.jwks_refetch_interval;
            if (fresh && (!refetch || !may_refetch)) co_return it->second.jwks;
        }
    }
    connections::HttpRequest req;
    req.url = p.endpoints.jwks_uri;
    req.ca_file = util::json_string(options_of(p.connection), "ca_file");
    auto doc = co_await fetch_json(std::move(req), "JWKS", name);
    if (!doc) co_return doc.error();
    auto set = jose::KeySet::from_jwks(*doc);
    if (!set || set->empty())
        co_return make_error(oauth_errc::server_error,
                             "The JWKS of connection \"" + name + "\" has no usable signature key.");
    auto shared = std::make_shared<const jose::KeySet>(std::move(*set));
    std::lock_guard lock(mutex_);
    auto& entry = cache_[name];
    if (entry.version != p.connection.version) {
        entry = CacheEntry{};
        entry.version = p.connection.version;
    }
    entry.jwks = shared;
    entry.jwks_at = now;
    co_return shared;
}

net::awaitable<FederationStart> FederationService::start(std::string interaction_id, std::string connection,
                                                         std::string browser_id, std::int64_t now) {
    const ErrorPage expired{400, "Login expired",
                            "This login page has expired or was already used. Go back to the application and sign in "
                            "again."};
    auto interaction = store_.get_interaction(interaction_id, now);
    if (!interaction) co_return interaction_error_page(interaction.error());
    if (interaction->kind != "login" || !util::json_object(interaction->doc, "pending")) co_return expired;
    // Only the browser that started the login may send it upstream (login CSRF, RFC 6749 §10.12).
    if (!util::constant_time_equal(util::sha256_b64url(browser_id), util::json_string(interaction->doc, "browser")))
        co_return ErrorPage{403, "Invalid login request",
                            "This login was started in another browser. Go back to the application and sign in "
                            "again."};
    auto pending = PendingAuthorization::from_json(*util::json_object(interaction->doc, "pending"));
    auto view = catalog_.connection(connection);
    if (!view || !view->enabled_for(pending.client_id) ||
        (!pending.connection.empty() && pending.connection != connection))
        co_return error_response(
            pending.target,
            make_error(oauth_errc::invalid_request,
                       "the connection \"" + connection + "\" does not exist or is not enabled for this application"));
    auto p = co_await provider(*view, now);
    if (!p) co_return error_response(pending.target, p.error());

    co_return begin_leg(pending, *p, interaction->id, browser_id, now);
}

FederationStart FederationService::begin_leg(const PendingAuthorization& pending, const Provider& p,
                                             const std::string& login_id, std::string_view browser_id,
                                             std::int64_t now) {
    const auto& connection = p.connection.name;
    store::Interaction leg_state;
    leg_state.id = util::random_token(32);
    leg_state.kind = "upstream";
    leg_state.expires_at = now + catalog_.config().login_ttl;
    connections::AuthorizationLeg leg;
    leg.callback_url = connections::upstream_callback_url(catalog_.config().issuer, p.connection);
    leg.state = leg_state.id;
    auto verifier = util::random_token(32);  // 43 base64url characters: a valid RFC 7636 verifier
    leg.code_challenge = s256_challenge(verifier);
    if (p.strategy == strategy_kind::oidc) leg.nonce = util::random_token(24);
    auto url = connections::build_authorization_url(p.connection, pending.upstream_source, leg);
    if (!url)
        return error_response(
            pending.target,
            make_error(oauth_errc::server_error, "The connection \"" + connection + "\" cannot build its login URL.",
                       url.error().message()));
    leg_state.doc["pending"] = pending.to_json();
    leg_state.doc["browser"] = util::sha256_b64url(browser_id);
    leg_state.doc["connection"] = connection;
    leg_state.doc["nonce"] = leg.nonce;
    leg_state.doc["verifier"] = connections::upstream_uses_pkce(p.connection) ? verifier : std::string();
    leg_state.doc["login"] = login_id;
    // What the response must match (check_response_origin), and the redirect_uri of the token request.
    leg_state.doc["redirect_uri"] = leg.callback_url;
    leg_state.doc["issuer"] = p.endpoints.issuer;
    leg_state.doc["iss_required"] = connections::upstream_announces_iss(p.connection);
    if (auto r = store_.create_interaction(leg_state); !r)
        return error_response(pending.target, make_error(oauth_errc::server_error, {}, r.error().message()));
    spdlog::debug("federation: {} -> {}", connection, loggable(*url));
    return UpstreamRedirect{std::move(*url)};
}

std::optional<AuthorizeOutcome> FederationService::start_now(const PendingAuthorization& pending,
                                                             const std::string& login_id, std::string_view browser_id,
                                                             std::int64_t now) {
    auto view = catalog_.connection(pending.connection);
    if (!view) return std::nullopt;
    auto p = provider_now(*view, now, nullptr);
    if (!p || !*p) return std::nullopt;  // discovery first, or an error: /u/connection reports it
    auto started = begin_leg(pending, **p, login_id, browser_id, now);
    return std::visit([](auto& o) { return AuthorizeOutcome(std::move(o)); }, started);
}

net::awaitable<oauth_result<json::object>> FederationService::redeem(const Provider& p, std::string_view code,
                                                                     std::string_view verifier,
                                                                     std::string_view redirect_uri) {
    const auto& options = options_of(p.connection);
    auto client_id = util::json_string(options, "client_id");
    auto client_secret = util::json_string(options, "client_secret");
    // How this provider wants the client authenticated (RFC 6749 §2.3.1): the option first, then
    // what the strategy's provider documents (X: Basic; WordPress and generic OAuth 2.0 providers:
    // the body), then discovery (OIDC's default is client_secret_basic).
    auto method = util::json_string(options, "token_endpoint_auth_method");
    if (method.empty()) {
        switch (p.strategy) {
            case strategy_kind::twitter:
                method = "client_secret_basic";
                break;
            case strategy_kind::oidc: {
                const auto* supported = p.metadata.if_contains("token_endpoint_auth_methods_supported");
                bool post_only = supported && !has_token(supported, "client_secret_basic") &&
                                 has_token(supported, "client_secret_post");
                method = post_only ? "client_secret_post" : "client_secret_basic";
                break;
            }
            default:
                method = "client_secret_post";
        }
    }
    if (client_secret.empty()) method = "none";

    std::vector<std::pair<std::string, std::string>> form{
        {"grant_type", "authorization_code"}, {"code", std::string(code)}, {"redirect_uri", std::string(redirect_uri)}};
    if (!verifier.empty()) form.emplace_back("code_verifier", std::string(verifier));
    connections::HttpRequest req;
    req.method = boost::beast::http::verb::post;
    req.url = p.endpoints.token_url;
    req.ca_file = util::json_string(options, "ca_file");
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    if (method == "client_secret_basic") {
        // RFC 6749 §2.3.1: each part form-urlencoded before base64.
        auto user = boost::urls::encode(client_id, boost::urls::unreserved_chars);
        auto pass = boost::urls::encode(client_secret, boost::urls::unreserved_chars);
        req.headers.emplace_back("Authorization", "Basic " + util::base64_encode(user + ":" + pass));
    } else {
        form.emplace_back("client_id", client_id);
        if (method == "client_secret_post") form.emplace_back("client_secret", client_secret);
    }
    req.body = connections::form_encode(form);
    auto tokens = co_await fetch_json(std::move(req), "token endpoint", p.connection.name);
    if (!tokens) co_return tokens.error();
    if (util::json_string(*tokens, "access_token").empty())
        co_return make_error(oauth_errc::server_error, "The token endpoint of connection \"" + p.connection.name +
                                                           "\" answered without an access_token.");
    co_return tokens;
}

net::awaitable<oauth_result<json::object>> FederationService::validate_id_token(const Provider& p,
                                                                                std::string_view id_token,
                                                                                std::string_view nonce,
                                                                                std::int64_t now) {
    const auto& name = p.connection.name;
    const auto& options = options_of(p.connection);
    // Allowed algorithms: the connection's id_token_signed_response_algs, else what the provider
    // advertises, else RS256 (OIDC Core §3.1.3.7 default), always within what jose verifies.
    std::vector<jose::Alg> algs;
    const json::value* advertised = options.if_contains("id_token_signed_response_algs");
    if (!advertised || !advertised->is_array())
        advertised = p.metadata.if_contains("id_token_signing_alg_values_supported");
    if (advertised && advertised->is_array())
        for (const auto& v : advertised->get_array())
            if (v.is_string())
                if (auto alg = jose::parse_alg(v.get_string())) algs.push_back(*alg);
    if (algs.empty()) algs.push_back(jose::Alg::RS256);

    auto set = co_await keys(p, false, now);
    if (!set) co_return set.error();
    auto verified = jose::verify_jwt(id_token, **set, algs);
    if (!verified && verified.error() == jose::jose_errc::unknown_key) {
        set = co_await keys(p, true, now);  // the provider may have rotated its keys
        if (!set) co_return set.error();
        verified = jose::verify_jwt(id_token, **set, algs);
    }
    auto invalid = [&](std::string why) {
        return make_error(oauth_errc::server_error,
                          "The ID token from connection \"" + name + "\" is invalid: " + why + ".");
    };
    if (!verified) co_return invalid(verified.error().message());
    auto client_id = util::json_string(options, "client_id");
    jose::ClaimChecks checks{p.endpoints.issuer, {client_id}, now, 60};
    if (auto r = jose::check_claims(verified->claims, checks); !r) co_return invalid(r.error().message());
    // OIDC Core §3.1.3.7 (6): with several audiences the token must be issued to us (azp).
    if (const auto* aud = verified->claims.if_contains("aud"); aud && aud->is_array() && aud->get_array().size() > 1)
        if (util::json_string(verified->claims, "azp") != client_id) co_return invalid("azp is not this client");
    // §3.1.3.7 (11): the nonce binds the token to this login.
    if (!util::constant_time_equal(util::json_string(verified->claims, "nonce"), nonce))
        co_return invalid("the nonce does not match this login");
    if (util::json_string(verified->claims, "sub").empty()) co_return invalid("it has no sub");
    co_return verified->claims;
}

net::awaitable<oauth_result<json::object>> FederationService::fetch_profile(const Provider& p,
                                                                            const json::object& tokens,
                                                                            std::string_view nonce, std::int64_t now) {
    const auto& name = p.connection.name;
    json::object claims;
    if (p.strategy == strategy_kind::oidc) {
        auto id_token = util::json_string(tokens, "id_token");
        if (id_token.empty())
            co_return make_error(oauth_errc::server_error,
                                 "The token endpoint of connection \"" + name + "\" answered without an id_token.");
        auto validated = co_await validate_id_token(p, id_token, nonce, now);
        if (!validated) co_return validated.error();
        claims = std::move(*validated);
    }
    if (p.endpoints.userinfo_url.empty()) {
        if (p.strategy == strategy_kind::oidc) co_return claims;
        co_return make_error(oauth_errc::server_error,
                             "The connection \"" + name + "\" has no userInfoURL to fetch the profile from.");
    }
    connections::HttpRequest req;
    req.url = p.endpoints.userinfo_url;
    req.ca_file = util::json_string(options_of(p.connection), "ca_file");
    req.headers.emplace_back("Authorization", "Bearer " + util::json_string(tokens, "access_token"));
    auto profile = co_await fetch_json(std::move(req), "profile endpoint", name);
    if (!profile) co_return profile.error();
    if (p.strategy == strategy_kind::twitter) {
        // X wraps the user: {"data": {"id", "name", "username", ...}}.
        auto* data = util::json_object(*profile, "data");
        if (!data)
            co_return make_error(oauth_errc::server_error,
                                 "The profile endpoint of connection \"" + name + "\" answered without data.");
        co_return *data;
    }
    if (p.strategy == strategy_kind::oidc) {
        // OIDC Core §5.3.2: the UserInfo sub must equal the ID token's, or the response is not used.
        if (util::json_string(*profile, "sub") != util::json_string(claims, "sub"))
            co_return make_error(oauth_errc::server_error, "The userinfo of connection \"" + name +
                                                               "\" describes another user than its ID token.");
        for (const auto& [k, v] : *profile) claims[k] = v;
        co_return claims;
    }
    co_return profile;
}

oauth_result<store::User> FederationService::update_user(const Provider& p, store::User user,
                                                         const FederatedProfile& profile, std::int64_t now) {
    if (util::json_bool(user.doc, "blocked", false)) return blocked_user_error();
    // set_user_root_attributes (Auth0): on_each_login (default) re-syncs the profile.
    auto policy = util::json_string(options_of(p.connection), "set_user_root_attributes", "on_each_login");
    if (policy == "on_each_login") {
        for (const auto& [k, v] : profile.attributes) user.doc[k] = v;
        user.email = lowercase(profile.email);
    }
    user.updated_at = now;
    if (auto r = store_.update_user(user); !r)
        return make_error(oauth_errc::server_error, {}, "cannot update user: " + r.error().message());
    return user;
}

// An upstream id logs in only a user of its own connection (account takeover across connections):
// a user of another connection under the same user_id is neither logged in nor updated, and this
// connection's user takes the namespaced fallback id instead.
oauth_result<store::User> FederationService::upsert_user(const Provider& p, const FederatedProfile& profile,
                                                         std::int64_t now) {
    const auto& connection = p.connection.name;
    std::vector<std::string> ids{profile.user_id};
    if (!profile.fallback_user_id.empty()) ids.push_back(profile.fallback_user_id);
    for (const auto& id : ids)
        if (auto existing = store_.get_user(id); existing && existing->connection == connection)
            return update_user(p, std::move(*existing), profile, now);
    for (const auto& id : ids) {
        store::User user;
        user.user_id = id;
        user.connection = connection;
        user.email = lowercase(profile.email);
        user.doc = profile.attributes;
        user.doc["identities"] = connections::default_identities(id, connection);
        user.doc["logins_count"] = 0;
        user.created_at = user.updated_at = now;
        auto created = store_.create_user(user);
        if (created) return user;
        if (created.error() != store::store_errc::already_exists)
            return make_error(oauth_errc::server_error, {}, "cannot create user: " + created.error().message());
        // Taken: by a concurrent first login through this connection (that user is ours), or by a
        // user of another connection (try the next id).
        auto taken_by = store_.get_user(id);
        if (taken_by && taken_by->connection == connection) return *taken_by;
        if (!taken_by)  // the conflict is not the id (the email, within this connection)
            return make_error(oauth_errc::server_error, {},
                              "cannot create user " + id + ": " + created.error().message());
    }
    return make_error(oauth_errc::server_error, {},
                      "cannot create the user of " + profile.user_id + " in connection " + connection +
                          ": its user ids belong to other connections");
}

net::awaitable<FederationCallback> FederationService::callback(util::Params query, std::string callback_path,
                                                               std::string browser_id, std::int64_t now,
                                                               std::string ip) {
    auto state = query.get("state");
    if (state.empty())
        co_return FederationCallback{ErrorPage{400, "Invalid login response",
                                               "The identity provider's response has no state, so it cannot be "
                                               "matched to a login. Go back to the application and sign in again."},
                                     {}};
    // Single use: a replayed or forged response finds nothing (RFC 6749 §10.12, CSRF).
    auto leg = store_.take_interaction(state, now);
    if (!leg && leg.error() == store::store_errc::backend)
        co_return FederationCallback{interaction_error_page(leg.error()), {}};
    if (!leg || leg->kind != "upstream" || !util::json_object(leg->doc, "pending"))
        co_return FederationCallback{ErrorPage{400, "Login expired",
                                               "This login response was already used or has expired. Go back to "
                                               "the application and sign in again."},
                                     {}};
    if (!util::constant_time_equal(util::sha256_b64url(browser_id), util::json_string(leg->doc, "browser")))
        co_return FederationCallback{ErrorPage{403, "Invalid login response",
                                               "This login response belongs to a login started in another browser. "
                                               "Go back to the application and sign in again."},
                                     {}};
    auto pending = PendingAuthorization::from_json(*util::json_object(leg->doc, "pending"));
    auto connection = util::json_string(leg->doc, "connection");
    auto fail = [&](const OAuthError& e) { return FederationCallback{error_response(pending.target, e), {}}; };
    if (auto mixed_up = check_response_origin(leg->doc, query, catalog_.config().issuer + callback_path))
        co_return fail(*mixed_up);

    if (auto upstream_error = query.find("error")) {
        std::string desc = query.get("error_description");
        std::string suffix = desc.empty() ? "" : ": " + quote_upstream(desc);
        if (*upstream_error == "access_denied")
            co_return fail(make_error(oauth_errc::access_denied,
                                      "The user cancelled the login at connection \"" + connection + "\"" + suffix));
        if (*upstream_error == "temporarily_unavailable" || *upstream_error == "server_error")
            co_return fail(
                make_error(oauth_errc::temporarily_unavailable, "The identity provider of connection \"" + connection +
                                                                    "\" could not log the user in (" +
                                                                    quote_upstream(*upstream_error) + ")" + suffix));
        co_return fail(make_error(oauth_errc::server_error, "The identity provider of connection \"" + connection +
                                                                "\" refused the login request (" +
                                                                quote_upstream(*upstream_error) + ")" + suffix));
    }
    auto code = query.get("code");
    if (code.empty())
        co_return fail(make_error(oauth_errc::server_error,
                                  "The identity provider of connection \"" + connection + "\" returned no code."));
    auto view = catalog_.connection(connection);
    if (!view || !view->enabled_for(pending.client_id))
        co_return fail(make_error(oauth_errc::access_denied,
                                  "The connection \"" + connection + "\" is no longer enabled for this application."));
    auto p = co_await provider(*view, now);
    if (!p) co_return fail(p.error());
    auto tokens =
        co_await redeem(*p, code, util::json_string(leg->doc, "verifier"), util::json_string(leg->doc, "redirect_uri"));
    if (!tokens) co_return fail(tokens.error());
    auto raw_profile = co_await fetch_profile(*p, *tokens, util::json_string(leg->doc, "nonce"), now);
    if (!raw_profile) co_return fail(raw_profile.error());
    auto profile = map_profile(p->strategy, connection, *raw_profile);
    if (!profile) co_return fail(profile.error());
    auto user = upsert_user(*p, *profile, now);
    // The tenant log line of this login: who came back through which connection, and the outcome.
    auto log = [&](std::string_view type, std::string description, const std::string& user_id) {
        auto client = catalog_.client(pending.client_id);
        record_event(authorization_.event_log(), {.type = std::string(type),
                                                  .description = std::move(description),
                                                  .client_id = pending.client_id,
                                                  .client_name = client ? client->name : std::string(),
                                                  .ip = ip,
                                                  .user_id = user_id,
                                                  .user_name = profile->email,
                                                  .connection = connection});
    };
    if (!user) {
        log("f", user.error().description, user.error().code == oauth_errc::unauthorized ? profile->user_id : "");
        co_return fail(user.error());
    }
    log("s", "Successful login", user->user_id);
    FederationCallback out;
    auto session = authorization_.create_session(*user, connection, out.session_token, now);
    // The hosted page of this login must not be submitted again after the upstream leg finished it.
    (void)store_.take_interaction(util::json_string(leg->doc, "login"), now);
    spdlog::info("federation: {} logged in through {}", user->user_id, connection);
    out.outcome = authorization_.complete(pending, *user, session, now);
    co_return out;
}

}  // namespace gatehouse::oauth
