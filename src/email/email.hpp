// email: everything Gatehouse mails. It owns the Liquid-subset renderer (liquid.hpp), the email
// templates (Auth0's names; stored ones in the store's meta documents, built-in defaults
// otherwise), the email provider document (Auth0's `smtp` provider, its password sealed at rest),
// the persistent outgoing queue (rendered mail in the store, drained by MailWorker with retry and
// exponential backoff, leased so several instances never send one mail twice) and the SMTP
// sender over libcurl. Depends on connections (the SSRF address rule), store, jose and util;
// mgmt, cli and http call it.
#pragma once

#include "email/liquid.hpp"
#include "store/store.hpp"
#include "util/periodic_thread.hpp"

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace gatehouse::email {

namespace json = boost::json;

// ---- templates --------------------------------------------------------------------------------

// Auth0's template names (verify_email, reset_email, welcome_email, blocked_account, ...).
bool is_template_name(std::string_view name);
// The stored template of `name`, if one was created (store failures are reported as errors).
store::result<std::optional<json::object>> load_template(store::MetaStore&, std::string_view name);
store::result<void> create_template(store::MetaStore&, const json::object& doc);  // already_exists
store::result<void> save_template(store::MetaStore&, const json::object& doc);
// The stored template, else the built-in default for `name`.
store::result<json::object> effective_template(store::MetaStore&, std::string_view name);
// Every Liquid field (from, subject, body) parses; otherwise the first error.
std::optional<std::string> template_error(const json::object& doc);

// ---- provider ---------------------------------------------------------------------------------

// The stored provider document ({name, enabled, default_from_address, credentials: {smtp_host,
// smtp_port, smtp_user, smtp_pass (sealed)}}), if any.
store::result<std::optional<json::object>> load_provider(store::MetaStore&);
// Seals credentials.smtp_pass (when clear) and stores; `create` refuses an existing one.
store::result<void> save_provider(store::MetaStore&, json::object doc, std::string_view sealing_key, bool create);
store::result<void> delete_provider(store::MetaStore&);
// The document as the Management API shows it: never the password.
json::object public_provider(const json::object& doc);

struct SmtpSettings {
    std::string host;
    int port = 587;
    std::string user;
    std::string password;  // clear, in memory only
    std::string default_from;
    bool enabled = true;
};
std::optional<SmtpSettings> smtp_settings(const json::object& doc, std::string_view sealing_key);

// ---- queue --------------------------------------------------------------------------------------

struct MailRequest {
    std::string template_name;  // e.g. "reset_email"
    std::string to;
    json::object context;  // {url, user: {...}, application: {name}, ...}
};

// Renders the template (stored or default) and queues the mail. Returns the mail id, or an empty
// string when the template is disabled. Refuses a recipient that is not one plain address
// (invalid_argument): no header or recipient can be smuggled through it.
store::result<std::string> queue_mail(store::Store&, const MailRequest&);
bool is_plain_address(std::string_view address);

// One SMTP attempt: nullopt when the server accepted the mail, else a log-safe reason (host,
// libcurl error, SMTP status; never credentials).
std::optional<std::string> send_smtp(const SmtpSettings&, const store::Mail&, bool allow_private_hosts);

struct WorkerOptions {
    std::string sealing_key;
    std::chrono::milliseconds retry_base{30'000};  // 30 s, 2 min, 8 min, 32 min, then hourly
    std::chrono::seconds retry_cap{3600};
    std::chrono::seconds give_up_after{86'400};
    std::chrono::milliseconds poll_interval{1000};
    bool allow_private_hosts = false;
};

// The delay before attempt number `attempts + 1` after `attempts` failures.
std::chrono::seconds retry_delay(const WorkerOptions&, std::int64_t attempts);

// Drains the queue on its own thread: claims due mail with a lease, sends it, records the outcome.
class MailWorker {
  public:
    MailWorker(store::Store& store, WorkerOptions options);
    ~MailWorker();
    void start();
    void stop();
    // Processes whatever is due once (the thread's body; tests call it directly).
    void drain_once();

  private:
    void process(store::Mail mail, const std::optional<SmtpSettings>& smtp);
    store::Store& store_;
    WorkerOptions options_;
    util::PeriodicThread thread_;
};

}  // namespace gatehouse::email
