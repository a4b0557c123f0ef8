#include "cli/tenant.hpp"

#include "jose/jose.hpp"
#include "store/sqlite/sqlite_connection.hpp"
#include "util/util.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace gatehouse::cli {
namespace fs = std::filesystem;

namespace {

// A directory only its owner may enter (the data directory holds the database and the master key).
void create_private_directory(const fs::path& dir) {
    if (fs::exists(dir)) return;  // the operator's own directory: its mode is theirs to choose
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
}

// The SQLite file a URL names, or "" for other backends (mirrors store::open_store's URL forms).
std::string sqlite_path(const std::string& url) {
    if (url.starts_with("postgres://") || url.starts_with("postgresql://") || url == "sqlite::memory:") return {};
    if (url.starts_with("sqlite://")) return url.substr(9);
    return url;
}

void restrict_database_files(const std::string& db_file) {
    // The database holds password hashes and sealed keys: owner-only, like the key file. SQLite
    // creates -wal and -shm with the database file's mode, and the process umask (077) covers new
    // files; existing ones from older versions are tightened here. The tenant-log file beside it
    // names users and their addresses.
    for (const auto& base : {db_file, store::sqlite::log_file_path(db_file)}) {
        for (const auto* suffix : {"", "-wal", "-shm"}) {
            std::error_code ec;
            fs::path file = base + suffix;
            if (fs::exists(file, ec))
                fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace, ec);
        }
    }
}

constexpr std::string_view kKeyDerivationMeta = "key_derivation";
constexpr std::string_view kHkdfV1 = "hkdf-sha256-v1";
constexpr std::size_t kMinMasterKeyBytes = 32;

// The master key as the operator gave it: GATEHOUSE_MASTER_KEY (base64 or base64url of at least 32
// random bytes) or the key file (base64url of 32 bytes, created by `init`, readable by its owner only).
struct MasterKey {
    std::string material;     // the decoded bytes
    std::string legacy_root;  // what tenants initialised before the HKDF hierarchy used as their key
};

std::optional<std::string> decode_master_key(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
    if (auto b64 = util::base64_decode(text)) return b64;
    return util::base64url_decode(text);
}

MasterKey read_master_key(const TenantOptions& options, bool create) {
    if (const char* env = std::getenv("GATEHOUSE_MASTER_KEY"); env && *env) {
        auto key = decode_master_key(env);
        if (!key || key->size() < kMinMasterKeyBytes)
            throw std::runtime_error(
                "GATEHOUSE_MASTER_KEY must be the base64 encoding of at least 32 random bytes (a passphrase is "
                "not a key); generate one with: openssl rand -base64 32");
        return {*key, util::sha256(env)};
    }
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
        struct stat st {};
        if (::stat(file.c_str(), &st) != 0) throw std::runtime_error("cannot stat master key file " + file.string());
        if ((st.st_mode & 077) != 0) {
            char mode[8];
            std::snprintf(mode, sizeof mode, "%04o", unsigned(st.st_mode & 07777));
            throw std::runtime_error("master key file " + file.string() + " is readable by group or others (mode " +
                                     mode + "): refusing to use it. Restrict it with: chmod 600 " + file.string());
        }
        std::ifstream in(file, std::ios::binary);
        std::stringstream buf;
        buf << in.rdbuf();
        auto key = decode_master_key(buf.str().substr(0, buf.str().find_first_of("\r\n")));
        if (!key || key->size() < kMinMasterKeyBytes)
            throw std::runtime_error("master key file " + file.string() + " is corrupt");
        return {*key, *key};
    }
    if (!create)
        throw std::runtime_error("master key file " + file.string() +
                                 " does not exist: run `gatehouse init` first (or set GATEHOUSE_MASTER_KEY)");
    if (!file.parent_path().empty()) create_private_directory(file.parent_path());
    auto key = util::random_bytes(kMinMasterKeyBytes);
    {
        auto old_mask = ::umask(077);
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        ::umask(old_mask);
        out << util::base64url_encode(key) << "\n";
        if (!out) throw std::runtime_error("cannot write master key file " + file.string());
    }
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    return {key, key};
}

// Every use of the master key gets its own key, derived with HKDF-SHA256 and a distinct label, so
// one leaked derived key reveals neither the master key nor another use's key. Tenants initialised
// before this hierarchy existed (no key_derivation meta) keep the keys they were created with, or
// their sealed signing keys and client secret hashes would no longer open.
void derive_keys(oauth::TenantConfig& config, const MasterKey& master, bool legacy) {
    if (legacy) {
        config.sealing_key = master.legacy_root;
        config.opaque_token_key = master.legacy_root;
        config.secret_hash_key = util::hmac_sha256(master.legacy_root, "gatehouse client secret hashing v1");
        return;
    }
    config.sealing_key = util::hkdf_sha256(master.material, "gatehouse v1 signing key sealing");
    config.opaque_token_key = util::hkdf_sha256(master.material, "gatehouse v1 opaque access tokens");
    config.secret_hash_key = util::hkdf_sha256(master.material, "gatehouse v1 client secret hashing");
}

}  // namespace

bool database_exists(const TenantOptions& options) {
    auto db_file = sqlite_path(options.db);
    std::error_code ec;
    return db_file.empty() || fs::exists(db_file, ec);
}

void require_existing_database(const TenantOptions& options) {
    if (!database_exists(options))
        throw std::runtime_error("no tenant database at " + sqlite_path(options.db) +
                                 " (run `gatehouse init` first, or pass --db)");
}

Tenant open_tenant(const TenantOptions& options, bool create_master_key) {
    if (options.issuer.empty() || options.issuer.back() != '/' ||
        !(options.issuer.starts_with("http://") || options.issuer.starts_with("https://")))
        throw std::runtime_error(
            "--issuer must be an absolute http(s) URL ending with '/', e.g. "
            "https://id.example.com/ (got \"" +
            options.issuer + "\")");
    auto db_file = sqlite_path(options.db);
    if (create_master_key && !db_file.empty() && !fs::path(db_file).parent_path().empty())
        create_private_directory(fs::path(db_file).parent_path());
    Tenant tenant;
    tenant.store = store::open_store(options.db, options.pool_size);
    if (!db_file.empty()) restrict_database_files(db_file);
    tenant.config.issuer = options.issuer;
    auto master = read_master_key(options, create_master_key);
    auto derivation = tenant.store->get_meta(kKeyDerivationMeta);
    if (!derivation) throw std::runtime_error("cannot read the tenant settings: " + derivation.error().message());
    bool legacy = !derivation->has_value() && is_initialised(*tenant.store);
    if (!derivation->has_value() && !legacy) {
        if (!create_master_key)
            throw std::runtime_error("the database " + options.db + " is not initialised: run `gatehouse init`");
        if (auto r = tenant.store->set_meta(kKeyDerivationMeta, kHkdfV1); !r)
            throw std::runtime_error("cannot store the tenant settings: " + r.error().message());
    } else if (derivation->has_value() && **derivation != kHkdfV1) {
        throw std::runtime_error("the database uses key derivation \"" + **derivation +
                                 "\", unknown to this version of gatehouse");
    }
    derive_keys(tenant.config, master, legacy);
    tenant.config.secure_cookies = options.issuer.starts_with("https://");
    return tenant;
}

std::int64_t token_lifetime_floor(const oauth::TenantConfig& config) {
    return std::max(config.access_token_ttl, config.id_token_ttl);
}

bool is_initialised(store::Store& store) {
    auto v = store.get_meta("initialised_at");
    return v && v->has_value();
}

}  // namespace gatehouse::cli
