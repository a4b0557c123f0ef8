// The Auth0 user object (Management API §6.4) and the profile claims of ID tokens and /userinfo,
// both derived from one stored user, so the two sides never disagree on a field.
#pragma once

#include "store/model.hpp"

#include <boost/json.hpp>

#include <string>
#include <string_view>

namespace gatehouse::connections {

namespace json = boost::json;

// The stored document of a new database-connection user: email, email_verified=false, name=email,
// nickname=local part, picture (Gravatar with Auth0's initials fallback), identities and
// logins_count=0. `profile` fields (name, nickname, picture, given_name, ...) override the defaults.
json::object new_user_doc(std::string_view user_id, std::string_view connection, std::string_view email,
                          const json::object& profile);

// The Auth0 user object: user_id, email, email_verified, username, name, nickname, picture,
// given_name, family_name, created_at, updated_at, identities, user_metadata, app_metadata,
// blocked, last_login, logins_count, ... Never the password hash.
json::object user_to_json(const store::User&);

// Claims by OIDC scope: `profile` -> name, nickname, picture, updated_at (+ given_name,
// family_name when set); `email` -> email, email_verified. `sub` is the caller's.
json::object user_profile_claims(const store::User&, bool profile_scope, bool email_scope);

// "https://s.gravatar.com/avatar/<sha256>?s=480&r=pg&d=<initials png>", as Auth0 sets it.
std::string default_picture(std::string_view email);

// The identities array Auth0 returns for a user id "<provider>|<id>" of connection `connection`.
json::array default_identities(std::string_view user_id, std::string_view connection);

}  // namespace gatehouse::connections
