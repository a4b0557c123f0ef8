#pragma once

#include "oauth/catalog.hpp"
#include "oauth/error.hpp"
#include "oauth/organizations.hpp"
#include "oauth/password_login.hpp"
#include "store/event_log.hpp"
#include "store/store.hpp"
#include "util/params.hpp"

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace gatehouse::oauth {

// Where an authorization response is delivered (RFC 6749 §4.1.2, OAuth 2.0 Form Post and Web
// Message response modes).
struct ResponseTarget {
    std::string redirect_uri;
    std::string response_mode = "query";  // query | fragment | form_post | web_message
    std::string state;
};

// An error shown to the user because the redirect URI cannot be trusted (RFC 6749 §4.1.2.1:
// "the authorization server ... MUST NOT automatically redirect the user-agent").
struct ErrorPage {
    int status = 400;
    std::string title;
    std::string message;
};

// The page for a login interaction that could not be loaded: expired or already used (400), or the
// database is unreachable (503: the login is still there, so the user retries instead of starting
// over).
ErrorPage interaction_error_page(const boost::system::error_code& ec);

// code / access_token / id_token (as the response type asks) + state + iss, or
// error+error_description+state+iss, for `target`.
struct AuthorizationResponse {
    ResponseTarget target;
    std::vector<std::pair<std::string, std::string>> params;
};

// No usable session: send the browser to the hosted login page for this interaction.
struct LoginRedirect {
    std::string interaction_id;
    bool signup = false;  // screen_hint=signup: open the sign-up page
};

// A connection of an upstream identity provider was chosen: send the browser there.
struct UpstreamRedirect {
    std::string url;
};

using AuthorizeOutcome = std::variant<ErrorPage, AuthorizationResponse, LoginRedirect, UpstreamRedirect>;

// What the hosted login page shows.
struct LoginForm {
    struct Button {
        std::string connection;
        std::string display_name;
        std::string strategy;
    };
    std::string interaction_id;
    std::string csrf_token;
    std::string client_name;
    std::string organization_name;     // the organization's display name (or name) when logging in through one
    bool organization_prompt = false;  // render the page asking for the organization instead
    std::string username;              // pre-filled: login_hint, or what was typed before an error
    std::string error;
    std::string database_connection;  // empty when the client has no database connection
    bool signup_allowed = false;
    bool signup = false;  // render the sign-up variant
    std::vector<Button> buttons;
};

struct LoginResult {
    std::variant<LoginForm, ErrorPage, AuthorizationResponse> outcome;
    std::string session_token;     // non-empty when a session was created: the cookie value
    std::int64_t retry_after = 0;  // > 0: too many wrong passwords, the outcome is a 429 page; seconds to wait
};

// The pending /authorize request kept server-side while the user logs in.
struct PendingAuthorization {
    std::string client_id;
    ResponseTarget target;
    std::string response_type = "code";  // an entry of the response type table, canonical spelling
    std::string scope;                   // as granted (filtered) at /authorize
    std::string audience;
    std::string nonce;
    std::string code_challenge;
    std::string code_challenge_method;
    std::string connection;
    std::string login_hint;
    std::optional<std::int64_t> max_age;
    OrganizationRequest organization;  // a login through an organization
    util::Params upstream_source;      // the /authorize parameters upstream_params aliases may copy

    boost::json::object to_json() const;
    static PendingAuthorization from_json(const boost::json::object&);
};

// Starts the upstream leg of a federated connection synchronously when it can (oauth::FederationService);
// nullopt when it needs I/O first (OIDC discovery), and /authorize then hops through /u/connection.
class UpstreamStarter {
  public:
    virtual ~UpstreamStarter() = default;
    virtual std::optional<AuthorizeOutcome> start_now(const PendingAuthorization& pending, const std::string& login_id,
                                                      std::string_view browser_id, std::int64_t now) = 0;
};

// The authorization endpoint and the hosted login behind it. HTTP-free: the http module parses
// the request, finds the browser's cookies and renders whatever outcome comes back.
class AuthorizationService {
  public:
    AuthorizationService(Catalog& catalog, store::Store& store);

    // GET /authorize. `session` is the browser's current session, if any; `browser_id` the value of
    // the browser-binding cookie (the caller creates one when absent), tying the login form and
    // the upstream state to this browser.
    // `ip` is the client address, for the tenant logs.
    AuthorizeOutcome authorize(const util::Params& params, const std::optional<store::Session>& session,
                               std::string_view browser_id, std::int64_t now, std::string_view ip = {});

    // GET /u/login?state=<interaction>.
    std::variant<LoginForm, ErrorPage> login_form(std::string_view interaction_id, bool signup, std::int64_t now);

    // POST /u/login (and /u/signup when `signup`): checks the CSRF token and the browser binding,
    // then the credentials; success finishes the pending authorization with a new session.
    // A blocked user (right password) goes back to the application with error=unauthorized, as on
    // Auth0. `ip` is the client address, for the tenant logs (s, fp, fu, f, ss, fs, limit_wc).
    LoginResult submit_login(const util::Params& form, std::string_view browser_id, bool signup, std::int64_t now,
                             std::string_view ip = {});

    // POST /u/organization: the organization the user names on the page of a client that requires
    // one (organization_require_behavior pre_login_prompt); then the login page of that organization.
    std::variant<LoginForm, ErrorPage> choose_organization(const util::Params& form, std::string_view browser_id,
                                                           std::int64_t now);

    // Finishes a pending authorization for an authenticated user (also used by federation).
    AuthorizationResponse complete(const PendingAuthorization& pending, const store::User& user,
                                   const store::Session& session, std::int64_t now);

    std::optional<store::Session> current_session(std::string_view session_token, std::int64_t now);
    std::int64_t session_end(std::int64_t created_at, std::int64_t now) const;
    store::Session create_session(const store::User& user, std::string_view connection, std::string& token_out,
                                  std::int64_t now);
    void end_session(std::string_view session_token);

    // Federation registers itself here (composition root); without it, /authorize?connection=<federated>
    // always goes through /u/connection.
    void set_upstream_starter(UpstreamStarter* starter) { upstream_starter_ = starter; }
    // The failed-login limit (composition root); without it, password guesses are not counted.
    void set_password_attempts(PasswordAttempts* attempts) { password_attempts_ = attempts; }
    // Where logins are logged; null: not logged.
    void set_event_log(store::EventLog* log) { events_ = log; }
    store::EventLog* event_log() const { return events_; }

  private:
    // The login interaction a hosted form posts to, once its CSRF token and browser binding match.
    std::variant<store::Interaction, ErrorPage> posted_interaction(const util::Params& form,
                                                                   std::string_view browser_id, std::int64_t now);
    AuthorizationResponse error_response(const ResponseTarget& target, const OAuthError& error) const;
    LoginForm make_form(const std::string& interaction_id, const boost::json::object& doc, bool signup);

    Catalog& catalog_;
    store::Store& store_;
    UpstreamStarter* upstream_starter_ = nullptr;
    PasswordAttempts* password_attempts_ = nullptr;
    store::EventLog* events_ = nullptr;
};

// The answer to a blocked user at /authorize, the hosted login or a federation callback (Auth0's).
OAuthError blocked_user_error();

// The error form of an authorization response (RFC 6749 §4.1.2.1 + RFC 9207 iss), for `target`.
AuthorizationResponse authorization_error(const ResponseTarget& target, const OAuthError& error,
                                          std::string_view issuer);

// Scopes granted for a request: OIDC scopes always, offline_access when refresh tokens are allowed,
// API scopes the API defines; unknown scopes are dropped (Auth0 behaviour), order preserved.
std::string grant_scope(std::string_view requested, const ClientView& client, const ApiView* api);

}  // namespace gatehouse::oauth
