#pragma once

#include "oauth/config.hpp"
#include "store/store.hpp"

#include <memory>
#include <string>

namespace gatehouse::cli {

// Options every subcommand that touches a tenant shares (flags, GATEHOUSE_* variables, config file).
struct TenantOptions {
    std::string db = "sqlite://data/gatehouse.db";
    std::string issuer = "http://127.0.0.1:8080/";
    std::string master_key_file;  // default: master.key beside a SQLite database
    int pool_size = 8;
};

// An opened, migrated store and the tenant configuration derived from the options and the master key.
struct Tenant {
    std::unique_ptr<store::Store> store;
    oauth::TenantConfig config;
};

// Opens the store (running migrations) and loads or, when `create_master_key`, creates the master
// key. Throws std::runtime_error with a message meant for the operator.
Tenant open_tenant(const TenantOptions& options, bool create_master_key);

// The longest token lifetime the tenant's defaults allow (access and ID tokens): a rotated-out
// signing key stays published at least this long.
std::int64_t token_lifetime_floor(const oauth::TenantConfig& config);

bool is_initialised(store::Store& store);

// For helpers that must not create a database as a side effect (pkce, user add, keys rotate):
// the SQLite file the options name exists (always true for PostgreSQL, whose database is the
// operator's to create).
bool database_exists(const TenantOptions& options);
// Throws, naming the file and `gatehouse init`, unless database_exists.
void require_existing_database(const TenantOptions& options);

}  // namespace gatehouse::cli
