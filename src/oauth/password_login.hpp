// A password login against a database connection, counted against the failed-login limit
// (spec §6): shared by the hosted login page and the password grants of the token endpoint, so one
// user's guesses are counted together whichever door they come through.
#pragma once

#include "connections/database.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace gatehouse::oauth {

// Counts password guesses per user of a database connection (spec §6). An attempt is reserved
// before the password hash is compared, so of N parallel guesses with one attempt left one is
// checked; a wrong password keeps it, a right one forgets the user's failures.
class PasswordAttempts {
  public:
    virtual ~PasswordAttempts() = default;
    // Takes one attempt for `key` atomically: 0 when taken, else the seconds until one is free.
    virtual std::int64_t reserve(std::string_view key) = 0;
    // The password was right: the key's failures are forgotten.
    virtual void succeeded(std::string_view key) = 0;
    // No password was judged after all (the user is blocked, the store failed): the attempt is given back.
    virtual void give_back(std::string_view key) = 0;
};

// The key a password guess counts under: the connection and the username, lower-cased (one user
// however the name is typed).
std::string password_attempt_key(std::string_view connection, std::string_view username);

struct CountedLogin {
    std::int64_t retry_after = 0;  // > 0: over the limit, no password was checked; seconds to wait
    connections::result<store::User> user = connections::connection_errc::wrong_credentials;
    std::string found_user_id = {};  // the user the name belongs to, if any (for the tenant logs only)
};

// database.login(username, password) after reserving an attempt in `attempts` (not counted when null).
CountedLogin counted_login(PasswordAttempts* attempts, connections::DatabaseConnection& database,
                           std::string_view username, std::string_view password);

}  // namespace gatehouse::oauth
