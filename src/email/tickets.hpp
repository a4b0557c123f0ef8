// Account links: the single-use tickets of password-reset and email-verification mails (and of
// /api/v2/tickets/*), and the mails that carry them. A ticket is a random value in a URL on the
// issuer's origin; the store keeps only its hash, marks it used once, and forgets it after expiry.
// Redeeming a ticket (the hosted pages) is oauth/account.cpp's.
#pragma once

#include "store/store.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace gatehouse::email {

inline constexpr std::string_view kPasswordChangeTicket = "password_change";
inline constexpr std::string_view kEmailVerificationTicket = "email_verification";
// Auth0's default lifetime of a ticket (5 days) and the longest ttl_sec it accepts (30 days).
inline constexpr std::int64_t default_ticket_ttl = 432000;
inline constexpr std::int64_t max_ticket_ttl = 2592000;

struct TicketRequest {
    std::string_view kind;  // kPasswordChangeTicket | kEmailVerificationTicket
    std::string user_id;
    std::string email;                    // the user's address now: the ticket stops working if it changes
    std::string client_id;                // the application the user came from; may be empty
    std::string result_url;               // where the page sends the browser after success; empty: Gatehouse's page
    std::int64_t ttl_sec = 0;             // 0: default_ticket_ttl
    bool mark_email_as_verified = false;  // password change: the reset proves the mailbox too
};

// The path of the hosted page that redeems tickets of `kind` ("u/reset-password",
// "u/email-verification"), relative to the issuer.
std::string_view ticket_page(std::string_view kind);

// Stores a new ticket and returns its URL: <issuer><ticket_page>?ticket=<value>.
store::result<std::string> issue_ticket(store::TicketStore&, std::string_view issuer, const TicketRequest&,
                                        std::int64_t now);

// The SHA-256 under which the ticket `value` (from a link) is stored.
std::string ticket_hash(std::string_view value);

// The reset_email (password change) or verify_email (verification) mail for `user`: a ticket whose
// lifetime and result URL are the template's urlLifetimeInSeconds and resultUrl, then the mail,
// queued. Returns the mail id, or "" when the template is disabled (no ticket is issued then) or the
// user has no plain email address.
store::result<std::string> send_ticket_mail(store::Store&, std::string_view issuer, std::string_view template_name,
                                            const store::User& user, std::string_view client_id,
                                            std::string_view application_name, std::int64_t now);

}  // namespace gatehouse::email
