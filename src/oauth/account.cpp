#include "oauth/account.hpp"

#include "connections/database.hpp"
#include "connections/password.hpp"
#include "email/tickets.hpp"
#include "util/json.hpp"
#include "util/url.hpp"
#include "util/util.hpp"

#include <spdlog/spdlog.h>

#include <array>

namespace gatehouse::oauth {
namespace {

namespace json = boost::json;

// The profile fields /dbconnections/signup accepts beside email and password (Auth0's list).
constexpr std::array<std::string_view, 6> kSignupProfile = {"username", "given_name", "family_name",
                                                            "name",     "nickname",   "picture"};
constexpr std::size_t kMaxProfileField = 300;

const ErrorPage kTicketInvalid{400, "Link expired",
                               "This link has expired or was already used. Ask for a new one and use the newest "
                               "link you received."};

// A string member, absent or invalid: the error names the member, never its value.
oauth_result<std::string> required_string(const json::object& body, std::string_view key) {
    const auto* v = body.if_contains(key);
    if (!v || (v->is_string() && v->get_string().empty()))
        return make_error(oauth_errc::invalid_request, "Missing required parameter: " + std::string(key));
    if (!v->is_string())
        return make_error(oauth_errc::invalid_request, "Parameter '" + std::string(key) + "' must be a string");
    return std::string(v->get_string());
}

// The client and the database connection of a /dbconnections request: the client must exist and
// the connection must be a database connection enabled for it.
oauth_result<std::shared_ptr<const ConnectionView>> database_for(Catalog& catalog, const json::object& body,
                                                                 std::string& client_name) {
    auto client_id = required_string(body, "client_id");
    if (!client_id) return client_id.error();
    auto name = required_string(body, "connection");
    if (!name) return name.error();
    auto client = catalog.client(*client_id);
    if (!client) return make_error(oauth_errc::invalid_request, "Unknown client");
    auto connection = catalog.connection(*name);
    if (!connection || connection->strategy() != "auth0")
        return make_error(oauth_errc::invalid_request, "Unknown database connection");
    if (!connection->enabled_for(*client_id))
        return make_error(oauth_errc::invalid_request, "The connection is not enabled for this client");
    client_name = client->name;
    return connection;
}

OAuthError weak_password(std::string_view password) {
    auto error = make_error(oauth_errc::invalid_password);
    // Auth0's PasswordStrengthError, which auth0.js and Lock read (description.rules, policy).
    error.extra = json::object{{"name", "PasswordStrengthError"},
                               {"message", error.description},
                               {"code", "invalid_password"},
                               {"description", connections::password_policy_report(password)},
                               {"policy", connections::password_policy_text()},
                               {"statusCode", 400}};
    return error;
}

// A ticket proves control of the address it was sent to: once the user's email changed, the links
// sent to the old address no longer work.
bool addressed_to(const store::UserTicket& ticket, const store::User& user) {
    auto email = util::json_string(ticket.doc, "email");
    return email.empty() || email == user.email;
}

std::string ticket_result(const store::UserTicket& ticket) {
    auto url = util::json_string(ticket.doc, "result_url");
    // Only the URL stored with the ticket (by an operator), and only while it is a valid one.
    if (url.empty() || util::registered_url_problem(url, util::RegisteredUrl::login)) return {};
    return util::append_params(url, {{"success", "true"}});
}

}  // namespace

AccountService::AccountService(Catalog& catalog, store::Store& store) : catalog_(catalog), store_(store) {}

void AccountService::log(std::string_view type, std::string description, const store::User* user,
                         std::string client_id) const {
    if (!events_) return;
    auto client = client_id.empty() ? nullptr : catalog_.client(client_id);
    events_->record({.type = std::string(type),
                     .description = std::move(description),
                     .client_id = std::move(client_id),
                     .client_name = client ? client->name : std::string(),
                     .user_id = user ? user->user_id : std::string(),
                     .user_name = user ? user->email : std::string(),
                     .connection = user ? user->connection : std::string()});
}

oauth_result<json::object> AccountService::signup(const json::object& body, std::int64_t now) {
    std::string client_name;
    auto connection = database_for(catalog_, body, client_name);
    if (!connection) return connection.error();
    auto email = required_string(body, "email");
    if (!email) return email.error();
    auto password = required_string(body, "password");
    if (!password) return password.error();
    json::object profile;
    for (auto key : kSignupProfile) {
        const auto* v = body.if_contains(key);
        if (!v || v->is_null()) continue;
        if (!v->is_string() || v->get_string().empty() || v->get_string().size() > kMaxProfileField)
            return make_error(oauth_errc::invalid_request,
                              "Parameter '" + std::string(key) + "' must be a string of 1 to 300 characters");
        profile[key] = *v;
    }
    if (const auto* m = body.if_contains("user_metadata"); m && !m->is_null()) {
        if (!m->is_object())
            return make_error(oauth_errc::invalid_request, "Parameter 'user_metadata' must be an object");
        profile["user_metadata"] = *m;
    }
    if (!(*connection)->signup_allowed) return make_error(oauth_errc::operation_not_allowed);
    if (!connections::valid_email(*email))
        return make_error(oauth_errc::invalid_request, "Parameter 'email' must be an email address");
    if (connections::check_password_policy(*password)) return weak_password(*password);

    connections::DatabaseConnection database(store_, (*connection)->name());
    auto user = database.signup(*email, *password, profile);
    if (!user) {
        // Auth0's answer for an existing user (auth0-apps.md §3); the per-address limit of
        // /dbconnections bounds how fast anyone can ask (docs/security.md).
        log("fs",
            user.error() == connections::connection_errc::user_exists ? "The user already exists" : "Signup failed",
            nullptr, util::json_string(body, "client_id"));
        if (user.error() == connections::connection_errc::user_exists)
            return make_error(oauth_errc::invalid_signup, "The user already exists");
        return make_error(oauth_errc::server_error, {}, user.error().message());
    }
    log("ss", "Successful signup", &*user, util::json_string(body, "client_id"));
    send_verification_mail(catalog_, store_, *user, util::json_string(body, "client_id"), now);

    json::object answer{
        {"_id", user->user_id.substr(user->user_id.find('|') + 1)}, {"email", user->email}, {"email_verified", false}};
    for (const auto& [k, v] : profile) answer[k] = v;
    return answer;
}

oauth_result<PasswordResetRequest> AccountService::check_password_reset(const json::object& body) {
    PasswordResetRequest request;
    auto connection = database_for(catalog_, body, request.client_name);
    if (!connection) return connection.error();
    auto email = required_string(body, "email");
    if (!email) return email.error();
    request.client_id = util::json_string(body, "client_id");
    request.connection = (*connection)->name();
    request.email = connections::lower_ascii(*email);
    return request;
}

void AccountService::send_password_reset(const PasswordResetRequest& request, std::int64_t now) {
    auto user = store_.find_user_by_email(request.connection, request.email);
    if (!user) {
        if (user.error() != store::store_errc::not_found)
            spdlog::error("password reset: cannot read the user: {}", user.error().message());
        return;
    }
    auto sent = email::send_ticket_mail(store_, catalog_.config().issuer, "reset_email", *user, request.client_id,
                                        request.client_name, now);
    if (!sent) spdlog::error("password reset: cannot queue the mail: {}", sent.error().message());
    log("scpr", "Successful change password request", &*user, request.client_id);
}

void send_verification_mail(Catalog& catalog, store::Store& store, const store::User& user, std::string_view client_id,
                            std::int64_t now) {
    auto client = client_id.empty() ? nullptr : catalog.client(client_id);
    auto sent = email::send_ticket_mail(store, catalog.config().issuer, "verify_email", user, client_id,
                                        client ? client->name : std::string(), now);
    if (!sent) spdlog::error("email verification: cannot queue the mail: {}", sent.error().message());
}

// The form's CSRF token is bound to the ticket and to the browser that opened the link: a page of
// another site can neither read it nor compute it without the browser-binding cookie's value.
std::string AccountService::csrf_token(std::string_view ticket_hash, std::string_view browser_id) const {
    return util::hash_secret(browser_id, "reset-password:" + std::string(ticket_hash));
}

std::variant<ResetForm, ErrorPage> AccountService::reset_form(std::string_view ticket, std::string_view browser_id,
                                                              std::int64_t now) {
    auto hash = email::ticket_hash(ticket);
    auto found = store_.get_ticket(hash, now);
    if (!found || found->kind != email::kPasswordChangeTicket) return kTicketInvalid;
    auto user = store_.get_user(found->user_id);
    if (!user || !addressed_to(*found, *user)) return kTicketInvalid;
    return ResetForm{std::string(ticket), csrf_token(hash, browser_id), user->email, {}};
}

ResetOutcome AccountService::submit_reset(const util::Params& form, std::string_view browser_id, std::int64_t now) {
    auto ticket = form.get("ticket");
    auto hash = email::ticket_hash(ticket);
    auto found = store_.get_ticket(hash, now);
    if (!found || found->kind != email::kPasswordChangeTicket) return kTicketInvalid;
    if (browser_id.empty() || !util::constant_time_equal(form.get("csrf"), csrf_token(hash, browser_id)))
        return ErrorPage{403, "Invalid form",
                         "The form could not be verified (it was submitted from another browser or page). Open "
                         "the link from your email again."};
    auto user = store_.get_user(found->user_id);
    if (!user || !addressed_to(*found, *user)) return kTicketInvalid;

    ResetForm again{ticket, csrf_token(hash, browser_id), user->email, {}};
    auto password = form.get("password");
    if (auto why = connections::check_password_policy(password)) {
        again.error = *why + ".";
        log("fcp", again.error, &*user, util::json_string(found->doc, "client_id"));
        return again;
    }
    if (form.get("password_confirmation") != password) {
        again.error = "The two passwords do not match.";
        return again;
    }
    // Single use: of two submits racing, only the one that redeems the ticket writes.
    auto redeemed = store_.redeem_ticket(hash, now);
    if (!redeemed) return kTicketInvalid;

    user->password_hash = connections::hash_password(password);
    user->doc.erase("blocked");  // Auth0: a password change clears the block
    if (util::json_bool(redeemed->doc, "mark_email_as_verified", false)) user->doc["email_verified"] = true;
    user->updated_at = now;
    const ErrorPage failed{500, "Something went wrong", "The password could not be changed. Try again later."};
    if (auto r = store_.update_user(*user); !r) {
        spdlog::error("password reset: cannot update the user: {}", r.error().message());
        return failed;
    }
    // The old password's sessions and refresh-token families end, and so do the other reset links.
    if (!connections::end_user_access(store_, user->user_id, now) ||
        !store_.retire_user_tickets(user->user_id, email::kPasswordChangeTicket, now)) {
        spdlog::error("password reset: cannot end the user's sessions and tokens");
        return failed;
    }
    log("scp", "Successful change password", &*user, util::json_string(redeemed->doc, "client_id"));
    if (auto url = ticket_result(*redeemed); !url.empty()) return AccountRedirect{url};
    return AccountDone{"Password changed", "Your password was changed. You can now log in with the new password."};
}

VerificationOutcome AccountService::verify_email(std::string_view ticket, std::int64_t now) {
    auto hash = email::ticket_hash(ticket);
    auto found = store_.get_ticket(hash, now);
    if (!found || found->kind != email::kEmailVerificationTicket) return kTicketInvalid;
    auto redeemed = store_.redeem_ticket(hash, now);
    if (!redeemed) return kTicketInvalid;
    auto user = store_.get_user(redeemed->user_id);
    if (!user || !addressed_to(*redeemed, *user)) return kTicketInvalid;
    user->doc["email_verified"] = true;
    user->updated_at = now;
    if (auto r = store_.update_user(*user); !r) {
        spdlog::error("email verification: cannot update the user: {}", r.error().message());
        return ErrorPage{500, "Something went wrong", "Your email address could not be verified. Try again later."};
    }
    log("sv", "Successful verification email", &*user, util::json_string(redeemed->doc, "client_id"));
    if (auto url = ticket_result(*redeemed); !url.empty()) return AccountRedirect{url};
    return AccountDone{"Email verified", "Your email address was verified. You can close this window."};
}

}  // namespace gatehouse::oauth
