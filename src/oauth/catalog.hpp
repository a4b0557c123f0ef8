#pragma once

#include "jose/jose.hpp"
#include "oauth/config.hpp"
#include "store/store.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace gatehouse::oauth {

// The client's `refresh_token` object (Auth0's settings; auth0-apps.md §4). A missing object reads
// as documents::apply_client_defaults fills it (rotating and expiring for a SPA, otherwise neither);
// a missing field as Auth0's default for it, below.
struct RefreshTokenSettings {
    bool rotating = false;
    bool expiring = false;
    std::int64_t leeway = 0;  // seconds the previous rotating token stays reusable
    std::int64_t token_lifetime = 2592000;
    std::int64_t idle_token_lifetime = 1296000;
    bool infinite_token_lifetime = true;
    bool infinite_idle_token_lifetime = true;

    // The absolute end of a family first issued now (0 = none). Fixed at first issue: rotation
    // copies it, and a later change of the settings applies to new families.
    std::int64_t family_expires_at(std::int64_t now) const;
    // The idle end of a token issued or used now (0 = none), never past its family's end.
    std::int64_t idle_expires_at(std::int64_t now, std::int64_t family_expires_at) const;
};

// A client as the flows need it: the Management API document parsed once into typed fields.
struct ClientView {
    std::string client_id;
    std::string name;
    std::string app_type;
    std::string auth_method;  // none | client_secret_post | client_secret_basic
    std::string secret_hash;
    std::vector<std::string> callbacks;
    std::vector<std::string> allowed_logout_urls;
    std::vector<std::string> web_origins;
    std::vector<std::string> allowed_origins;
    std::vector<std::string> grant_types;
    std::int64_t id_token_ttl = 36000;
    RefreshTokenSettings refresh_token;
    std::string organization_usage = "deny";                  // deny | allow | require
    std::string organization_require_behavior = "no_prompt";  // no_prompt | pre_login_prompt | post_login_prompt
    // Stored URLs that break today's rules (util::registered_url_problem), left out of the lists
    // above so they never match: "callbacks[2]: <why>", for the log.
    std::vector<std::string> ignored_urls;

    bool is_public() const { return auth_method == "none"; }
    bool allows_grant(std::string_view grant) const;
    // Origins allowed for CORS and web_message: web_origins, allowed_origins and callback origins
    // (with their subdomain wildcards).
    bool allows_origin(std::string_view origin) const;
};

// An API's `token_dialect`: what its access tokens look like. The *_authz dialects add the
// `permissions` claim; the RFC 9068 profiles use the header typ "at+jwt" and `client_id` for `azp`.
enum class TokenDialect { access_token, access_token_authz, rfc9068_profile, rfc9068_profile_authz };
inline bool adds_permissions(TokenDialect d) {
    return d == TokenDialect::access_token_authz || d == TokenDialect::rfc9068_profile_authz;
}
inline bool is_rfc9068(TokenDialect d) {
    return d == TokenDialect::rfc9068_profile || d == TokenDialect::rfc9068_profile_authz;
}

struct ApiView {
    std::string id;
    std::string identifier;
    std::string name;
    std::set<std::string> scopes;
    std::int64_t token_lifetime = 86400;
    std::int64_t token_lifetime_for_web = 7200;  // access tokens issued by /authorize (implicit, hybrid)
    bool allow_offline_access = false;
    jose::Alg signing_alg = jose::Alg::RS256;
    bool is_system = false;
    // RBAC (auth0-apps.md §6): a user's token holds only the requested scopes it has permissions for.
    bool enforce_policies = false;
    TokenDialect token_dialect = TokenDialect::access_token;
};

struct ConnectionView {
    store::Connection record;
    std::string display_name;
    std::set<std::string> enabled_clients;
    bool signup_allowed = true;

    const std::string& name() const { return record.name; }
    const std::string& strategy() const { return record.strategy; }
    bool enabled_for(std::string_view client_id) const { return enabled_clients.contains(std::string(client_id)); }
};

// The tenant settings the flows consult (the document of /api/v2/tenants/settings).
struct TenantSettingsView {
    std::string default_audience;            // for token and /authorize requests without an audience
    std::string default_directory;           // the database connection of the `password` grant
    std::int64_t session_lifetime = 0;       // seconds; 0 = not set
    std::int64_t idle_session_lifetime = 0;  // seconds; 0 = not set
    // /authorize?organization= may name an organization, and tokens carry org_name.
    bool allow_organization_name_in_authentication_api = false;
};

// The tenant's keys, decrypted once: one signer per algorithm and every published public key.
struct SigningKeys {
    std::map<jose::Alg, std::shared_ptr<const jose::PrivateKey>> signers;
    jose::KeySet verifiers;
    std::string jwks_json = R"({"keys":[]})";  // valid even when the store could not be read

    const jose::PrivateKey* signer(jose::Alg alg) const {
        auto it = signers.find(alg);
        return it == signers.end() ? nullptr : it->second.get();
    }
};

// Read-through cache of the configuration the flows consult on every request (clients, APIs,
// client grants, connections, keys). Entries are dropped wholesale when the store's
// config_version moves, checked at most every 100 ms (so another instance's Management API write
// is seen within that), and at once after a local write (invalidate()). Unknown ids are not cached,
// so a client created a moment ago is found and attackers cannot grow the cache.
class Catalog {
  public:
    Catalog(store::Store& store, const TenantConfig& config);

    std::shared_ptr<const ClientView> client(std::string_view client_id);
    // Accepts the Management API audience spelled https:// on an http:// issuer (Auth0's Node SDK
    // always asks for https://<domain>/api/v2/).
    std::shared_ptr<const ApiView> api(std::string_view audience);
    std::shared_ptr<const store::ClientGrant> client_grant(std::string_view client_id, std::string_view audience);
    std::vector<std::shared_ptr<const ConnectionView>> connections();
    std::shared_ptr<const ConnectionView> connection(std::string_view name);
    std::shared_ptr<const SigningKeys> keys();
    std::shared_ptr<const TenantSettingsView> settings();
    // The keys when they are cached and no version check is due: never touches the store, so an I/O
    // thread may call it. nullptr means "ask keys() from the blocking pool".
    std::shared_ptr<const SigningKeys> cached_keys();
    // Whether everything a client_credentials grant for (client, audience) reads is cached, with
    // no version check due while it runs: then an I/O thread may issue the token itself.
    bool client_credentials_cached(std::string_view client_id, std::string_view audience);
    // Whether any client trusts `origin` (CORS pre-flights carry no client_id to look up).
    bool any_client_allows_origin(std::string_view origin);

    void invalidate();
    const TenantConfig& config() const { return config_; }
    store::Store& store() { return store_; }

  private:
    std::string api_key(std::string_view audience) const;
    void refresh_if_stale();
    template <class View, class Load>
    std::shared_ptr<const View> read_through(std::unordered_map<std::string, std::shared_ptr<const View>>& cache,
                                             const std::string& key, Load load);
    template <class T, class Load>
    std::shared_ptr<const T> read_through(std::shared_ptr<const T>& slot, Load load);
    std::optional<SigningKeys> load_keys();

    store::Store& store_;
    const TenantConfig& config_;
    std::shared_mutex mutex_;
    std::int64_t version_ = -1;
    std::uint64_t generation_ = 0;  // bumped whenever the caches are dropped
    std::atomic<std::int64_t> next_check_ns_{0};
    std::unordered_map<std::string, std::shared_ptr<const ClientView>> clients_;
    std::unordered_map<std::string, std::shared_ptr<const ApiView>> apis_;
    std::unordered_map<std::string, std::shared_ptr<const store::ClientGrant>> grants_;
    std::shared_ptr<const std::vector<std::shared_ptr<const ConnectionView>>> connections_;
    std::shared_ptr<const SigningKeys> keys_;
    std::shared_ptr<const TenantSettingsView> settings_;
    struct KnownOrigins {
        std::set<std::string> exact;
        std::vector<std::string> wildcards;  // "https://*.example.com"
    };
    std::shared_ptr<const KnownOrigins> origins_;
};

// Parsers from the stored documents, shared with tests.
ClientView client_view(const store::Client&);
ApiView api_view(const store::ResourceServer&);
ConnectionView connection_view(const store::Connection&);
TenantSettingsView tenant_settings_view(const boost::json::object& doc);

}  // namespace gatehouse::oauth
