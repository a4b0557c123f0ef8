#include "oauth/catalog.hpp"

#include "connections/option_secrets.hpp"
#include "documents/documents.hpp"

#include "util/json.hpp"
#include "util/url.hpp"
#include "util/util.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace gatehouse::oauth {
namespace {

constexpr std::int64_t kCheckIntervalNs = 100'000'000;  // 100 ms

std::int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::int64_t RefreshTokenSettings::family_expires_at(std::int64_t now) const {
    if (!expiring || infinite_token_lifetime || token_lifetime <= 0) return 0;
    return now + token_lifetime;
}

std::int64_t RefreshTokenSettings::idle_expires_at(std::int64_t now, std::int64_t family_end) const {
    if (!expiring || infinite_idle_token_lifetime || idle_token_lifetime <= 0) return 0;
    auto idle_end = now + idle_token_lifetime;
    return family_end != 0 ? std::min(idle_end, family_end) : idle_end;
}

bool ClientView::allows_grant(std::string_view grant) const { return contains(grant_types, grant); }

bool ClientView::allows_origin(std::string_view origin) const {
    auto matches = [&](const std::vector<std::string>& urls) {
        return std::any_of(urls.begin(), urls.end(),
                           [&](const auto& url) { return util::origin_matches(url, origin); });
    };
    return matches(web_origins) || matches(allowed_origins) || matches(callbacks);
}

namespace {

// The URLs of `key` that today's rules accept. Documents stored before those rules (or written to
// the store by hand) may hold others (javascript:, http on a public host, "*"): they are kept in
// the store and shown by the Management API, but never match here; each is named in `ignored`.
std::vector<std::string> usable_urls(const boost::json::object& doc, std::string_view key, util::RegisteredUrl use,
                                     bool native_app, std::vector<std::string>& ignored) {
    std::vector<std::string> usable;
    auto urls = util::json_strings(doc, key);
    for (std::size_t i = 0; i < urls.size(); ++i) {
        if (auto problem = util::registered_url_problem(urls[i], use, native_app))
            ignored.push_back(std::string(key) + "[" + std::to_string(i) + "]: " + *problem);
        else
            usable.push_back(std::move(urls[i]));
    }
    return usable;
}

}  // namespace

ClientView client_view(const store::Client& c) {
    // Read through Auth0's defaults, the ones the Management API fills in: a document written
    // before a field existed means what Auth0 would mean by leaving it out.
    boost::json::object d = c.doc;
    documents::apply_client_defaults(d);
    ClientView v;
    v.client_id = c.client_id;
    v.secret_hash = c.secret_hash;
    v.name = util::json_string(d, "name", c.client_id);
    v.app_type = util::json_string(d, "app_type", "regular_web");
    v.auth_method = util::json_string(d, "token_endpoint_auth_method");
    bool native = v.app_type == "native";
    v.callbacks = usable_urls(d, "callbacks", util::RegisteredUrl::callback, native, v.ignored_urls);
    v.allowed_logout_urls = usable_urls(d, "allowed_logout_urls", util::RegisteredUrl::logout, native, v.ignored_urls);
    v.web_origins = usable_urls(d, "web_origins", util::RegisteredUrl::web_origin, native, v.ignored_urls);
    v.allowed_origins = usable_urls(d, "allowed_origins", util::RegisteredUrl::web_origin, native, v.ignored_urls);
    v.grant_types = util::json_strings(d, "grant_types");
    v.organization_usage = util::json_string(d, "organization_usage", "deny");
    v.organization_require_behavior = util::json_string(d, "organization_require_behavior", "no_prompt");
    if (auto* jwt = util::json_object(d, "jwt_configuration"))
        v.id_token_ttl = util::json_int(*jwt, "lifetime_in_seconds", v.id_token_ttl);
    if (auto* rt = util::json_object(d, "refresh_token")) {
        auto& r = v.refresh_token;
        r.rotating = util::json_string(*rt, "rotation_type") == "rotating";
        r.expiring = util::json_string(*rt, "expiration_type") == "expiring";
        r.leeway = std::max<std::int64_t>(0, util::json_int(*rt, "leeway", r.leeway));
        r.token_lifetime = util::json_int(*rt, "token_lifetime", r.token_lifetime);
        r.idle_token_lifetime = util::json_int(*rt, "idle_token_lifetime", r.idle_token_lifetime);
        r.infinite_token_lifetime = util::json_bool(*rt, "infinite_token_lifetime", r.infinite_token_lifetime);
        r.infinite_idle_token_lifetime =
            util::json_bool(*rt, "infinite_idle_token_lifetime", r.infinite_idle_token_lifetime);
    }
    return v;
}

ApiView api_view(const store::ResourceServer& r) {
    boost::json::object d = r.doc;
    documents::apply_resource_server_defaults(d, r.identifier);
    ApiView v;
    v.id = r.id;
    v.identifier = r.identifier;
    v.name = util::json_string(d, "name", r.identifier);
    if (auto* scopes = d.if_contains("scopes"); scopes && scopes->is_array())
        for (const auto& s : scopes->get_array())
            if (s.is_object()) v.scopes.insert(util::json_string(s.get_object(), "value"));
    v.token_lifetime = util::json_int(d, "token_lifetime", 86400);
    v.token_lifetime_for_web = util::json_int(d, "token_lifetime_for_web", 7200);
    v.allow_offline_access = util::json_bool(d, "allow_offline_access", false);
    v.signing_alg = jose::parse_alg(util::json_string(d, "signing_alg", "RS256")).value_or(jose::Alg::RS256);
    v.is_system = util::json_bool(d, "is_system", false);
    v.enforce_policies = util::json_bool(d, "enforce_policies", false);
    auto dialect = util::json_string(d, "token_dialect", "access_token");
    if (dialect == "access_token_authz")
        v.token_dialect = TokenDialect::access_token_authz;
    else if (dialect == "rfc9068_profile")
        v.token_dialect = TokenDialect::rfc9068_profile;
    else if (dialect == "rfc9068_profile_authz")
        v.token_dialect = TokenDialect::rfc9068_profile_authz;
    return v;
}

ConnectionView connection_view(const store::Connection& c) {
    ConnectionView v;
    v.record = c;
    v.display_name = util::json_string(c.doc, "display_name", c.name);
    for (auto& id : util::json_strings(c.doc, "enabled_clients")) v.enabled_clients.insert(std::move(id));
    if (auto* options = util::json_object(c.doc, "options"))
        v.signup_allowed = !util::json_bool(*options, "disable_signup", false);
    return v;
}

TenantSettingsView tenant_settings_view(const boost::json::object& doc) {
    TenantSettingsView v;
    v.default_audience = util::json_string(doc, "default_audience");
    v.default_directory = util::json_string(doc, "default_directory");
    // Auth0 keeps the lifetimes in hours, possibly fractional (when set in minutes).
    auto seconds = [&](std::string_view key) -> std::int64_t {
        auto it = doc.find(key);
        if (it == doc.end() || !it->value().is_number()) return 0;
        return static_cast<std::int64_t>(it->value().to_number<double>() * 3600);
    };
    v.session_lifetime = seconds("session_lifetime");
    v.idle_session_lifetime = seconds("idle_session_lifetime");
    v.allow_organization_name_in_authentication_api =
        util::json_bool(doc, "allow_organization_name_in_authentication_api", false);
    return v;
}

Catalog::Catalog(store::Store& store, const TenantConfig& config) : store_(store), config_(config) {}

void Catalog::invalidate() {
    std::unique_lock lock(mutex_);
    version_ = -1;
    ++generation_;
    clients_.clear();
    apis_.clear();
    grants_.clear();
    connections_.reset();
    keys_.reset();
    settings_.reset();
    origins_.reset();
}

void Catalog::refresh_if_stale() {
    auto now = steady_ns();
    auto due = next_check_ns_.load(std::memory_order_relaxed);
    if (now < due || !next_check_ns_.compare_exchange_strong(due, now + kCheckIntervalNs)) return;
    auto version = store_.config_version();
    if (!version) return;  // keep serving what we have; the store logged the failure
    std::unique_lock lock(mutex_);
    if (*version == version_) return;
    version_ = *version;
    ++generation_;
    clients_.clear();
    apis_.clear();
    grants_.clear();
    connections_.reset();
    keys_.reset();
    origins_.reset();
}

template <class View, class Load>
std::shared_ptr<const View> Catalog::read_through(std::unordered_map<std::string, std::shared_ptr<const View>>& cache,
                                                  const std::string& key, Load load) {
    refresh_if_stale();
    std::uint64_t generation;
    {
        std::shared_lock lock(mutex_);
        if (auto it = cache.find(key); it != cache.end()) return it->second;
        generation = generation_;
    }
    std::optional<View> loaded = load();
    if (!loaded) return nullptr;  // unknown ids are not cached (see the class comment)
    auto view = std::make_shared<const View>(std::move(*loaded));
    std::unique_lock lock(mutex_);
    // Dropped while we read: what we read may predate the write that dropped it, so serve it once
    // but do not cache it.
    if (generation == generation_) cache[key] = view;
    return view;
}

std::shared_ptr<const ClientView> Catalog::client(std::string_view client_id) {
    return read_through(clients_, std::string(client_id), [&]() -> std::optional<ClientView> {
        auto found = store_.get_client(client_id);
        if (!found) return std::nullopt;
        auto view = client_view(*found);
        // Once per load (the view is cached): the operator should fix these through the API.
        for (const auto& ignored : view.ignored_urls)
            spdlog::warn("client {}: ignoring the registered URL {}", view.client_id, ignored);
        return view;
    });
}

std::string Catalog::api_key(std::string_view audience) const {
    std::string key(audience);
    // Auth0's Node SDK asks for https://<domain>/api/v2/ even when the issuer is http://.
    if (config_.issuer.starts_with("http://") && key == "https://" + config_.issuer.substr(7) + "api/v2/")
        key = config_.management_audience();
    return key;
}

std::shared_ptr<const ApiView> Catalog::api(std::string_view audience) {
    std::string key = api_key(audience);
    return read_through(apis_, key, [&]() -> std::optional<ApiView> {
        auto found = store_.get_resource_server_by_identifier(key);
        if (!found) return std::nullopt;
        return api_view(*found);
    });
}

std::shared_ptr<const store::ClientGrant> Catalog::client_grant(std::string_view client_id, std::string_view audience) {
    return read_through(grants_, std::string(client_id) + '\n' + std::string(audience),
                        [&]() -> std::optional<store::ClientGrant> {
                            auto found = store_.find_client_grant(client_id, audience);
                            if (!found) return std::nullopt;
                            return std::move(*found);
                        });
}

template <class T, class Load>
std::shared_ptr<const T> Catalog::read_through(std::shared_ptr<const T>& slot, Load load) {
    refresh_if_stale();
    std::uint64_t generation;
    {
        std::shared_lock lock(mutex_);
        if (slot) return slot;
        generation = generation_;
    }
    std::optional<T> loaded = load();
    if (!loaded) return std::make_shared<const T>();  // the store failed: answer empty, try again next time
    auto value = std::make_shared<const T>(std::move(*loaded));
    std::unique_lock lock(mutex_);
    if (generation == generation_) slot = value;
    return value;
}

std::vector<std::shared_ptr<const ConnectionView>> Catalog::connections() {
    using List = std::vector<std::shared_ptr<const ConnectionView>>;
    return *read_through(connections_, [&]() -> std::optional<List> {
        auto page = store_.list_connections(store::Page{0, 100000}, {}, {});
        if (!page) return std::nullopt;
        List list;
        for (auto c : page->items) {
            // Federation needs the upstream secret in clear; one that does not open is dropped, so
            // the token request fails with the provider's invalid_client instead of sending ciphertext.
            if (auto* options = c.doc.if_contains("options"); options && options->is_object())
                if (!connections::unseal_option_secrets(options->get_object(), config_.sealing_key)) {
                    spdlog::error("connection {}: its sealed client_secret does not open with this master key", c.name);
                    options->get_object().erase("client_secret");
                }
            list.push_back(std::make_shared<const ConnectionView>(connection_view(c)));
        }
        return list;
    });
}

std::shared_ptr<const ConnectionView> Catalog::connection(std::string_view name) {
    for (auto& c : connections())
        if (c->name() == name) return c;
    return nullptr;
}

std::shared_ptr<const SigningKeys> Catalog::keys() {
    return read_through(keys_, [&] { return load_keys(); });
}

std::shared_ptr<const TenantSettingsView> Catalog::settings() {
    return read_through(settings_, [&]() -> std::optional<TenantSettingsView> {
        auto found = store_.get_tenant_settings();
        if (!found) return std::nullopt;
        return tenant_settings_view(found->doc);
    });
}

std::shared_ptr<const SigningKeys> Catalog::cached_keys() {
    if (steady_ns() >= next_check_ns_.load(std::memory_order_relaxed)) return nullptr;
    std::shared_lock lock(mutex_);
    return keys_;
}

bool Catalog::client_credentials_cached(std::string_view client_id, std::string_view audience) {
    // The request runs for about a millisecond after this answer; the margin keeps its lookups
    // ahead of the next version check, which would read the store.
    constexpr std::int64_t kMarginNs = 20'000'000;
    if (steady_ns() + kMarginNs >= next_check_ns_.load(std::memory_order_relaxed)) return false;
    auto key = api_key(audience);
    std::shared_lock lock(mutex_);
    auto api = apis_.find(key);
    return keys_ && clients_.contains(std::string(client_id)) && api != apis_.end() &&
           grants_.contains(std::string(client_id) + '\n' + api->second->identifier);
}

bool Catalog::any_client_allows_origin(std::string_view origin) {
    auto origins = read_through(origins_, [&]() -> std::optional<KnownOrigins> {
        auto page = store_.list_clients(store::Page{0, 100000});
        if (!page) return std::nullopt;
        KnownOrigins known;
        for (const auto& c : page->items) {
            auto view = client_view(c);
            for (const auto* list : {&view.web_origins, &view.allowed_origins, &view.callbacks})
                for (const auto& url : *list)
                    if (auto o = util::origin_of(url); o && o->find('*') != std::string::npos)
                        known.wildcards.push_back(std::move(*o));
                    else if (o)
                        known.exact.insert(std::move(*o));
        }
        return known;
    });
    if (origins->exact.contains(std::string(origin))) return true;
    return std::any_of(origins->wildcards.begin(), origins->wildcards.end(),
                       [&](const auto& pattern) { return util::origin_matches(pattern, origin); });
}

std::optional<SigningKeys> Catalog::load_keys() {
    std::optional<SigningKeys> keys(std::in_place);
    auto rows = store_.list_keys(util::unix_now());
    if (!rows) return std::nullopt;
    boost::json::array jwks;
    for (const auto& row : *rows) {
        boost::system::error_code ec;
        auto jwk = boost::json::parse(row.public_jwk, ec);
        if (ec || !jwk.is_object()) {
            spdlog::error("signing key {}: unreadable public JWK", row.kid);
            continue;
        }
        if (auto pub = jose::PublicKey::from_jwk(jwk.get_object())) keys->verifiers.add(std::move(*pub));
        jwks.push_back(jwk);
        if (row.retired_at != 0) continue;
        auto pem = jose::unseal(row.private_key, config_.sealing_key);
        if (!pem) {
            spdlog::error("signing key {}: cannot decrypt the private key (wrong master key?)", row.kid);
            continue;
        }
        auto alg = jose::parse_alg(row.alg);
        auto priv = jose::PrivateKey::from_pem(*pem, row.kid);
        if (!alg || !priv) {
            spdlog::error("signing key {}: unusable private key", row.kid);
            continue;
        }
        // list_keys is newest first: the first active key of an algorithm signs.
        keys->signers.try_emplace(*alg, std::make_shared<const jose::PrivateKey>(std::move(*priv)));
    }
    keys->jwks_json = boost::json::serialize(boost::json::object{{"keys", std::move(jwks)}});
    return keys;
}

}  // namespace gatehouse::oauth
