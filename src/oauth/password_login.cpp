#include "oauth/password_login.hpp"

namespace gatehouse::oauth {

std::string password_attempt_key(std::string_view connection, std::string_view username) {
    return std::string(connection) + ':' + connections::lower_ascii(username);
}

CountedLogin counted_login(PasswordAttempts* attempts, connections::DatabaseConnection& database,
                           std::string_view username, std::string_view password) {
    CountedLogin out;
    const auto key = password_attempt_key(database.name(), username);
    // Reserved first, so parallel guesses cannot all pass a check none of them was counted against yet.
    if (attempts)
        if (out.retry_after = attempts->reserve(key); out.retry_after > 0) return out;
    out.user = database.login(username, password, &out.found_user_id);
    if (attempts) {
        if (out.user)
            attempts->succeeded(key);
        else if (out.user.error() != connections::connection_errc::wrong_credentials)
            attempts->give_back(key);
    }
    return out;
}

}  // namespace gatehouse::oauth
