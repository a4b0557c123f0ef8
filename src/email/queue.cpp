#include "email/email.hpp"

#include "util/util.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace gatehouse::email {

namespace {

// A header value may not end the header: CR and LF become spaces, whatever the template produced.
std::string single_line(std::string s) {
    std::replace_if(
        s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
    return s;
}

std::string render_field(const json::object& doc, std::string_view field, const json::object& context, escaping mode) {
    const auto* v = doc.if_contains(field);
    if (!v || !v->is_string()) return {};
    auto parsed = parse_liquid(v->get_string());
    if (const auto* t = std::get_if<LiquidTemplate>(&parsed)) return render_liquid(*t, context, mode);
    return {};  // stored templates were parsed when written; a default always parses
}

constexpr std::chrono::seconds kLease{120};
constexpr std::size_t kBatch = 10;

}  // namespace

bool is_plain_address(std::string_view address) {
    if (address.empty() || address.size() > 254) return false;
    auto at = address.find('@');
    if (at == 0 || at == std::string_view::npos || at + 1 == address.size() || address.rfind('@') != at) return false;
    return std::none_of(address.begin(), address.end(), [](unsigned char c) {
        return c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' || c == '(' ||
               c == ')' || c == '\\' || c == '[' || c == ']' || c == ':';
    });
}

store::result<std::string> queue_mail(store::Store& store, const MailRequest& request) {
    if (!is_plain_address(request.to)) return make_error_code(std::errc::invalid_argument);
    auto doc = effective_template(store, request.template_name);
    if (!doc) return doc.error();
    if (const auto* enabled = doc->if_contains("enabled"); enabled && enabled->is_bool() && !enabled->get_bool())
        return std::string();
    store::Mail mail;
    mail.id = "mail_" + util::random_alnum(20);
    mail.recipient = request.to;
    mail.sender = single_line(render_field(*doc, "from", request.context, escaping::none));
    mail.subject = single_line(render_field(*doc, "subject", request.context, escaping::none));
    mail.html_body = render_field(*doc, "body", request.context, escaping::html);
    mail.created_at = mail.next_attempt_at = util::unix_now();
    if (auto r = store.enqueue_mail(mail); !r) return r.error();
    return mail.id;
}

std::chrono::seconds retry_delay(const WorkerOptions& options, std::int64_t attempts) {
    auto delay = std::chrono::duration<double>(options.retry_base);
    for (std::int64_t i = 1; i < attempts && delay < options.retry_cap; ++i) delay *= 4;
    auto seconds = std::chrono::seconds(static_cast<std::int64_t>(std::ceil(delay.count())));
    return std::clamp(seconds, std::chrono::seconds(1), options.retry_cap);
}

MailWorker::MailWorker(store::Store& store, WorkerOptions options)
    : store_(store),
      options_(std::move(options)),
      thread_("mail queue", options_.poll_interval, [this] { drain_once(); }) {}

MailWorker::~MailWorker() { stop(); }

void MailWorker::start() { thread_.start(); }

void MailWorker::stop() { thread_.stop(); }

void MailWorker::drain_once() {
    for (;;) {
        auto now = util::unix_now();
        auto claimed = store_.claim_due_mail(now, now + kLease.count(), kBatch);
        if (!claimed) {
            spdlog::error("mail queue: cannot claim mail: {}", claimed.error().message());
            return;
        }
        if (claimed->empty()) return;
        std::optional<SmtpSettings> smtp;
        if (auto provider = load_provider(store_); provider && *provider)
            smtp = smtp_settings(**provider, options_.sealing_key);
        for (auto& mail : *claimed) process(std::move(mail), smtp);
        if (claimed->size() < kBatch) return;
    }
}

void MailWorker::process(store::Mail mail, const std::optional<SmtpSettings>& smtp) {
    std::optional<std::string> failure;
    if (!smtp)
        failure = "no usable email provider is configured (POST /api/v2/emails/provider)";
    else if (!smtp->enabled)
        failure = "the email provider is disabled";
    else
        failure = send_smtp(*smtp, mail, options_.allow_private_hosts);
    auto now = util::unix_now();
    mail.attempts += 1;
    if (!failure) {
        mail.status = "sent";
        mail.last_error.clear();
        spdlog::info("mail {} sent through {}:{} (attempt {})", mail.id, smtp->host, smtp->port, mail.attempts);
    } else if (now - mail.created_at >= options_.give_up_after.count()) {
        mail.status = "failed";
        mail.last_error = *failure;
        spdlog::error("mail {} given up after {} attempts: {}", mail.id, mail.attempts, *failure);
    } else {
        auto delay = retry_delay(options_, mail.attempts);
        mail.next_attempt_at = now + delay.count();
        mail.last_error = *failure;
        spdlog::warn("mail {} not sent (attempt {}): {}; retry in {} s", mail.id, mail.attempts, *failure,
                     delay.count());
    }
    if (auto r = store_.finish_mail(mail); !r)
        spdlog::error("mail queue: cannot record the outcome of mail {}: {}", mail.id, r.error().message());
}

}  // namespace gatehouse::email
