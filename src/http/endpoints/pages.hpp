#pragma once

#include "oauth/account.hpp"
#include "oauth/authorize.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse::http::pages {

// Server-rendered HTML of the hosted pages. Every dynamic value is escaped here; the pages need no
// JavaScript except the two response modes that exist to run script (form_post, web_message), whose
// inline scripts carry a per-response CSP nonce.
std::string login_page(const oauth::LoginForm& form);
std::string error_page(std::string_view title, std::string_view message);
// The hosted password-reset form of a password-change ticket.
std::string reset_password_page(const oauth::ResetForm& form);
// A plain outcome page ("Password changed", "Email verified").
std::string message_page(std::string_view title, std::string_view message);
std::string logged_out_page();
std::string form_post_page(std::string_view action, const std::vector<std::pair<std::string, std::string>>& fields,
                           std::string_view script_nonce);
std::string web_message_page(std::string_view target_origin,
                             const std::vector<std::pair<std::string, std::string>>& fields,
                             std::string_view script_nonce);
// Landing page of the demo client's callback (make run): shows the code and how to redeem it.
std::string demo_callback_page(std::string_view issuer, const std::vector<std::pair<std::string, std::string>>& params);

// The stylesheet served at /assets/gatehouse.css.
std::string_view stylesheet();

}  // namespace gatehouse::http::pages
