// The account endpoints of database connections, HTTP-free: Auth0's Authentication API
// `/dbconnections/signup` and `/dbconnections/change_password`, and the hosted pages that redeem
// the tickets of reset and verification mails (/u/reset-password, /u/email-verification).
// Tickets are issued by email/tickets.hpp; a password set here follows the connection's policy
// and ends the user's sessions and refresh-token families (connections::end_user_access).
#pragma once

#include "oauth/authorize.hpp"
#include "oauth/catalog.hpp"
#include "oauth/error.hpp"

#include <boost/json.hpp>

#include <string>
#include <string_view>
#include <variant>

namespace gatehouse::oauth {

// Auth0's answer to every accepted change_password request, whether the user exists or not.
inline constexpr std::string_view kChangePasswordAnswer = "We've just sent you an email to reset your password.";

// A change_password request that passed validation: who to mail, if such a user exists.
struct PasswordResetRequest {
    std::string client_id;
    std::string client_name;
    std::string connection;
    std::string email;
};

// What the hosted reset page shows.
struct ResetForm {
    std::string ticket;  // the value from the link, posted back with the form
    std::string csrf_token;
    std::string email;  // whose password is being set
    std::string error;  // a refused password: why
};

// The end of a ticket's page: the result URL of the ticket (with success=true), or Gatehouse's page.
struct AccountRedirect {
    std::string url;
};
struct AccountDone {
    std::string title;
    std::string message;
};

using ResetOutcome = std::variant<ResetForm, ErrorPage, AccountRedirect, AccountDone>;
using VerificationOutcome = std::variant<ErrorPage, AccountRedirect, AccountDone>;

// The verification mail of a user who just signed up (hosted page or /dbconnections/signup): a
// ticket and the verify_email mail, naming the client's application. Failures are logged, never
// fatal to the signup.
void send_verification_mail(Catalog& catalog, store::Store& store, const store::User& user, std::string_view client_id,
                            std::int64_t now);

class AccountService {
  public:
    AccountService(Catalog& catalog, store::Store& store);

    // POST /dbconnections/signup: {client_id, email, password, connection, username?, given_name?,
    // family_name?, name?, nickname?, picture?, user_metadata?}. The new user as Auth0 answers it
    // ({_id, email, email_verified, ...}); the user is sent one verification mail.
    oauth_result<boost::json::object> signup(const boost::json::object& body, std::int64_t now);

    // POST /dbconnections/change_password, first half: {client_id, email, connection} checked (bad
    // input is an error; whether the user exists is not looked at).
    oauth_result<PasswordResetRequest> check_password_reset(const boost::json::object& body);
    // Second half, run after the fixed answer was sent: the reset mail, when such a user exists.
    void send_password_reset(const PasswordResetRequest& request, std::int64_t now);

    // GET /u/reset-password?ticket=: the form, bound to the browser `browser_id`.
    std::variant<ResetForm, ErrorPage> reset_form(std::string_view ticket, std::string_view browser_id,
                                                  std::int64_t now);
    // POST /u/reset-password: {ticket, csrf, password, password_confirmation}.
    ResetOutcome submit_reset(const util::Params& form, std::string_view browser_id, std::int64_t now);
    // GET /u/email-verification?ticket=.
    VerificationOutcome verify_email(std::string_view ticket, std::int64_t now);

    // Tenant log events (ss/fs, scpr, scp/fcp, sv/fv); null (the default) records none.
    void set_event_log(store::EventLog* log) { events_ = log; }

  private:
    std::string csrf_token(std::string_view ticket_hash, std::string_view browser_id) const;
    // Records an event of this service; user and client may be empty.
    void log(std::string_view type, std::string description, const store::User* user, std::string client_id) const;

    Catalog& catalog_;
    store::Store& store_;
    store::EventLog* events_ = nullptr;
};

}  // namespace gatehouse::oauth
