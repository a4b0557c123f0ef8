#include "cli/cli.hpp"

#include "cli/tenant.hpp"
#include "connections/database.hpp"
#include "connections/option_secrets.hpp"
#include "connections/upstream_client.hpp"
#include "email/email.hpp"
#include "http/endpoints/endpoints.hpp"
#include "http/server.hpp"
#include "jose/jose.hpp"
#include "mgmt/bootstrap.hpp"
#include "mgmt/bulk_jobs.hpp"
#include "mgmt/mgmt.hpp"
#include "mgmt/signing_keys.hpp"
#include "oauth/oauth.hpp"
#include "store/event_log.hpp"
#include "util/url.hpp"
#include "util/util.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/url.hpp>

#include <sys/stat.h>
#include <array>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

namespace gatehouse::cli {
namespace {

struct ServeOptions {
    std::string listen = "127.0.0.1:8080";
    int threads = 0;  // 0 = one per core
    std::string tls_cert, tls_key;
    std::string log_level = "info";
    http::RateLimits limits;  // defaults in http/endpoints/rate_limits.hpp
    bool no_rate_limits = false;
    std::string trusted_proxies;
    std::string proxy_headers = "xforwarded";
    bool allow_private_upstreams = false;
    int log_retention_days = 30;  // tenant logs (and sent mail) older than this are purged
    bool no_tenant_logs = false;
};

struct InitOptions {
    bool demo = false;
    std::vector<std::string> demo_callbacks;
};

struct PkceOptions {
    std::string client_id, redirect_uri, audience, connection;
    std::string scope = "openid profile email offline_access";
};

struct UserAddOptions {
    std::string email, password;
    std::string connection{mgmt::default_database_connection};
};

// The request-rate limits of `serve`: one flag and one GATEHOUSE_* variable each.
struct RateLimitFlag {
    const char* flag;
    const char* env;
    http::RateLimits::Limit http::RateLimits::*limit;
    const char* what;
};
constexpr std::array<RateLimitFlag, 7> kRateLimitFlags = {{
    {"--authorize-rate-limit", "GATEHOUSE_AUTHORIZE_RATE_LIMIT", &http::RateLimits::authorize,
     "GET /authorize per client address (IPv6: per /64)"},
    {"--login-page-rate-limit", "GATEHOUSE_LOGIN_PAGE_RATE_LIMIT", &http::RateLimits::login_page,
     "Login and sign-up pages and /u/connection per client address"},
    {"--login-rate-limit", "GATEHOUSE_LOGIN_RATE_LIMIT", &http::RateLimits::login_post,
     "Login and sign-up form posts per client address"},
    {"--failed-login-limit", "GATEHOUSE_FAILED_LOGIN_LIMIT", &http::RateLimits::failed_logins_per_user,
     "Wrong passwords per user of a database connection"},
    {"--callback-rate-limit", "GATEHOUSE_CALLBACK_RATE_LIMIT", &http::RateLimits::login_callback,
     "GET /login/callback (upstream providers' answers) per client address"},
    {"--token-ip-rate-limit", "GATEHOUSE_TOKEN_IP_RATE_LIMIT", &http::RateLimits::token,
     "/oauth/token and /oauth/revoke per client address"},
    {"--token-rate-limit", "GATEHOUSE_TOKEN_RATE_LIMIT", &http::RateLimits::token_per_client,
     "Token requests per client_id"},
}};

// A request-rate limit as a serve flag with its GATEHOUSE_* twin, written RATE[/s|/min|/h][,BURST].
void add_rate_limit(CLI::App& command, const std::string& flag, const std::string& env, http::RateLimits::Limit& limit,
                    const std::string& what) {
    command
        .add_option_function<std::string>(
            flag,
            [&limit, flag](const std::string& text) {
                auto parsed = http::parse_rate_limit(text);
                if (!parsed) throw CLI::ValidationError(flag, parsed.error().description);
                limit = *parsed;
            },
            what + " (RATE[/s|/min|/h][,BURST]; 0 = no limit)")
        ->envname(env)
        ->default_str(http::format_rate_limit(limit));
}

std::pair<std::string, std::uint16_t> split_listen(const std::string& listen) {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos) throw std::runtime_error("--listen must be host:port (got \"" + listen + "\")");
    auto host = listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    int port = -1;
    try {
        port = std::stoi(listen.substr(colon + 1));
    } catch (const std::exception&) {
    }
    if (port < 0 || port > 65535) throw std::runtime_error("--listen has an invalid port (got \"" + listen + "\")");
    return {host, std::uint16_t(port)};
}

int serve(const TenantOptions& tenant_options, const ServeOptions& options) {
    auto started = std::chrono::steady_clock::now();
    spdlog::set_level(spdlog::level::from_str(options.log_level));
    auto header = http::TrustedProxies::parse_header(options.proxy_headers);
    if (!header) throw std::runtime_error("--proxy-headers: " + header.error().description);
    auto trusted = http::TrustedProxies::parse(options.trusted_proxies, *header);
    if (!trusted) throw std::runtime_error("--trusted-proxies: " + trusted.error().description);
    auto tenant = open_tenant(tenant_options, false);
    if (!is_initialised(*tenant.store))
        throw std::runtime_error("the database " + tenant_options.db + " is not initialised: run `gatehouse init`");
    if (auto sealed = connections::seal_stored_option_secrets(*tenant.store, tenant.config.sealing_key); !sealed)
        throw std::runtime_error("could not seal the upstream secrets stored in connection options");
    else if (*sealed > 0)
        spdlog::info("sealed the upstream client secrets of {} connection(s) stored in clear", *sealed);
    if (auto added = mgmt::grant_new_management_scopes(*tenant.store, tenant.config.issuer); !added)
        throw std::runtime_error("could not add this version's Management API scopes to the tenant");
    else if (*added > 0)
        spdlog::info("added {} new Management API scope(s) to the Management API and its full-access grants", *added);
    if (auto renamed = mgmt::upgrade_management_api(*tenant.store, tenant.config.issuer); !renamed)
        throw std::runtime_error("could not read the Management API resource server");
    else if (*renamed)
        spdlog::info("renamed the Management API resource server to \"{}\"", mgmt::management_api_name);

    oauth::Catalog catalog(*tenant.store, tenant.config);
    // Outlive the services that point to them. The event log writes what is still queued when it goes.
    std::optional<store::BatchedEventLog> events;
    std::optional<http::FailedLoginLimiter> failed_logins;
    oauth::AuthorizationService authorization(catalog, *tenant.store);
    oauth::TokenService tokens(catalog, *tenant.store);
    const mgmt::Settings management_settings{tenant.config.issuer, tenant.config.secret_hash_key,
                                             tenant.config.sealing_key, token_lifetime_floor(tenant.config)};
    mgmt::ManagementApi management(*tenant.store, management_settings);
    http::Metrics metrics;
    http::Router router;
    auto threads = options.threads > 0 ? options.threads : int(std::max(1u, std::thread::hardware_concurrency()));
    boost::asio::thread_pool blocking{static_cast<std::size_t>(threads)};
    connections::UpstreamClientOptions upstream_options;
    upstream_options.allow_private_addresses = options.allow_private_upstreams;
    if (options.allow_private_upstreams)
        spdlog::warn("--allow-private-upstreams: connections may reach loopback and private addresses");
    connections::UpstreamClient upstream(upstream_options);  // federation's; its sockets live on the blocking pool
    oauth::FederationService federation(catalog, *tenant.store, authorization, upstream);
    authorization.set_upstream_starter(&federation);
    oauth::AccountService accounts(catalog, *tenant.store);
    if (options.no_tenant_logs) {
        spdlog::info("tenant logs are off (--no-tenant-logs): GET /api/v2/logs shows no new events");
    } else {
        events.emplace(*tenant.store, store::BatchedEventLog::Options{});
        authorization.set_event_log(&*events);
        tokens.set_event_log(&*events);
        management.set_event_log(&*events);
        accounts.set_event_log(&*events);
    }
    http::Services services{catalog, authorization, tokens, management, metrics, blocking, &federation, &accounts};
    services.limits = options.limits;
    services.limits.enabled = !options.no_rate_limits;
    if (services.limits.enabled && services.limits.failed_logins_per_user) {
        // One limit for both doors: the hosted login page and the password grants.
        authorization.set_password_attempts(&failed_logins.emplace(*services.limits.failed_logins_per_user));
        tokens.set_password_attempts(&*failed_logins);
    } else if (!services.limits.enabled)
        spdlog::info("request-rate limits are off (--no-rate-limits); size limits still hold");
    http::register_endpoints(router, services);
    if (catalog.keys()->signers.empty()) throw std::runtime_error("no usable signing key (wrong master key?)");

    http::ServerOptions server_options;
    std::tie(server_options.host, server_options.port) = split_listen(options.listen);
    server_options.threads =
        options.threads > 0 ? options.threads : int(std::max(1u, std::thread::hardware_concurrency()));
    server_options.large_body_rejection = mgmt::render_error(mgmt::make_error(mgmt::mgmt_errc::payload_too_large)).body;
    server_options.tls_cert_file = options.tls_cert;
    server_options.tls_key_file = options.tls_key;
    server_options.trusted_proxies = std::move(*trusted);
    http::Server server(server_options, router, metrics);

    // Pending mail is in the store: the worker drains what a previous run (or another instance) left.
    email::WorkerOptions mail_options;
    mail_options.sealing_key = tenant.config.sealing_key;
    mail_options.allow_private_hosts = options.allow_private_upstreams;
    if (const char* base = std::getenv("GATEHOUSE_MAIL_RETRY_BASE_MS"))  // tests: retry within seconds
        mail_options.retry_base = std::chrono::milliseconds(std::max(1L, std::atol(base)));
    email::MailWorker mail_worker(*tenant.store, mail_options);
    mail_worker.start();
    // Bulk user imports and exports (POST /api/v2/jobs/users-*), off the request path.
    mgmt::JobWorkerOptions job_options;
    if (const char* poll = std::getenv("GATEHOUSE_JOB_POLL_MS"))  // tests: hold jobs pending across a restart
        job_options.poll_interval = std::chrono::milliseconds(std::max(1L, std::atol(poll)));
    mgmt::JobWorker job_worker(*tenant.store, management_settings, job_options);
    job_worker.start();

    // Expired codes, sessions and interactions are dropped in the background, off the request path;
    // so are tenant logs and finished mail past the retention.
    std::mutex purge_mutex;
    std::condition_variable purge_wake;
    bool stopping = false;
    std::thread purger([&] {
        std::unique_lock lock(purge_mutex);
        while (!purge_wake.wait_for(lock, std::chrono::seconds(60), [&] { return stopping; })) {
            auto now = util::unix_now();
            if (auto removed = tenant.store->purge_expired(now); removed && *removed > 0)
                spdlog::debug("purged {} expired rows", *removed);
            const std::int64_t retention = std::int64_t{options.log_retention_days} * 86400;
            if (auto removed = tenant.store->purge_history((now - retention) * 1000, now - retention);
                removed && *removed > 0)
                spdlog::debug("purged {} log events and finished mails older than {} days", *removed,
                              options.log_retention_days);
        }
    });

    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    spdlog::info("gatehouse listening on {}://{}:{} issuer={} threads={} startup_ms={}",
                 options.tls_cert.empty() ? "http" : "https", server_options.host, server.port(), tenant.config.issuer,
                 server_options.threads, ms);
    server.run();
    upstream.close_idle();  // pooled sockets belong to the blocking pool: close them before it goes
    {
        std::lock_guard lock(purge_mutex);
        stopping = true;
    }
    purge_wake.notify_all();
    purger.join();
    job_worker.stop();
    mail_worker.stop();
    blocking.join();
    spdlog::info("gatehouse stopped");
    return 0;
}

// Queues one mail from a template, for checking an email provider (and, in tests, the queue).
int email_send(const TenantOptions& tenant_options, const std::string& to, const std::string& template_name) {
    auto tenant = open_tenant(tenant_options, false);
    if (!email::is_template_name(template_name)) throw std::runtime_error("unknown email template " + template_name);
    // The user's profile (name, ...) fills the template when the recipient is a user.
    boost::json::object user{{"email", to}};
    if (auto users = tenant.store->list_users(store::Page{0, 1}, to); users && !users->items.empty()) {
        user = users->items.front().doc;
        user["email"] = users->items.front().email;
    }
    boost::json::object context{{"url", tenant.config.issuer},
                                {"application", boost::json::object{{"name", "Gatehouse"}}},
                                {"user", std::move(user)}};
    auto id = email::queue_mail(*tenant.store, {template_name, to, std::move(context)});
    if (!id) throw std::runtime_error("cannot queue the mail: " + id.error().message());
    std::cout << (id->empty() ? std::string("the template is disabled: nothing queued") : *id) << "\n";
    return 0;
}

int init(const TenantOptions& tenant_options, const InitOptions& options) {
    auto tenant = open_tenant(tenant_options, true);
    auto& store = *tenant.store;
    if (is_initialised(store)) {
        std::cout << "Gatehouse is already initialised in " << tenant_options.db << ": nothing changed.\n";
        return 0;
    }
    auto demo_callbacks = options.demo_callbacks;
    if (options.demo && demo_callbacks.empty())
        demo_callbacks = {tenant.config.issuer + "demo/callback", "http://localhost:3000/callback"};
    // The demo SPA is a client like any other: its callbacks follow the Management API's rules.
    // Checked before anything is written.
    for (const auto& callback : demo_callbacks)
        if (auto problem = util::registered_url_problem(callback, util::RegisteredUrl::callback))
            throw std::runtime_error("demo callback " + callback + ": " + *problem +
                                     " (set it with --demo-callback; the default derives from --issuer)");
    for (auto alg : {"RS256", "ES256", "EdDSA"})
        if (auto r = store.add_key(mgmt::new_signing_key(tenant.config.sealing_key, alg)); !r)
            throw std::runtime_error(std::string("cannot store signing key: ") + r.error().message());

    mgmt::BootstrapOptions bootstrap;
    bootstrap.issuer = tenant.config.issuer;
    bootstrap.secret_hash_key = tenant.config.secret_hash_key;
    const char* env_id = std::getenv("GATEHOUSE_BOOTSTRAP_CLIENT_ID");
    const char* env_secret = std::getenv("GATEHOUSE_BOOTSTRAP_CLIENT_SECRET");
    if (env_id) bootstrap.mgmt_client_id = env_id;
    if (env_secret) bootstrap.mgmt_client_secret = env_secret;
    bootstrap.demo = options.demo;
    bootstrap.demo_callbacks = std::move(demo_callbacks);
    auto created = mgmt::bootstrap_tenant(store, bootstrap);
    if (!created) throw std::runtime_error("cannot initialise the tenant: " + created.error().message());

    std::string demo_password;
    if (options.demo) {
        (void)store.set_meta("demo_client_id", created->demo_client_id);
        connections::DatabaseConnection database(store, std::string(mgmt::default_database_connection));
        demo_password = util::random_alnum(16);
        if (auto user = database.signup("demo@example.com", demo_password, {}); !user)
            throw std::runtime_error("cannot create the demo user: " + user.error().message());
    }
    (void)store.set_meta("initialised_at", util::iso8601_ms(util::unix_now_ms()));

    std::cout << "Gatehouse initialised in " << tenant_options.db << "\n"
              << "  issuer                      " << tenant.config.issuer << "\n"
              << "  Management API audience     " << created->api_identifier << "\n"
              << "  management client_id        " << created->mgmt_client_id << "\n";
    if (env_secret)
        std::cout << "  management client_secret    (from GATEHOUSE_BOOTSTRAP_CLIENT_SECRET)\n";
    else
        std::cout << "  management client_secret    " << created->mgmt_client_secret
                  << "\n                              (shown once: store it now)\n";
    if (options.demo)
        std::cout << "  demo SPA client_id          " << created->demo_client_id << "\n"
                  << "  demo user                   demo@example.com\n"
                  << "  demo user password          " << demo_password << "  (shown once)\n";
    return 0;
}

// Steps 1-2 of a PKCE login (verifier, S256 challenge) need no tenant; step 3 (the authorize URL)
// needs a client with a callback, so without one it says how to get there instead. Never creates
// the database.
int pkce(const TenantOptions& tenant_options, PkceOptions options) {
    // RFC 7636 §4.1: 32 random octets, base64url -> a 43-character verifier.
    auto verifier = util::random_token(32);
    auto challenge = oauth::s256_challenge(verifier);
    std::cout << "code_verifier   " << verifier << "\n"
              << "code_challenge  " << challenge << "  (S256)\n";
    auto no_url = [](const std::string& why) {
        std::cout << "authorize URL   (not built: " << why << ")\n";
        return 0;
    };
    if (!database_exists(tenant_options))
        return no_url(
            "no tenant database yet; run `gatehouse init`, create a client, then `gatehouse pkce "
            "--client-id <id>`");
    auto store = store::open_store(tenant_options.db, 1);
    const std::string no_client =
        "this tenant has no demo client; create one through the Management API (POST /api/v2/clients with "
        "callbacks) and pass --client-id <id>";
    bool demo_client = options.client_id.empty();
    if (demo_client) {
        auto demo = store->get_meta("demo_client_id");
        if (!demo || !demo->has_value()) return no_url(no_client);
        options.client_id = **demo;
    }
    auto client = store->get_client(options.client_id);
    if (!client && demo_client) return no_url(no_client);  // the demo client was deleted
    if (!client) throw std::runtime_error("no client has the id " + options.client_id);
    if (options.redirect_uri.empty()) {
        auto* callbacks = client->doc.if_contains("callbacks");
        if (!callbacks || !callbacks->is_array() || callbacks->get_array().empty() ||
            !callbacks->get_array().front().is_string())
            throw std::runtime_error("the client has no callback URL: pass --redirect-uri");
        options.redirect_uri = std::string(callbacks->get_array().front().get_string());
    }
    auto state = util::random_token(16);
    std::vector<std::pair<std::string, std::string>> params = {{"response_type", "code"},
                                                               {"client_id", options.client_id},
                                                               {"redirect_uri", options.redirect_uri},
                                                               {"scope", options.scope},
                                                               {"state", state},
                                                               {"nonce", util::random_token(16)},
                                                               {"code_challenge", challenge},
                                                               {"code_challenge_method", "S256"}};
    if (!options.audience.empty()) params.emplace_back("audience", options.audience);
    if (!options.connection.empty()) params.emplace_back("connection", options.connection);
    std::cout << "state           " << state << "\n"
              << "authorize URL   " << util::append_params(tenant_options.issuer + "authorize", params) << "\n";
    return 0;
}

int user_add(const TenantOptions& tenant_options, UserAddOptions options) {
    if (options.password.empty()) {
        if (const char* env = std::getenv("GATEHOUSE_USER_PASSWORD")) options.password = env;
    }
    if (options.password.empty()) {
        std::cerr << "Password for " << options.email << ": ";
        std::getline(std::cin, options.password);
    }
    require_existing_database(tenant_options);
    auto store = store::open_store(tenant_options.db, 1);
    if (!store->get_connection_by_name(options.connection))
        throw std::runtime_error("no database connection named \"" + options.connection + "\"");
    connections::DatabaseConnection database(*store, options.connection);
    auto user = database.signup(options.email, options.password, {});
    if (!user) throw std::runtime_error("cannot add the user: " + user.error().message());
    std::cout << "created user " << user->user_id << " (" << options.email << ") in " << options.connection << "\n";
    return 0;
}

int keys_rotate(const TenantOptions& tenant_options, const std::string& alg) {
    require_existing_database(tenant_options);
    auto tenant = open_tenant(tenant_options, false);
    auto rotation =
        mgmt::rotate_signing_key(*tenant.store, tenant.config.sealing_key, alg, token_lifetime_floor(tenant.config));
    std::cout << "new " << alg << " signing key " << rotation.key.kid << "; the previous " << alg
              << " key stays in the JWKS for " << rotation.keep_seconds / 3600
              << " hours (the longest token lifetime of any API or client)\n";
    return 0;
}

int migrate(const TenantOptions& tenant_options) {
    auto store = store::open_store(tenant_options.db, 1);
    auto version = store->migrate();
    if (!version) throw std::runtime_error("migration failed: " + version.error().message());
    std::cout << "schema at version " << *version << "\n";
    return 0;
}

}  // namespace

int run(int argc, char** argv) {
    // Everything gatehouse writes (database, WAL, key files, their directory) is private to its owner.
    ::umask(077);
    // Standard output carries what commands print for people and scripts; logs go to stderr.
    spdlog::set_default_logger(spdlog::stderr_color_mt("gatehouse"));
    CLI::App app{"Gatehouse: an OAuth 2.0 / OpenID Connect server that speaks Auth0's protocol"};
    app.set_version_flag("--version", "gatehouse 0.1.0");
    app.set_config("--config", "", "Read options from a TOML/INI file")->envname("GATEHOUSE_CONFIG");
    app.require_subcommand(1);
    app.fallthrough();

    TenantOptions tenant;
    app.add_option("--db", tenant.db, "Database URL: sqlite:///path.db, a path, or postgres://...")
        ->envname("GATEHOUSE_DB")
        ->capture_default_str();
    app.add_option("--issuer", tenant.issuer, "Public base URL, with trailing slash")
        ->envname("GATEHOUSE_ISSUER")
        ->capture_default_str();
    app.add_option("--master-key-file", tenant.master_key_file,
                   "File with the key that encrypts signing keys (default: master.key beside a SQLite database; "
                   "or set GATEHOUSE_MASTER_KEY)")
        ->envname("GATEHOUSE_MASTER_KEY_FILE");
    app.add_option("--pool-size", tenant.pool_size, "Database connections (PostgreSQL)")
        ->envname("GATEHOUSE_POOL_SIZE")
        ->capture_default_str();

    ServeOptions serve_options;
    auto* serve_cmd = app.add_subcommand("serve", "Run the server");
    serve_cmd->add_option("--listen", serve_options.listen, "host:port to listen on")
        ->envname("GATEHOUSE_LISTEN")
        ->capture_default_str();
    serve_cmd->add_option("--threads", serve_options.threads, "I/O threads (default: one per core)")
        ->envname("GATEHOUSE_THREADS")
        ->check(CLI::Range(0, 256));
    serve_cmd->add_option("--tls-cert", serve_options.tls_cert, "PEM certificate chain (enables TLS)")
        ->envname("GATEHOUSE_TLS_CERT");
    serve_cmd->add_option("--tls-key", serve_options.tls_key, "PEM private key for --tls-cert")
        ->envname("GATEHOUSE_TLS_KEY");
    serve_cmd->add_option("--log-level", serve_options.log_level, "trace, debug, info, warn, error, off")
        ->envname("GATEHOUSE_LOG_LEVEL")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();

    // Request-rate limits (429 + Retry-After); docs/deploying.md explains each default.
    for (const auto& [flag, env, limit, what] : kRateLimitFlags)
        add_rate_limit(*serve_cmd, flag, env, serve_options.limits.*limit, what);
    serve_cmd
        ->add_option(
            "--trusted-proxies", serve_options.trusted_proxies,
            "Reverse proxies whose X-Forwarded-For (or Forwarded) names the client, e.g. \"127.0.0.1,10.0.0.0/8\" "
            "(default: none; the TCP peer is the client)")
        ->envname("GATEHOUSE_TRUSTED_PROXIES");
    serve_cmd
        ->add_option("--proxy-headers", serve_options.proxy_headers,
                     "Which header the trusted proxies write: xforwarded (X-Forwarded-For) or forwarded (RFC 7239); "
                     "the other is ignored")
        ->envname("GATEHOUSE_PROXY_HEADERS")
        ->capture_default_str();
    serve_cmd
        ->add_flag("--no-rate-limits", serve_options.no_rate_limits,
                   "Turn every request-rate limit off (benchmarks, functional tests); size limits still hold")
        ->envname("GATEHOUSE_NO_RATE_LIMITS");
    serve_cmd
        ->add_flag("--allow-private-upstreams", serve_options.allow_private_upstreams,
                   "Let connections reach identity providers on loopback, private, link-local and other non-public "
                   "addresses (tests, single-box setups); by default only public addresses are connected to")
        ->envname("GATEHOUSE_ALLOW_PRIVATE_UPSTREAMS");
    serve_cmd
        ->add_option("--log-retention-days", serve_options.log_retention_days,
                     "Days tenant log events (GET /api/v2/logs) and sent or given-up mail are kept")
        ->envname("GATEHOUSE_LOG_RETENTION_DAYS")
        ->check(CLI::Range(1, 3650))
        ->capture_default_str();
    serve_cmd
        ->add_flag("--no-tenant-logs", serve_options.no_tenant_logs,
                   "Record no tenant log events (GET /api/v2/logs then shows only older ones)")
        ->envname("GATEHOUSE_NO_TENANT_LOGS");

    InitOptions init_options;
    auto* init_cmd = app.add_subcommand(
        "init", "Initialise a tenant: keys, Management API, management client, default database connection");
    init_cmd->add_flag("--demo", init_options.demo, "Also create a demo SPA client and a demo user");
    init_cmd->add_option("--demo-callback", init_options.demo_callbacks,
                         "Callback URL of the demo client (repeatable)");

    PkceOptions pkce_options;
    auto* pkce_cmd = app.add_subcommand("pkce", "Print a PKCE code verifier, its S256 challenge and an /authorize URL");
    pkce_cmd->add_option("--client-id", pkce_options.client_id, "Client (default: the demo client)");
    pkce_cmd->add_option("--redirect-uri", pkce_options.redirect_uri, "Callback (default: the client's first)");
    pkce_cmd->add_option("--scope", pkce_options.scope, "Scopes")->capture_default_str();
    pkce_cmd->add_option("--audience", pkce_options.audience, "API identifier");
    pkce_cmd->add_option("--connection", pkce_options.connection, "Connection name (skips the login page choice)");

    UserAddOptions user_options;
    auto* user_cmd = app.add_subcommand("user", "Manage users");
    user_cmd->require_subcommand(1);
    auto* user_add_cmd = user_cmd->add_subcommand("add", "Add a user to a database connection");
    user_add_cmd->add_option("--email", user_options.email, "Email address")->required();
    user_add_cmd->add_option("--password", user_options.password,
                             "Password (default: GATEHOUSE_USER_PASSWORD, else read from standard input)");
    user_add_cmd->add_option("--connection", user_options.connection, "Database connection")->capture_default_str();

    std::string rotate_alg = "RS256";
    auto* keys_cmd = app.add_subcommand("keys", "Manage signing keys");
    keys_cmd->require_subcommand(1);
    auto* rotate_cmd =
        keys_cmd->add_subcommand("rotate", "Make a new signing key current; the old one stays published for a while");
    rotate_cmd->add_option("--alg", rotate_alg, "RS256, ES256 or EdDSA")
        ->check(CLI::IsMember({"RS256", "ES256", "EdDSA"}))
        ->capture_default_str();

    auto* migrate_cmd = app.add_subcommand("migrate", "Apply database schema migrations");

    std::string mail_to, mail_template = "welcome_email";
    auto* email_cmd = app.add_subcommand("email", "Outgoing email");
    email_cmd->require_subcommand(1);
    auto* email_send_cmd =
        email_cmd->add_subcommand("send", "Queue one mail from a template; a running `serve` sends it");
    email_send_cmd->add_option("--to", mail_to, "Recipient address")->required();
    email_send_cmd->add_option("--template", mail_template, "Template name")->capture_default_str();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        if (serve_cmd->parsed()) return serve(tenant, serve_options);
        if (init_cmd->parsed()) return init(tenant, init_options);
        if (pkce_cmd->parsed()) return pkce(tenant, pkce_options);
        if (user_add_cmd->parsed()) return user_add(tenant, user_options);
        if (rotate_cmd->parsed()) return keys_rotate(tenant, rotate_alg);
        if (migrate_cmd->parsed()) return migrate(tenant);
        if (email_send_cmd->parsed()) return email_send(tenant, mail_to, mail_template);
    } catch (const std::exception& e) {
        std::cerr << "gatehouse: " << e.what() << "\n";
        return 1;
    }
    return 2;
}

}  // namespace gatehouse::cli
