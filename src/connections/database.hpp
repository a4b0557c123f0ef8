// The `auth0` strategy: a database connection whose users (email or username + password) are
// stored by Gatehouse itself, with argon2id password hashes and one shared password policy.
#pragma once

#include "connections/errc.hpp"
#include "store/store.hpp"

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::connections {

namespace json = boost::json;

inline constexpr std::size_t password_min_length = 8;    // characters (code points)
inline constexpr std::size_t password_max_length = 128;  // characters; bounds the hashing work too

// nullopt when `password` may be set (valid UTF-8, 8-128 characters), else why not. Used by
// signup and by the Management API (create user, change password).
std::optional<std::string> check_password_policy(std::string_view password);

// The policy as Auth0 describes it to a client that sent a refused password (the `description` of
// its PasswordStrengthError): {"rules": [{"message", "format", "code", "verified"}], "verified"}, one
// rule per limit of check_password_policy, each verified or not for `password`.
json::object password_policy_report(std::string_view password);
// The same rules as text, one "* <rule>" line each (Auth0's `policy`).
std::string password_policy_text();

// A plausible email address: one '@', non-empty local part and domain, no spaces or control
// characters, at most 254 octets.
bool valid_email(std::string_view email);

std::string lower_ascii(std::string_view s);

// Ends everything a user's past logins still hold: browser sessions, refresh-token families and
// the grants of unredeemed codes, for good (unblocking does not bring them back). Called when a
// user is blocked, changes password or is deleted.
store::result<void> end_user_access(store::Store& store, std::string_view user_id, std::int64_t now);

// The id an imported user keeps, without its "auth0|" (dropped when given, so ids copied from an
// Auth0 export work): 1 to 255 visible ASCII characters without '|'; nullopt otherwise.
std::optional<std::string> imported_user_id(std::string_view given);

// A user to create in a database connection: signup gives email and password; an import (Management
// API `user_id` / `password_hash`) may also fix the id and bring a bcrypt hash instead of a password.
struct NewUser {
    std::string id;  // without the "auth0|" prefix; empty: a new random one
    std::string email;
    std::string password;       // checked against the password policy, hashed with argon2id
    std::string password_hash;  // instead of `password`: a bcrypt hash (is_bcrypt_hash), kept as is
    // Neither: a bulk-imported user without a password, who can log in only after a reset (no hash
    // matches the empty one).
    bool without_password = false;
    json::object profile;  // as for signup
};

class DatabaseConnection {
  public:
    DatabaseConnection(store::UserStore& users, std::string connection_name);

    // The user when the password matches. Unknown user and wrong password are the same error
    // (wrong_credentials) and cost the same: exactly one argon2 verification either way. A blocked
    // user with the right password gets user_blocked, so the message can say so without telling
    // strangers which accounts exist. An input with '@' is looked up as an email, else as a username.
    // A hash that is not today's argon2id (an imported bcrypt hash) is replaced by one after the
    // password matched, unless the password changed meanwhile.
    // `found_user_id` (optional) receives the id of the user the name belongs to, whatever the
    // outcome: the tenant logs tell a wrong password (fp) from an unknown user (fu); the caller's
    // answer to the browser must not.
    result<store::User> login(std::string_view username_or_email, std::string_view password,
                              std::string* found_user_id = nullptr);

    // The user a login name belongs to (an email when it has '@', else a username); not_found.
    store::result<store::User> find(std::string_view username_or_email);

    // Creates a user (user_id auth0|<24 hex>) after the email and password policy checks.
    // `profile` may carry username, name, nickname, picture, given_name, family_name,
    // email_verified, user_metadata, app_metadata, blocked; it is stored as given.
    result<store::User> signup(std::string_view email, std::string_view password, json::object profile);
    // The same for a user brought from elsewhere (NewUser); invalid_password also for a
    // password_hash that is not bcrypt, or sent together with a password.
    result<store::User> create(NewUser user);

    const std::string& name() const noexcept { return name_; }

  private:
    store::UserStore& users_;
    std::string name_;
};

}  // namespace gatehouse::connections
