#include "email/tickets.hpp"

#include "connections/user_json.hpp"
#include "email/email.hpp"
#include "util/json.hpp"
#include "util/url.hpp"
#include "util/util.hpp"

#include <algorithm>

namespace gatehouse::email {

std::string_view ticket_page(std::string_view kind) {
    return kind == kPasswordChangeTicket ? "u/reset-password" : "u/email-verification";
}

std::string ticket_hash(std::string_view value) { return util::sha256_b64url(value); }

store::result<std::string> issue_ticket(store::TicketStore& store, std::string_view issuer,
                                        const TicketRequest& request, std::int64_t now) {
    auto value = util::random_token(32);
    store::UserTicket ticket;
    ticket.id_hash = ticket_hash(value);
    ticket.kind = std::string(request.kind);
    ticket.user_id = request.user_id;
    if (!request.email.empty()) ticket.doc["email"] = request.email;
    if (!request.client_id.empty()) ticket.doc["client_id"] = request.client_id;
    if (!request.result_url.empty()) ticket.doc["result_url"] = request.result_url;
    if (request.mark_email_as_verified) ticket.doc["mark_email_as_verified"] = true;
    ticket.created_at = now;
    ticket.expires_at = now + (request.ttl_sec > 0 ? request.ttl_sec : default_ticket_ttl);
    if (auto r = store.create_ticket(ticket); !r) return r.error();
    return std::string(issuer) + std::string(ticket_page(request.kind)) + "?ticket=" + value;
}

store::result<std::string> send_ticket_mail(store::Store& store, std::string_view issuer,
                                            std::string_view template_name, const store::User& user,
                                            std::string_view client_id, std::string_view application_name,
                                            std::int64_t now) {
    if (!is_plain_address(user.email)) return std::string();
    auto doc = effective_template(store, template_name);
    if (!doc) return doc.error();
    if (!util::json_bool(*doc, "enabled", true)) return std::string();
    TicketRequest request;
    request.kind = template_name == "reset_email" ? kPasswordChangeTicket : kEmailVerificationTicket;
    request.user_id = user.user_id;
    request.email = user.email;
    request.client_id = std::string(client_id);
    // The template's result URL is the operator's; one that breaks the URL rules is left out rather
    // than followed.
    if (auto result_url = util::json_string(*doc, "resultUrl");
        !result_url.empty() && !util::registered_url_problem(result_url, util::RegisteredUrl::login))
        request.result_url = result_url;
    request.ttl_sec = std::min(util::json_int(*doc, "urlLifetimeInSeconds", 0), max_ticket_ttl);
    auto url = issue_ticket(store, issuer, request, now);
    if (!url) return url.error();
    json::object application;
    if (!application_name.empty()) application["name"] = application_name;  // else the template's default
    MailRequest mail{
        std::string(template_name), user.email,
        json::object{{"url", *url}, {"user", connections::user_to_json(user)}, {"application", application}}};
    return queue_mail(store, mail);
}

}  // namespace gatehouse::email
