#include "cli/tenant.hpp"

#include "jose/jose.hpp"
#include "util/util.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace gatehouse::cli {
namespace fs = std::filesystem;

namespace {

// The SQLite file a URL names, or "" for other backends (mirrors store::open_store's URL forms).
std::string sqlite_path(const std::string& url) {
    if (url.starts_with("postgres://") || url.starts_with("postgresql://") || url == "sqlite::memory:") return {};
    if (url.starts_with("sqlite://")) return url.substr(9);
    return url;
}

std::string read_master_key(const TenantOptions& options, bool create) {
    // An operator-provided secret wins; any length, stretched to the 32 bytes AES-256 needs.
    if (const char* env = std::getenv("GATEHOUSE_MASTER_KEY"); env && *env) return util::sha256(env);
    fs::path file = options.master_key_file;
    if (file.empty()) {
        auto db = sqlite_path(options.db);
        if (db.empty())
            throw std::runtime_error(
                "no master key: set GATEHOUSE_MASTER_KEY or --master-key-file (required with PostgreSQL, where "
                "there is no data directory to keep a key file in)");
        file = fs::path(db).parent_path() / "master.key";
    }
    if (fs::exists(file)) {
        std::ifstream in(file, std::ios::binary);
        std::stringstream buf;
        buf << in.rdbuf();
        auto key = util::base64url_decode(buf.str().substr(0, buf.str().find_first_of("\r\n")));
        if (!key || key->size() != 32) throw std::runtime_error("master key file " + file.string() + " is corrupt");
        return *key;
    }
    if (!create)
        throw std::runtime_error("master key file " + file.string() +
                                 " does not exist: run `gatehouse init` first (or set GATEHOUSE_MASTER_KEY)");
    if (!file.parent_path().empty()) fs::create_directories(file.parent_path());
    auto key = util::random_bytes(32);
    {
        auto old_mask = ::umask(077);
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        ::umask(old_mask);
        out << util::base64url_encode(key) << "\n";
        if (!out) throw std::runtime_error("cannot write master key file " + file.string());
    }
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    return key;
}

}  // namespace

Tenant open_tenant(const TenantOptions& options, bool create_master_key) {
    if (options.issuer.empty() || options.issuer.back() != '/' ||
        !(options.issuer.starts_with("http://") || options.issuer.starts_with("https://")))
        throw std::runtime_error(
            "--issuer must be an absolute http(s) URL ending with '/', e.g. "
            "https://id.example.com/ (got \"" +
            options.issuer + "\")");
    Tenant tenant;
    tenant.store = store::open_store(options.db, options.pool_size);
    tenant.config.issuer = options.issuer;
    tenant.config.master_key = read_master_key(options, create_master_key);
    // Derived rather than stored, so the database alone never holds what checks client secrets.
    tenant.config.secret_hash_key = util::hmac_sha256(tenant.config.master_key, "gatehouse client secret hashing v1");
    tenant.config.secure_cookies = options.issuer.starts_with("https://");
    return tenant;
}

store::SigningKey new_signing_key(const Tenant& tenant, std::string_view alg_name) {
    auto alg = jose::parse_alg(alg_name);
    if (!alg)
        throw std::runtime_error("unknown key algorithm \"" + std::string(alg_name) + "\" (use RS256, ES256 or EdDSA)");
    auto key = jose::PrivateKey::generate(*alg);
    auto sealed = jose::seal(key.to_pem(), tenant.config.master_key);
    if (!sealed) throw std::runtime_error("cannot seal private key: " + sealed.error().message());
    store::SigningKey row;
    row.kid = key.kid();
    row.alg = std::string(alg_name);
    row.private_key = *sealed;
    row.public_jwk = boost::json::serialize(key.public_jwk());
    row.created_at = util::unix_now();
    return row;
}

bool is_initialised(store::Store& store) {
    auto v = store.get_meta("initialised_at");
    return v && v->has_value();
}

}  // namespace gatehouse::cli
