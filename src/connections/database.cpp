#include "connections/database.hpp"

#include "connections/password.hpp"
#include "connections/user_json.hpp"
#include "util/util.hpp"

#include <algorithm>
#include <array>

namespace gatehouse::connections {

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return out;
}

store::result<void> end_user_access(store::Store& store, std::string_view user_id, std::int64_t now) {
    if (auto r = store.revoke_user_grants(user_id, now); !r) return r;
    return store.delete_user_sessions(user_id);
}

namespace {

std::size_t code_points(std::string_view text) {
    std::size_t chars = 0;
    for (char c : text)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++chars;
    return chars;
}

// Auth0's rule codes are password-sheriff's; lengthAtMost is Gatehouse's own upper bound.
struct PolicyRule {
    std::string_view code;
    std::string_view message;  // printf-style, as Auth0 sends it, with `format` beside it
    std::string_view text;
    std::size_t limit;
};
constexpr std::array<PolicyRule, 2> kPolicyRules = {{
    {"lengthAtLeast", "At least %d characters in length", "At least 8 characters in length", password_min_length},
    {"lengthAtMost", "At most %d characters in length", "At most 128 characters in length", password_max_length},
}};

}  // namespace

json::object password_policy_report(std::string_view password) {
    const bool utf8 = util::valid_utf8(password);
    const auto chars = code_points(password);
    json::array rules;
    bool all = utf8;
    for (const auto& rule : kPolicyRules) {
        bool ok = utf8 && (rule.code == "lengthAtLeast" ? chars >= rule.limit : chars <= rule.limit);
        all = all && ok;
        rules.push_back(json::object{
            {"message", rule.message}, {"format", json::array{rule.limit}}, {"code", rule.code}, {"verified", ok}});
    }
    return json::object{{"rules", std::move(rules)}, {"verified", all}};
}

std::string password_policy_text() {
    std::string out;
    for (const auto& rule : kPolicyRules) out += (out.empty() ? "* " : "\n* ") + std::string(rule.text);
    return out;
}

std::optional<std::string> check_password_policy(std::string_view password) {
    if (!util::valid_utf8(password)) return std::string("Password must be valid UTF-8");
    const auto chars = code_points(password);
    if (chars < password_min_length) return std::string("Password is too short: at least 8 characters are required");
    if (chars > password_max_length) return std::string("Password is too long: at most 128 characters are allowed");
    return std::nullopt;
}

bool valid_email(std::string_view email) {
    if (email.empty() || email.size() > 254) return false;
    auto at = email.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= email.size()) return false;
    if (email.find('@', at + 1) != std::string_view::npos) return false;
    for (char c : email)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
    auto domain = email.substr(at + 1);
    return domain.front() != '.' && domain.back() != '.';
}

std::optional<std::string> imported_user_id(std::string_view given) {
    if (given.starts_with("auth0|")) given.remove_prefix(6);
    bool printable = std::all_of(given.begin(), given.end(), [](char c) { return c > 0x20 && c < 0x7f && c != '|'; });
    if (given.empty() || given.size() > 255 || !printable) return std::nullopt;
    return std::string(given);
}

DatabaseConnection::DatabaseConnection(store::UserStore& users, std::string connection_name)
    : users_(users), name_(std::move(connection_name)) {}

result<store::User> DatabaseConnection::login(std::string_view username_or_email, std::string_view password,
                                              std::string* found_user_id) {
    auto found = find(username_or_email);
    if (!found) {
        verify_dummy_password(password);
        if (found.error() == store::store_errc::not_found) return connection_errc::wrong_credentials;
        return connection_errc::backend;
    }
    if (found_user_id) *found_user_id = found->user_id;
    if (!verify_password(found->password_hash, password)) return connection_errc::wrong_credentials;
    if (needs_rehash(found->password_hash)) {
        auto upgraded = hash_password(password);
        // Best effort: when it fails (the password changed meanwhile, or the store is busy) the
        // old hash stays and the next login tries again.
        if (users_.replace_password_hash(found->user_id, found->password_hash, upgraded))
            found->password_hash = std::move(upgraded);
    }
    if (const auto* b = found->doc.if_contains("blocked"); b && b->is_bool() && b->get_bool())
        return connection_errc::user_blocked;
    return std::move(*found);
}

store::result<store::User> DatabaseConnection::find(std::string_view username_or_email) {
    return username_or_email.find('@') != std::string_view::npos
               ? users_.find_user_by_email(name_, lower_ascii(username_or_email))
               : users_.find_user_by_username(name_, username_or_email);
}

result<store::User> DatabaseConnection::signup(std::string_view email, std::string_view password,
                                               json::object profile) {
    NewUser user;
    user.email = email;
    user.password = password;
    user.profile = std::move(profile);
    return create(std::move(user));
}

result<store::User> DatabaseConnection::create(NewUser n) {
    if (!valid_email(n.email)) return connection_errc::invalid_email;
    bool password_ok = n.without_password        ? n.password.empty() && n.password_hash.empty()
                       : n.password_hash.empty() ? !check_password_policy(n.password)
                                                 : n.password.empty() && is_bcrypt_hash(n.password_hash);
    if (!password_ok) return connection_errc::invalid_password;
    store::User user;
    user.user_id = "auth0|" + (n.id.empty() ? util::random_hex(24) : n.id);
    user.connection = name_;
    user.email = lower_ascii(n.email);
    auto& profile = n.profile;
    if (const auto* u = profile.if_contains("username"); u && u->is_string()) user.username = u->get_string();
    profile.erase("username");
    user.password_hash = n.without_password || !n.password_hash.empty() ? n.password_hash : hash_password(n.password);
    user.doc = new_user_doc(user.user_id, name_, user.email, profile);
    user.created_at = user.updated_at = util::unix_now();
    if (auto r = users_.create_user(user); !r) {
        if (r.error() == store::store_errc::already_exists) return connection_errc::user_exists;
        return connection_errc::backend;
    }
    return user;
}

}  // namespace gatehouse::connections
