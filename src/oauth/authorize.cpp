#include "oauth/authorize.hpp"

#include "oauth/account.hpp"

#include "connections/database.hpp"
#include "oauth/events.hpp"
#include "oauth/parameter_limits.hpp"
#include "oauth/pkce.hpp"
#include "oauth/response_types.hpp"
#include "oauth/tokens.hpp"
#include "util/json.hpp"
#include "util/url.hpp"
#include "util/util.hpp"

#include <spdlog/spdlog.h>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <array>
#include <charconv>
#include <functional>
#include <sstream>

namespace gatehouse::oauth {
namespace json = boost::json;

namespace {

constexpr std::array kOidcScopes = {"openid", "profile", "email", "address", "phone"};
// Parameters an upstream_params alias may copy from /authorize (spec section 2).
constexpr std::array kAliasSources = {"acr_values",    "audience",      "client_id",     "display",
                                      "id_token_hint", "login_hint",    "max_age",       "prompt",
                                      "resource",      "response_mode", "response_type", "ui_locales"};

// The state of checking one /authorize request, threaded through the ordered checks below.
struct AuthorizeCheck {
    const util::Params& params;
    Catalog& catalog;
    std::shared_ptr<const ClientView> client;
    std::shared_ptr<const ApiView> api;
    PendingAuthorization pending;
    ResponseType response_type;
};

// A failed check: an error page while the redirect URI is not trusted, a redirected error after.
using CheckFailure = std::variant<ErrorPage, OAuthError>;
using Check = std::optional<CheckFailure> (*)(AuthorizeCheck&);

// Before anything else, so an oversized request is neither looked into nor stored (spec §6).
std::optional<CheckFailure> check_parameter_sizes(AuthorizeCheck& c) {
    if (auto page = oversized_authorize_parameter(c.params, kAliasSources)) return *page;
    return std::nullopt;
}

std::optional<CheckFailure> check_client(AuthorizeCheck& c) {
    auto id = c.params.get("client_id");
    if (id.empty())
        return ErrorPage{400, "Invalid request",
                         "The request has no client_id: the application sent an incomplete "
                         "login request."};
    c.client = c.catalog.client(id);
    if (!c.client) return ErrorPage{400, "Unknown application", "No application has the client_id \"" + id + "\"."};
    c.pending.client_id = c.client->client_id;
    return std::nullopt;
}

std::optional<CheckFailure> check_redirect_uri(AuthorizeCheck& c) {
    auto requested = c.params.find("redirect_uri");
    if (!requested) {
        // RFC 6749 §3.1.2.3: without redirect_uri, only an unambiguous registration may be used
        // (a wildcard is a pattern, not a URL).
        if (c.client->callbacks.size() != 1 || c.client->callbacks.front().find('*') != std::string::npos)
            return ErrorPage{400, "Invalid request", "The request has no redirect_uri."};
        c.pending.target.redirect_uri = c.client->callbacks.front();
    } else {
        bool allowed = false;
        for (const auto& cb : c.client->callbacks) allowed = allowed || util::same_redirect_uri(cb, *requested);
        if (!allowed)
            return ErrorPage{400, "Callback URL mismatch",
                             "Callback URL mismatch. " + std::string(*requested) +
                                 " is not in the list of allowed callback URLs of the application \"" + c.client->name +
                                 "\"."};
        c.pending.target.redirect_uri = std::string(*requested);
    }
    c.pending.target.state = c.params.get("state");
    auto mode = c.params.get("response_mode");
    // Until the response type is checked, errors go where that type's responses would go.
    c.pending.target.response_mode = std::string(error_response_mode(c.params.get("response_type"), mode));
    if (mode == "web_message") {
        // The page posts the result to the redirect URI's origin: it must be one the client trusts.
        auto origin = util::origin_of(c.pending.target.redirect_uri);
        if (!origin || !c.client->allows_origin(*origin))
            return ErrorPage{400, "Origin not allowed",
                             "The origin of the redirect_uri is not in the Allowed Web Origins of the application."};
    }
    return std::nullopt;
}

std::optional<CheckFailure> check_response_type(AuthorizeCheck& c) {
    auto value = c.params.find("response_type");
    if (!value)
        return make_error(oauth_errc::invalid_request, "The request is missing a required parameter: response_type");
    auto type = find_response_type(*value);
    if (!type)
        return make_error(oauth_errc::unsupported_response_type, "Unsupported response type: " + std::string(*value));
    if (type->code && !c.client->allows_grant("authorization_code"))
        return make_error(oauth_errc::unauthorized_client,
                          "Grant type 'authorization_code' not allowed for the client.");
    if (type->front_channel_tokens() && !c.client->allows_grant("implicit"))
        return make_error(oauth_errc::unauthorized_client, "Grant type 'implicit' not allowed for the client.");
    auto mode = c.params.get("response_mode");
    if (!response_mode_allowed(*type, mode)) {
        if (mode == "query")
            return make_error(oauth_errc::invalid_request,
                              "response_mode=query is not allowed for response_type=" + std::string(*value) +
                                  ": tokens are never sent in a query string");
        return make_error(oauth_errc::invalid_request, "Unsupported response_mode: " + mode);
    }
    c.response_type = *type;
    c.pending.response_type = std::string(type->name);
    if (!mode.empty()) c.pending.target.response_mode = mode;
    return std::nullopt;
}

// OIDC Core §3.2.2.1 / §3.3.2.11: an ID token from the authorization endpoint must be bound to the
// request that asked for it, or it can be replayed into another login.
std::optional<CheckFailure> check_nonce(AuthorizeCheck& c) {
    c.pending.nonce = c.params.get("nonce");
    if (c.response_type.id_token && c.pending.nonce.empty())
        return make_error(oauth_errc::invalid_request, "Nonce required for response_type=" + c.pending.response_type);
    return std::nullopt;
}

std::optional<CheckFailure> check_audience(AuthorizeCheck& c) {
    auto audience = c.params.get("audience");
    if (audience.empty()) audience = c.params.get("resource");
    if (audience.empty()) audience = c.catalog.settings()->default_audience;  // the tenant's, when set
    if (audience.empty()) return std::nullopt;
    c.api = c.catalog.api(audience);
    if (!c.api) return make_error(oauth_errc::access_denied, "Service not found: " + audience);
    c.pending.audience = c.api->identifier;
    return std::nullopt;
}

std::optional<CheckFailure> check_scope(AuthorizeCheck& c) {
    c.pending.scope = grant_scope(c.params.get("scope"), *c.client, c.api.get());
    return std::nullopt;
}

std::optional<CheckFailure> check_pkce(AuthorizeCheck& c) {
    if (!c.response_type.code) return std::nullopt;  // PKCE binds a code; without one there is nothing to bind
    auto challenge = c.params.get("code_challenge");
    auto method = c.params.get("code_challenge_method");
    if (challenge.empty()) {
        if (!method.empty())
            return make_error(oauth_errc::invalid_request, "code_challenge_method was sent without code_challenge");
        // RFC 9700 §2.1.1: public clients MUST use PKCE.
        if (c.client->is_public())
            return make_error(oauth_errc::invalid_request,
                              "PKCE is required for public clients: send code_challenge with "
                              "code_challenge_method=S256");
        return std::nullopt;
    }
    // RFC 7636 §4.3 makes "plain" the default; RFC 9700 §2.1.1 says not to use it, and discovery
    // advertises S256 only, so an absent method is refused like "plain" rather than guessed.
    if (method.empty() || method == "plain")
        return make_error(oauth_errc::invalid_request, "code_challenge_method must be S256 (plain is not supported)");
    if (method != "S256")
        return make_error(oauth_errc::invalid_request, "Unsupported code_challenge_method: " + method);
    if (!valid_code_challenge(challenge, method))
        return make_error(oauth_errc::invalid_request, "code_challenge is malformed (RFC 7636 §4.2)");
    c.pending.code_challenge = challenge;
    c.pending.code_challenge_method = method;
    return std::nullopt;
}

std::optional<CheckFailure> check_prompt_and_max_age(AuthorizeCheck& c) {
    auto prompts = split_scope(c.params.get("prompt"));
    bool none = std::find(prompts.begin(), prompts.end(), "none") != prompts.end();
    if (none && prompts.size() > 1)
        return make_error(oauth_errc::invalid_request, "prompt=none cannot be combined with other prompt values");
    if (auto max_age = c.params.find("max_age")) {
        std::int64_t value = -1;
        auto [ptr, ec] = std::from_chars(max_age->data(), max_age->data() + max_age->size(), value);
        if (ec != std::errc() || ptr != max_age->data() + max_age->size() || value < 0)
            return make_error(oauth_errc::invalid_request, "max_age must be a non-negative integer");
        c.pending.max_age = value;
    }
    return std::nullopt;
}

std::optional<CheckFailure> check_connection(AuthorizeCheck& c) {
    auto name = c.params.get("connection");
    if (name.empty()) return std::nullopt;
    auto connection = c.catalog.connection(name);
    if (!connection || !connection->enabled_for(c.client->client_id))
        return make_error(oauth_errc::invalid_request,
                          "the connection \"" + name + "\" does not exist or is not enabled for this application");
    c.pending.connection = name;
    return std::nullopt;
}

// The client's organization_usage, the organization named (and an invitation into it), and a
// `connection` parameter that the organization does not enable (auth0-apps.md §6).
std::optional<CheckFailure> check_organization(AuthorizeCheck& c) {
    auto request = resolve_organization_request(c.catalog, *c.client, c.params, util::unix_now());
    if (!request) return request.error();
    c.pending.organization = std::move(*request);
    if (c.pending.organization.id.empty() || c.pending.connection.empty()) return std::nullopt;
    auto connection = c.catalog.connection(c.pending.connection);
    if (!connection || !c.catalog.store().get_organization_connection(c.pending.organization.id, connection->record.id))
        return make_error(oauth_errc::access_denied,
                          "the connection \"" + c.pending.connection + "\" is not enabled for the organization");
    return std::nullopt;
}

// The order is the contract: nothing may redirect before check_redirect_uri has passed
// (node-oidc-provider's `allow_redirect`); the rest follow RFC 6749 §4.1.2.1's order of concerns.
constexpr std::array<std::pair<const char*, Check>, 11> kAuthorizeChecks = {{
    {"parameter_sizes", &check_parameter_sizes},
    {"client", &check_client},
    {"redirect_uri", &check_redirect_uri},
    {"response_type", &check_response_type},
    {"nonce", &check_nonce},
    {"audience", &check_audience},
    {"scope", &check_scope},
    {"pkce", &check_pkce},
    {"prompt", &check_prompt_and_max_age},
    {"connection", &check_connection},
    {"organization", &check_organization},
}};

const ErrorPage kLoginExpired{400, "Login expired",
                              "This login page has expired or was already used. Go back to the application and sign "
                              "in again."};

const ErrorPage kStoreUnavailable{503, "Try again",
                                  "The service is briefly unavailable. Wait a moment and submit the page again."};

// The hosted page's wording; unknown user and wrong password share one message (and one cost).
std::string login_error_message(const boost::system::error_code& ec, bool signup) {
    using connections::connection_errc;
    if (ec == connection_errc::wrong_credentials) return "Wrong email or password.";
    if (ec == connection_errc::user_blocked) return "This user is blocked. Contact the administrator.";
    if (ec == connection_errc::invalid_password) return "The password must be 8 to 128 characters long.";
    if (ec == connection_errc::invalid_email) return "Enter a valid email address.";
    if (ec == connection_errc::user_exists) return "A user with this email already exists.";
    return signup ? "The account could not be created. Try again." : "Login failed. Try again.";
}

// Whether the browser's session may answer this request without a login: prompt and max_age allow
// it, and the connection it was made through still exists and is enabled for the requesting client
// (single sign-on must not carry a login through app A's connection into app B).
bool session_satisfies(const store::Session& session, const PendingAuthorization& pending, Catalog& catalog,
                       bool force_login, std::int64_t now) {
    if (force_login) return false;
    // Session times are whole seconds: max_age=0 must still force a login right after the last
    // one, so 0 is prompt=login rather than "older than 0 seconds".
    if (pending.max_age && (*pending.max_age == 0 || now - session.auth_time > *pending.max_age)) return false;
    if (!pending.connection.empty() && pending.connection != session.connection) return false;
    // A login through an organization that still has to choose one, or to redeem an invitation, is
    // the user's to make on the page.
    if (pending.organization.prompt || !pending.organization.invitation_hash.empty()) return false;
    auto connection = catalog.connection(session.connection);
    if (!connection || !connection->enabled_for(pending.client_id)) return false;
    return pending.organization.id.empty() ||
           catalog.store().get_organization_connection(pending.organization.id, connection->record.id).has_value();
}

}  // namespace

ErrorPage interaction_error_page(const boost::system::error_code& ec) {
    return ec == store::store_errc::backend ? kStoreUnavailable : kLoginExpired;
}

std::string grant_scope(std::string_view requested, const ClientView& client, const ApiView* api) {
    std::string out;
    auto add = [&](const std::string& s) {
        if (has_scope(out, s)) return;
        if (!out.empty()) out += ' ';
        out += s;
    };
    for (const auto& s : split_scope(requested)) {
        bool oidc = std::find(kOidcScopes.begin(), kOidcScopes.end(), s) != kOidcScopes.end();
        if (oidc) {
            add(s);
        } else if (s == "offline_access") {
            if (client.allows_grant("refresh_token") && (!api || api->allow_offline_access)) add(s);
        } else if (api && api->is_system) {
            // The Management API: an end user may hold only the scopes about itself, whatever
            // the API lists (those are for client_credentials tokens under a client grant).
            if (is_end_user_management_scope(s)) add(s);
        } else if (api && api->scopes.contains(s)) {
            add(s);
        }
    }
    return out;
}

json::object PendingAuthorization::to_json() const {
    json::object o;
    o["client_id"] = client_id;
    o["redirect_uri"] = target.redirect_uri;
    o["response_mode"] = target.response_mode;
    o["response_type"] = response_type;
    o["state"] = target.state;
    o["scope"] = scope;
    o["audience"] = audience;
    o["nonce"] = nonce;
    o["code_challenge"] = code_challenge;
    o["code_challenge_method"] = code_challenge_method;
    o["connection"] = connection;
    o["login_hint"] = login_hint;
    if (max_age) o["max_age"] = *max_age;
    if (!organization.id.empty() || organization.prompt)
        o["organization"] = json::object{{"id", organization.id},
                                         {"name", organization.name},
                                         {"invitation", organization.invitation_hash},
                                         {"prompt", organization.prompt}};
    json::object source;
    for (const auto& [k, v] : upstream_source.items()) source[k] = v;
    o["upstream_source"] = std::move(source);
    return o;
}

PendingAuthorization PendingAuthorization::from_json(const json::object& o) {
    PendingAuthorization p;
    p.client_id = util::json_string(o, "client_id");
    p.target.redirect_uri = util::json_string(o, "redirect_uri");
    p.target.response_mode = util::json_string(o, "response_mode", "query");
    p.response_type = util::json_string(o, "response_type", "code");
    p.target.state = util::json_string(o, "state");
    p.scope = util::json_string(o, "scope");
    p.audience = util::json_string(o, "audience");
    p.nonce = util::json_string(o, "nonce");
    p.code_challenge = util::json_string(o, "code_challenge");
    p.code_challenge_method = util::json_string(o, "code_challenge_method");
    p.connection = util::json_string(o, "connection");
    p.login_hint = util::json_string(o, "login_hint");
    if (o.contains("max_age")) p.max_age = util::json_int(o, "max_age", 0);
    if (auto* org = util::json_object(o, "organization")) {
        p.organization.id = util::json_string(*org, "id");
        p.organization.name = util::json_string(*org, "name");
        p.organization.invitation_hash = util::json_string(*org, "invitation");
        p.organization.prompt = util::json_bool(*org, "prompt", false);
    }
    if (auto* source = util::json_object(o, "upstream_source"))
        for (const auto& [k, v] : *source)
            if (v.is_string()) p.upstream_source.set(std::string(k), std::string(v.get_string()));
    return p;
}

AuthorizationService::AuthorizationService(Catalog& catalog, store::Store& store) : catalog_(catalog), store_(store) {}

AuthorizationResponse authorization_error(const ResponseTarget& target, const OAuthError& error,
                                          std::string_view issuer) {
    AuthorizationResponse r{target, {}};
    r.params.emplace_back("error", std::string(error.wire()));
    r.params.emplace_back("error_description", error.description);
    if (!target.state.empty()) r.params.emplace_back("state", target.state);
    r.params.emplace_back("iss", std::string(issuer));  // RFC 9207
    return r;
}

AuthorizationResponse AuthorizationService::error_response(const ResponseTarget& target,
                                                           const OAuthError& error) const {
    return authorization_error(target, error, catalog_.config().issuer);
}

OAuthError blocked_user_error() { return make_error(oauth_errc::unauthorized, "user is blocked"); }

AuthorizeOutcome AuthorizationService::authorize(const util::Params& params,
                                                 const std::optional<store::Session>& session,
                                                 std::string_view browser_id, std::int64_t now, std::string_view ip) {
    AuthorizeCheck check{params, catalog_, nullptr, nullptr, {}, {}};
    for (const auto& [name, run] : kAuthorizeChecks) {
        auto failure = run(check);
        if (!failure) continue;
        if (auto* page = std::get_if<ErrorPage>(&*failure)) return *page;
        return error_response(check.pending.target, std::get<OAuthError>(*failure));
    }
    auto& pending = check.pending;
    pending.login_hint = params.get("login_hint");
    if (pending.login_hint.empty()) pending.login_hint = pending.organization.invitee;
    for (auto name : kAliasSources)
        if (auto v = params.find(name)) pending.upstream_source.set(name, std::string(*v));

    auto prompts = split_scope(params.get("prompt"));
    auto prompted = [&](std::string_view p) { return std::find(prompts.begin(), prompts.end(), p) != prompts.end(); };
    if (session && session_satisfies(*session, pending, catalog_, prompted("login"), now)) {
        auto user = store_.get_user(session->user_id);
        if (user && util::json_bool(user->doc, "blocked", false)) {
            auto client = catalog_.client(pending.client_id);
            record_event(events_, {.type = "f",
                                   .description = "user is blocked",
                                   .client_id = pending.client_id,
                                   .client_name = client ? client->name : std::string(),
                                   .ip = std::string(ip),
                                   .user_id = user->user_id,
                                   .user_name = user->email,
                                   .connection = session->connection});
            return error_response(pending.target, blocked_user_error());
        }
        if (user) return complete(pending, *user, *session, now);
    }
    if (prompted("none")) return error_response(pending.target, make_error(oauth_errc::login_required));

    store::Interaction interaction;
    interaction.id = util::random_token(24);
    interaction.kind = "login";
    interaction.expires_at = now + catalog_.config().login_ttl;
    interaction.doc["pending"] = pending.to_json();
    interaction.doc["csrf"] = util::random_token(24);
    interaction.doc["browser"] = util::sha256_b64url(browser_id);
    if (auto r = store_.create_interaction(interaction); !r)
        return error_response(pending.target, make_error(oauth_errc::server_error, {}, r.error().message()));
    // A federated connection: the upstream leg starts at /u/connection (federation), which may have to
    // fetch the provider's discovery document first and so cannot run inside this synchronous check.
    if (!pending.connection.empty()) {
        auto connection = catalog_.connection(pending.connection);
        if (connection && connection->strategy() != "auth0") {
            if (upstream_starter_)
                if (auto started = upstream_starter_->start_now(pending, interaction.id, browser_id, now))
                    return std::move(*started);
            return UpstreamRedirect{
                catalog_.config().issuer + "u/connection?state=" + interaction.id +
                "&connection=" + std::string(boost::urls::encode(pending.connection, boost::urls::unreserved_chars))};
        }
    }
    return LoginRedirect{interaction.id, params.get("screen_hint") == "signup"};
}

LoginForm AuthorizationService::make_form(const std::string& interaction_id, const json::object& doc, bool signup) {
    auto pending = PendingAuthorization::from_json(*util::json_object(doc, "pending"));
    LoginForm form;
    form.interaction_id = interaction_id;
    form.csrf_token = util::json_string(doc, "csrf");
    form.username = pending.login_hint;
    form.signup = signup;
    auto client = catalog_.client(pending.client_id);
    form.client_name = client ? client->name : pending.client_id;
    if (pending.organization.prompt && pending.organization.id.empty()) {
        form.organization_prompt = true;  // nothing to log in with before the organization is known
        return form;
    }
    // Through an organization: only its connections, and sign-up only where it allows it (or for
    // an invited email).
    std::vector<store::OrganizationConnection> org_connections;
    if (!pending.organization.id.empty()) {
        if (auto org = store_.get_organization(pending.organization.id))
            form.organization_name = org->display_name.empty() ? org->name : org->display_name;
        if (auto list = organization_connections(store_, pending.organization.id)) org_connections = std::move(*list);
    }
    auto in_organization = [&](const ConnectionView& c) -> const store::OrganizationConnection* {
        for (const auto& oc : org_connections)
            if (oc.connection_id == c.record.id) return &oc;
        return nullptr;
    };
    for (const auto& c : catalog_.connections()) {
        if (!c->enabled_for(pending.client_id)) continue;
        if (!pending.connection.empty() && c->name() != pending.connection) continue;
        const store::OrganizationConnection* org_connection = nullptr;
        if (!pending.organization.id.empty()) {
            org_connection = in_organization(*c);
            if (!org_connection) continue;
        }
        if (c->strategy() == "auth0") {
            if (form.database_connection.empty()) {
                form.database_connection = c->name();
                form.signup_allowed = c->signup_allowed && (!org_connection || org_connection->is_signup_enabled ||
                                                            !pending.organization.invitation_hash.empty());
            }
        } else {
            form.buttons.push_back({c->name(), c->display_name, c->strategy()});
        }
    }
    return form;
}

std::variant<LoginForm, ErrorPage> AuthorizationService::login_form(std::string_view interaction_id, bool signup,
                                                                    std::int64_t now) {
    auto interaction = store_.get_interaction(interaction_id, now);
    if (!interaction) return interaction_error_page(interaction.error());
    if (interaction->kind != "login" || !util::json_object(interaction->doc, "pending")) return kLoginExpired;
    auto form = make_form(interaction->id, interaction->doc, signup);
    if (signup && !form.signup_allowed) form.signup = false;
    return form;
}

std::variant<store::Interaction, ErrorPage> AuthorizationService::posted_interaction(const util::Params& form,
                                                                                     std::string_view browser_id,
                                                                                     std::int64_t now) {
    auto interaction = store_.get_interaction(form.get("state"), now);
    if (!interaction) return interaction_error_page(interaction.error());
    if (interaction->kind != "login" || !util::json_object(interaction->doc, "pending")) return kLoginExpired;
    // Login CSRF (RFC 6749 §10.12): the form must carry this interaction's token, and be posted by
    // the browser that started it.
    auto csrf = util::json_string(interaction->doc, "csrf");
    auto browser = util::json_string(interaction->doc, "browser");
    if (!util::constant_time_equal(form.get("csrf"), csrf) ||
        !util::constant_time_equal(util::sha256_b64url(browser_id), browser))
        return ErrorPage{403, "Invalid login form",
                         "The login form could not be verified (it was submitted from another browser or page). "
                         "Go back to the application and sign in again."};
    return std::move(*interaction);
}

std::variant<LoginForm, ErrorPage> AuthorizationService::choose_organization(const util::Params& form,
                                                                             std::string_view browser_id,
                                                                             std::int64_t now) {
    auto posted = posted_interaction(form, browser_id, now);
    if (auto* page = std::get_if<ErrorPage>(&posted)) return *page;
    auto interaction = std::get<store::Interaction>(std::move(posted));
    auto pending = PendingAuthorization::from_json(*util::json_object(interaction.doc, "pending"));
    if (!pending.organization.prompt || !pending.organization.id.empty()) return kLoginExpired;
    auto name = form.get("organization");
    auto org = name.empty() ? oauth_result<store::Organization>(make_error(oauth_errc::invalid_request))
                            : find_organization(catalog_, name, true);
    if (!org) {
        auto view = make_form(interaction.id, interaction.doc, false);
        view.error = org.error().code == oauth_errc::temporarily_unavailable
                         ? "The organization could not be looked up. Try again."
                         : "No organization has this name.";
        view.username = name;
        return view;
    }
    pending.organization.id = org->id;
    pending.organization.name = org->name;
    // The interaction is replaced under its id: taken, so a concurrent post of the page loses.
    auto taken = store_.take_interaction(interaction.id, now);
    if (!taken) return interaction_error_page(taken.error());
    taken->doc["pending"] = pending.to_json();
    if (auto r = store_.create_interaction(*taken); !r) return kStoreUnavailable;
    return make_form(taken->id, taken->doc, false);
}

LoginResult AuthorizationService::submit_login(const util::Params& form, std::string_view browser_id, bool signup,
                                               std::int64_t now, std::string_view ip) {
    const ErrorPage expired = kLoginExpired;
    auto posted = posted_interaction(form, browser_id, now);
    if (auto* page = std::get_if<ErrorPage>(&posted)) return {*page, {}};
    auto interaction = std::get<store::Interaction>(std::move(posted));

    auto view = make_form(interaction.id, interaction.doc, signup);
    view.username = form.get("username");
    if (view.database_connection.empty()) {
        view.error = "Password login is not enabled for this application.";
        return {view, {}};
    }
    connections::DatabaseConnection database(store_, view.database_connection);
    const bool signing_up = signup && view.signup_allowed;
    // A login is counted against the failed-login limit (spec §6).
    auto login = signing_up ? CountedLogin{0, database.signup(form.get("username"), form.get("password"), {})}
                            : counted_login(password_attempts_, database, form.get("username"), form.get("password"));
    // The tenant log line of this attempt: who tried which application from where, and the outcome.
    auto log = [&](std::string_view type, std::string description, std::string user_id) {
        auto pending_doc = util::json_object(interaction.doc, "pending");
        record_event(events_, {.type = std::string(type),
                               .description = std::move(description),
                               .client_id = util::json_string(*pending_doc, "client_id"),
                               .client_name = view.client_name,
                               .ip = std::string(ip),
                               .user_id = std::move(user_id),
                               .user_name = form.get("username"),
                               .connection = view.database_connection});
    };
    if (login.retry_after > 0) {
        // No password was checked, so nobody looked the user up yet: the log names it all the same.
        auto target = database.find(form.get("username"));
        log("limit_wc", "Too many failed logins for this user.", target ? target->user_id : std::string());
        return {
            ErrorPage{429, "Too many attempts", "Too many failed logins for this user. Wait a minute and try again."},
            {},
            login.retry_after};
    }
    auto& user = login.user;
    if (!user && user.error() == connections::connection_errc::user_blocked) {
        // As on Auth0, the application hears about it (error=unauthorized); only the right password
        // gets here, so this tells nothing to someone guessing.
        log("f", "user is blocked", login.found_user_id);
        auto taken = store_.take_interaction(interaction.id, now);
        if (!taken) return {expired, {}};
        auto pending = PendingAuthorization::from_json(*util::json_object(taken->doc, "pending"));
        return {error_response(pending.target, blocked_user_error()), {}};
    }
    if (!user) {
        view.error = login_error_message(user.error(), signup);
        if (signing_up)
            log("fs", view.error, {});
        else if (user.error() == connections::connection_errc::wrong_credentials)
            log(login.found_user_id.empty() ? "fu" : "fp", view.error, login.found_user_id);
        else
            log("f", view.error, login.found_user_id);
        return {view, {}};
    }

    auto taken = store_.take_interaction(interaction.id, now);
    if (!taken) return {expired, {}};  // a concurrent submit won
    if (signing_up) log("ss", "Successful signup", user->user_id);
    log("s", "Successful login", user->user_id);
    auto pending = PendingAuthorization::from_json(*util::json_object(taken->doc, "pending"));
    if (signup && view.signup_allowed) send_verification_mail(catalog_, store_, *user, pending.client_id, now);
    std::string token;
    auto session = create_session(*user, view.database_connection, token, now);
    return {complete(pending, *user, session, now), token};
}

AuthorizationResponse AuthorizationService::complete(const PendingAuthorization& pending, const store::User& user,
                                                     const store::Session& session, std::int64_t now) {
    auto type = find_response_type(pending.response_type);
    if (!type) return error_response(pending.target, make_error(oauth_errc::unsupported_response_type));
    auto client = catalog_.client(pending.client_id);
    if (!client) return error_response(pending.target, make_error(oauth_errc::unauthorized_client));
    auto failed = [&](const boost::system::error_code& ec) {
        return error_response(pending.target, make_error(oauth_errc::server_error, {}, ec.message()));
    };

    // The grant every token of this response descends from, recorded as a code row: the code itself
    // when the type returns one, otherwise a row whose code nobody holds, kept as long as the access
    // token lives, so revoking the user's grants (block, delete, password change) reaches it too.
    store::AuthorizationCode code;
    auto code_value = util::random_token(32);
    code.code_hash = util::sha256_b64url(code_value);
    code.grant_id = util::random_token(16);
    code.client_id = pending.client_id;
    code.user_id = user.user_id;
    code.redirect_uri = pending.target.redirect_uri;
    code.scope = pending.scope;
    code.audience = pending.audience;
    code.nonce = pending.nonce;
    code.code_challenge = pending.code_challenge;
    code.code_challenge_method = pending.code_challenge_method;
    code.session_id = session.id_hash;
    code.auth_time = session.auth_time;
    code.expires_at = now + catalog_.config().code_ttl;

    // Through an organization: the user must belong to it (or be invited, or be assigned on login)
    // through one of its connections; the grant records it for every token to come.
    std::optional<OrganizationClaims> organization;
    if (pending.organization.prompt && pending.organization.id.empty())
        return error_response(pending.target, make_error(oauth_errc::invalid_request,
                                                         "parameter organization is required for this client"));
    if (!pending.organization.id.empty()) {
        auto joined = join_organization(catalog_, pending.organization, pending.client_id, user, session.connection,
                                        code.grant_id, now);
        if (!joined) return error_response(pending.target, joined.error());
        organization = std::move(*joined);
    }

    AuthorizationEndpointTokens tokens;
    if (type->front_channel_tokens()) {
        const AuthorizationEndpointGrant grant{.user = &user,
                                               .client = client.get(),
                                               .grant_id = code.grant_id,
                                               .scope = pending.scope,
                                               .audience = pending.audience,
                                               .nonce = pending.nonce,
                                               .session_id_hash = session.id_hash,
                                               .auth_time = session.auth_time,
                                               .code = type->code ? code_value : std::string(),
                                               .access_token = type->token,
                                               .id_token = type->id_token,
                                               .organization = organization ? &*organization : nullptr};
        auto issued = issue_authorization_endpoint_tokens(catalog_, grant, now);
        if (!issued) return error_response(pending.target, issued.error());
        tokens = std::move(*issued);
        if (!type->code) code.expires_at = now + std::max(tokens.expires_in, catalog_.config().code_ttl);
    }
    if (type->code || type->token)
        if (auto r = store_.create_code(code); !r) return failed(r.error());

    AuthorizationResponse response{pending.target, {}};
    if (type->code) response.params.emplace_back("code", code_value);
    if (type->token) {
        response.params.emplace_back("access_token", tokens.access_token);
        response.params.emplace_back("token_type", "Bearer");
        response.params.emplace_back("expires_in", std::to_string(tokens.expires_in));
    }
    if (type->id_token) response.params.emplace_back("id_token", tokens.id_token);
    if (!pending.target.state.empty()) response.params.emplace_back("state", pending.target.state);
    response.params.emplace_back("iss", catalog_.config().issuer);  // RFC 9207
    return response;
}

std::optional<store::Session> AuthorizationService::current_session(std::string_view session_token, std::int64_t now) {
    if (session_token.empty()) return std::nullopt;
    auto session = store_.get_session(util::sha256_b64url(session_token), now);
    if (!session) return std::nullopt;
    // idle_session_lifetime: each use moves the end to that long from now, never past the absolute end.
    // Written at most once a minute per session, so a burst of silent logins costs one write.
    auto end = session_end(session->created_at, now);
    if (end < session->expires_at || end > session->expires_at + 60) {
        if (auto r = store_.touch_session(session->id_hash, end, now); !r)
            spdlog::warn("cannot extend session: {}", r.error().message());
        session->expires_at = end;
    }
    return *session;
}

// A session ends session_lifetime after login (the tenant's setting, else --session-ttl) or, when
// the tenant sets idle_session_lifetime, that long after its last use, whichever comes first.
std::int64_t AuthorizationService::session_end(std::int64_t created_at, std::int64_t now) const {
    auto settings = catalog_.settings();
    auto absolute =
        created_at + (settings->session_lifetime > 0 ? settings->session_lifetime : catalog_.config().session_ttl);
    if (settings->idle_session_lifetime > 0) return std::min(absolute, now + settings->idle_session_lifetime);
    return absolute;
}

store::Session AuthorizationService::create_session(const store::User& user, std::string_view connection,
                                                    std::string& token_out, std::int64_t now) {
    token_out = util::random_token(32);
    store::Session session;
    session.id_hash = util::sha256_b64url(token_out);
    session.user_id = user.user_id;
    session.connection = std::string(connection);
    session.auth_time = now;
    session.created_at = now;
    session.expires_at = session_end(now, now);
    if (auto r = store_.create_session(session); !r) spdlog::error("cannot store session: {}", r.error().message());
    // Auth0 keeps last_login / logins_count on the user.
    store::User updated = user;
    updated.doc["last_login"] = util::iso8601_ms(now * 1000);
    updated.doc["logins_count"] = util::json_int(user.doc, "logins_count", 0) + 1;
    if (auto r = store_.update_user(updated); !r) spdlog::warn("cannot record last login: {}", r.error().message());
    return session;
}

void AuthorizationService::end_session(std::string_view session_token) {
    if (!session_token.empty()) (void)store_.delete_session(util::sha256_b64url(session_token));
}

}  // namespace gatehouse::oauth
