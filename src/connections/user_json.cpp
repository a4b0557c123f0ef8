#include "connections/user_json.hpp"

#include "util/util.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <cctype>

namespace gatehouse::connections {

std::string default_picture(std::string_view email) {
    std::string lower;
    for (char c : email) lower += char(std::tolower(static_cast<unsigned char>(c)));
    std::string initials;
    for (char c : lower.substr(0, lower.find('@')))
        if (std::isalnum(static_cast<unsigned char>(c)) && initials.size() < 2) initials += c;
    if (initials.empty()) initials = "un";
    std::string fallback = "https://cdn.auth0.com/avatars/" + initials + ".png";
    // Gravatar accepts SHA-256 of the trimmed lower-cased address as well as MD5.
    return "https://s.gravatar.com/avatar/" + util::to_hex(util::sha256(lower)) +
           "?s=480&r=pg&d=" + boost::urls::encode(fallback, boost::urls::unreserved_chars);
}

json::array default_identities(std::string_view user_id, std::string_view connection) {
    auto bar = user_id.find('|');
    std::string provider(bar == std::string_view::npos ? std::string_view("auth0") : user_id.substr(0, bar));
    std::string_view id = bar == std::string_view::npos ? user_id : user_id.substr(bar + 1);
    // Ids namespaced by connection, "<strategy>|<connection>|<id>" (oauth2, oidc, and a social user whose
    // "<strategy>|<id>" another connection holds): the identity keeps the upstream id only.
    if (provider != "auth0" && id.starts_with(std::string(connection) + "|")) id.remove_prefix(connection.size() + 1);
    bool social = provider != "auth0" && provider != "oidc";
    return json::array{
        json::object{{"connection", connection}, {"user_id", id}, {"provider", provider}, {"isSocial", social}}};
}

json::object new_user_doc(std::string_view user_id, std::string_view connection, std::string_view email,
                          const json::object& profile) {
    json::object doc;
    doc["email"] = email;
    doc["email_verified"] = false;
    doc["name"] = email;
    doc["nickname"] = email.substr(0, email.find('@'));
    doc["picture"] = default_picture(email);
    for (const auto& [k, v] : profile) doc[k] = v;
    doc["identities"] = default_identities(user_id, connection);
    if (!doc.contains("logins_count")) doc["logins_count"] = 0;
    return doc;
}

json::object user_to_json(const store::User& u) {
    json::object out;
    out["user_id"] = u.user_id;
    for (const auto& [k, v] : u.doc) {
        // Credentials never leave the store through this shape.
        if (k == "password" || k == "password_hash") continue;
        out[k] = v;
    }
    if (!u.email.empty() && !out.contains("email")) out["email"] = u.email;
    if (!u.username.empty()) out["username"] = u.username;
    if (!out.contains("email_verified") && out.contains("email")) out["email_verified"] = false;
    if (!out.contains("identities")) out["identities"] = default_identities(u.user_id, u.connection);
    out["created_at"] = util::iso8601_ms(u.created_at * 1000);
    out["updated_at"] = util::iso8601_ms(u.updated_at * 1000);
    return out;
}

json::object user_profile_claims(const store::User& u, bool profile_scope, bool email_scope) {
    json::object out;
    auto copy = [&](std::string_view k) {
        if (const auto* v = u.doc.if_contains(k); v && !v->is_null()) out[k] = *v;
    };
    if (profile_scope) {
        copy("name");
        copy("nickname");
        copy("picture");
        copy("given_name");
        copy("family_name");
        out["updated_at"] = util::iso8601_ms(u.updated_at * 1000);
    }
    if (email_scope) {
        if (const auto* e = u.doc.if_contains("email"); e && e->is_string())
            out["email"] = *e;
        else if (!u.email.empty())
            out["email"] = u.email;
        if (out.contains("email")) {
            const auto* v = u.doc.if_contains("email_verified");
            out["email_verified"] = v && v->is_bool() ? v->get_bool() : false;
        }
    }
    return out;
}

}  // namespace gatehouse::connections
