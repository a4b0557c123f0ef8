// Federation: the upstream leg of a login through an oauth2, oidc, wordpress or twitter connection.
// Gatehouse is then the OAuth client of the provider: it sends the browser to the provider with its
// own state (bound to the browser), PKCE and nonce, takes the code back at the leg's callback
// (connections::upstream_callback_url), refuses a response that arrives at another callback or names
// another issuer (mix-up, RFC 9700 §4.4.2 / RFC 9207) before any token request, redeems the code,
// validates the ID token against the provider's JWKS, fetches the profile, upserts the user of this
// connection and finishes the original client's pending authorization. HTTP-free except through
// the injected connections::HttpClient, so tests drive it against a fake provider.
#pragma once

#include "connections/strategy.hpp"
#include "connections/upstream_client.hpp"
#include "oauth/authorize.hpp"
#include "oauth/catalog.hpp"
#include "oauth/error.hpp"
#include "store/store.hpp"
#include "util/params.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace gatehouse::oauth {

struct FederationOptions {
    std::int64_t discovery_ttl = 3600;  // seconds a fetched discovery document is trusted
    std::int64_t jwks_ttl = 3600;       // seconds a fetched JWKS is trusted
    // An unknown kid refetches the JWKS (the provider rotated), but not more often than this, so a
    // stream of forged tokens cannot turn Gatehouse into a JWKS fetch amplifier.
    std::int64_t jwks_refetch_interval = 30;
};

using FederationStart = std::variant<ErrorPage, AuthorizationResponse, UpstreamRedirect>;

struct FederationCallback {
    std::variant<ErrorPage, AuthorizationResponse> outcome;
    std::string session_token;  // non-empty when a session was created: the cookie value
};

// The user a provider's profile describes, normalized to Auth0's root attributes.
struct FederatedProfile {
    std::string user_id;  // wordpress|<ID>, twitter|<id>, oauth2|<connection>|<id>, oidc|<connection>|<sub>
    // wordpress|<connection>|<ID>, twitter|<connection>|<id>: the id of this connection's user when a
    // user of another connection holds user_id (those two formats are not namespaced by connection).
    // Empty for oauth2 and oidc, whose user_id already is.
    std::string fallback_user_id;
    std::string email;               // as the provider spells it; empty when it gives none
    boost::json::object attributes;  // name, nickname, picture, email, email_verified, given_name, ...
};

// Maps a provider profile (userinfo / ID token claims, WordPress /me, X /2/users/me `data`) to the
// stored user; server_error when it has no usable id.
oauth_result<FederatedProfile> map_profile(connections::strategy_kind strategy, std::string_view connection,
                                           const boost::json::object& profile);

class FederationService final : public UpstreamStarter {
  public:
    FederationService(Catalog& catalog, store::Store& store, AuthorizationService& authorization,
                      connections::HttpClient& http, FederationOptions options = {});

    // GET /u/connection?state=<login interaction>&connection=<name>: the login page's button, and
    // where /authorize?connection=<name> sends the browser. Starts the upstream leg.
    boost::asio::awaitable<FederationStart> start(std::string interaction_id, std::string connection,
                                                  std::string browser_id, std::int64_t now);

    // GET /login/callback and /login/callback/<connection name>: the provider's answer (code or
    // error) for one upstream state. `callback_path` is the path it arrived at, relative to the
    // issuer ("login/callback/wp"): it must be the leg's redirect_uri. A blocked user goes back to
    // the application with error=unauthorized. `ip` (the client address) is for the tenant logs.
    boost::asio::awaitable<FederationCallback> callback(util::Params query, std::string callback_path,
                                                        std::string browser_id, std::int64_t now, std::string ip = {});

    // The upstream leg straight from /authorize when no I/O is needed first (presets, explicit or
    // cached endpoints); nullopt sends the browser through /u/connection instead.
    std::optional<AuthorizeOutcome> start_now(const PendingAuthorization& pending, const std::string& login_id,
                                              std::string_view browser_id, std::int64_t now) override;

    // What the provider is, after discovery: the connection with its discovered metadata merged in.
    struct Provider {
        store::Connection connection;
        connections::strategy_kind strategy{};
        connections::UpstreamEndpoints endpoints;
        boost::json::object metadata;  // the discovery document (oidc), else empty
    };

  private:
    struct CacheEntry {
        std::int64_t version = 0;
        boost::json::object metadata;
        std::int64_t metadata_at = 0;
        std::shared_ptr<const jose::KeySet> jwks;
        std::int64_t jwks_at = 0;
    };

    boost::asio::awaitable<oauth_result<Provider>> provider(const ConnectionView& view, std::int64_t now);
    // The provider without I/O, from `fetched` discovery metadata when given; nullopt when its
    // discovery document must be fetched first.
    std::optional<oauth_result<Provider>> provider_now(const ConnectionView& view, std::int64_t now,
                                                       const boost::json::object* fetched);
    FederationStart begin_leg(const PendingAuthorization& pending, const Provider& p, const std::string& login_id,
                              std::string_view browser_id, std::int64_t now);
    boost::asio::awaitable<oauth_result<std::shared_ptr<const jose::KeySet>>> keys(const Provider& p, bool refetch,
                                                                                   std::int64_t now);
    boost::asio::awaitable<oauth_result<boost::json::object>> fetch_json(connections::HttpRequest request,
                                                                         std::string_view what,
                                                                         std::string_view connection);
    boost::asio::awaitable<oauth_result<boost::json::object>> redeem(const Provider& p, std::string_view code,
                                                                     std::string_view verifier,
                                                                     std::string_view redirect_uri);
    boost::asio::awaitable<oauth_result<boost::json::object>> validate_id_token(const Provider& p,
                                                                                std::string_view id_token,
                                                                                std::string_view nonce,
                                                                                std::int64_t now);
    boost::asio::awaitable<oauth_result<boost::json::object>> fetch_profile(const Provider& p,
                                                                            const boost::json::object& tokens,
                                                                            std::string_view nonce, std::int64_t now);
    oauth_result<store::User> upsert_user(const Provider& p, const FederatedProfile& profile, std::int64_t now);
    oauth_result<store::User> update_user(const Provider& p, store::User user, const FederatedProfile& profile,
                                          std::int64_t now);
    AuthorizationResponse error_response(const ResponseTarget& target, const OAuthError& error) const;

    Catalog& catalog_;
    store::Store& store_;
    AuthorizationService& authorization_;
    connections::HttpClient& http_;
    FederationOptions options_;
    std::mutex mutex_;
    std::map<std::string, CacheEntry> cache_;  // by connection name
};

}  // namespace gatehouse::oauth
