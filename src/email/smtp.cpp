#include "email/email.hpp"

#include "connections/upstream_client.hpp"
#include "util/util.hpp"

#include <curl/curl.h>

#include <boost/asio/ip/address.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <ctime>
#include <memory>
#include <mutex>

namespace gatehouse::email {

namespace {

std::once_flag curl_initialised;

// The address inside "Name <addr>" or the bare address.
std::string envelope_address(std::string_view from) {
    auto open = from.rfind('<');
    auto close = from.rfind('>');
    if (open != std::string_view::npos && close != std::string_view::npos && close > open)
        return std::string(from.substr(open + 1, close - open - 1));
    return std::string(from);
}

// RFC 2047: any subject travels base64-encoded, so nothing in it can be read as a header line.
std::string encoded_word(std::string_view text) { return "=?UTF-8?B?" + util::base64_encode(text) + "?="; }

// The From header: the display name (template-rendered, so it may hold user values) encoded as
// the subject is, the address as validated.
std::string from_header(std::string_view from, const std::string& address) {
    auto open = from.rfind('<');
    auto name = open == std::string_view::npos ? std::string_view() : from.substr(0, open);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    return name.empty() ? "<" + address + ">" : encoded_word(name) + " <" + address + ">";
}

std::string wrapped_base64(std::string_view bytes) {
    auto b64 = util::base64_encode(bytes);
    std::string out;
    for (std::size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\r\n";
    return out;
}

std::string rfc5322_date() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return buf;
}

struct Upload {
    std::string data;
    std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* upload = static_cast<Upload*>(user);
    auto n = std::min(size * count, upload->data.size() - upload->offset);
    std::memcpy(buffer, upload->data.data() + upload->offset, n);
    upload->offset += n;
    return n;
}

struct SocketPolicy {
    bool allow_private = false;
    bool refused = false;
};

// SSRF defence, the same rule as upstream connections: the resolved address must be public
// unless serve runs with --allow-private-upstreams. Checked on the address curl is about to use.
curl_socket_t open_socket(void* user, curlsocktype, curl_sockaddr* address) {
    auto* policy = static_cast<SocketPolicy*>(user);
    boost::asio::ip::address ip;
    if (address->family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&address->addr);
        ip = boost::asio::ip::address_v4(ntohl(in->sin_addr.s_addr));
    } else if (address->family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address->addr);
        boost::asio::ip::address_v6::bytes_type bytes;
        std::memcpy(bytes.data(), in6->sin6_addr.s6_addr, 16);
        ip = boost::asio::ip::address_v6(bytes);
    } else {
        policy->refused = true;
        return CURL_SOCKET_BAD;
    }
    if (!policy->allow_private && !connections::is_public_address(ip)) {
        policy->refused = true;
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype, address->protocol);
}

}  // namespace

std::optional<std::string> send_smtp(const SmtpSettings& smtp, const store::Mail& mail, bool allow_private_hosts) {
    std::call_once(curl_initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    std::string where = smtp.host + ":" + std::to_string(smtp.port);
    std::string from = mail.sender.empty() ? smtp.default_from : mail.sender;
    auto from_address = envelope_address(from);
    if (!is_plain_address(from_address))
        return where + ": no valid sender address (template from / default_from_address)";
    if (!is_plain_address(mail.recipient)) return where + ": invalid recipient address";

    Upload upload;
    upload.data = "Date: " + rfc5322_date() + "\r\nFrom: " + from_header(from, from_address) + "\r\nTo: <" +
                  mail.recipient + ">\r\nSubject: " + encoded_word(mail.subject) + "\r\nMessage-ID: <" + mail.id +
                  "@gatehouse>\r\n" +
                  "MIME-Version: 1.0\r\nContent-Type: text/html; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: base64\r\n\r\n" +
                  wrapped_base64(mail.html_body);

    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!curl) return where + ": cannot initialise libcurl";
    // Port 465 is implicit TLS; anything else upgrades with STARTTLS when the server offers it.
    auto url = std::string(smtp.port == 465 ? "smtps://" : "smtp://") + smtp.host + ":" + std::to_string(smtp.port);
    SocketPolicy policy{allow_private_hosts};
    curl_slist* recipients = curl_slist_append(nullptr, ("<" + mail.recipient + ">").c_str());
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> recipients_guard(recipients, &curl_slist_free_all);
    CURL* h = curl.get();
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, ("<" + from_address + ">").c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients);
    if (!smtp.user.empty()) {
        curl_easy_setopt(h, CURLOPT_USERNAME, smtp.user.c_str());
        curl_easy_setopt(h, CURLOPT_PASSWORD, smtp.password.c_str());
    }
    curl_easy_setopt(h, CURLOPT_READFUNCTION, &read_upload);
    curl_easy_setopt(h, CURLOPT_READDATA, &upload);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, &open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &policy);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    auto code = curl_easy_perform(h);
    if (code == CURLE_OK) return std::nullopt;
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    std::string reason = where + ": " + curl_easy_strerror(code);
    if (policy.refused)
        reason += " (a private or loopback address is refused unless serve runs with --allow-private-upstreams)";
    if (status) reason += " (SMTP status " + std::to_string(status) + ")";
    return reason;
}

}  // namespace gatehouse::email
