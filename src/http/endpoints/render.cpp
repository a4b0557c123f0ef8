#include "http/endpoints/render.hpp"

#include "http/endpoints/pages.hpp"
#include "http/response.hpp"
#include "util/url.hpp"
#include "util/util.hpp"

#include <spdlog/spdlog.h>

namespace gatehouse::http {

Response render_oauth_error(const oauth::OAuthError& error, bool basic_auth_used) {
    if (!error.detail.empty()) spdlog::info("oauth error={} detail=\"{}\"", error.wire(), error.detail);
    // A description may quote the request: it must stay valid JSON whatever bytes were sent.
    const auto description =
        util::valid_utf8(error.description) ? error.description : util::to_valid_utf8(error.description);
    auto res = error.extra.empty() ? json_error(error.status(), error.wire(), description)
                                   : json_response(error.status(), [&] {
                                         auto body = error.extra;
                                         body["error"] = error.wire();
                                         body["error_description"] = description;
                                         return body;
                                     }());
    if (error.retry_after > 0) res.set(bhttp::field::retry_after, std::to_string(error.retry_after));
    if (error.code == oauth::oauth_errc::invalid_token || error.code == oauth::oauth_errc::insufficient_scope) {
        // RFC 6750 §3: the description is a quoted-string; ours never contain quotes or backslashes.
        res.set(bhttp::field::www_authenticate,
                "Bearer error=\"" + std::string(error.wire()) + "\", error_description=\"" + description + "\"");
    } else if (basic_auth_used && error.status() == bhttp::status::unauthorized) {
        res.set(bhttp::field::www_authenticate, "Basic realm=\"gatehouse\"");  // RFC 6749 §5.2
    }
    return res;
}

Response render_authorization_response(const oauth::AuthorizationResponse& response) {
    const auto& target = response.target;
    if (target.response_mode == "form_post") {
        auto nonce = util::random_token(16);
        return html_response(bhttp::status::ok, pages::form_post_page(target.redirect_uri, response.params, nonce),
                             HtmlOptions{.frame_ancestor = {}, .script_nonce = nonce});
    }
    if (target.response_mode == "web_message") {
        auto nonce = util::random_token(16);
        // Only the client's own page may frame this one, and postMessage targets that origin only.
        auto origin = util::origin_of(target.redirect_uri).value_or("");
        return html_response(bhttp::status::ok, pages::web_message_page(origin, response.params, nonce),
                             HtmlOptions{.frame_ancestor = origin, .script_nonce = nonce});
    }
    return redirect(util::append_params(target.redirect_uri, response.params, target.response_mode == "fragment"));
}

Response render_error_page(const oauth::ErrorPage& page) {
    return html_response(static_cast<bhttp::status>(page.status), pages::error_page(page.title, page.message));
}

}  // namespace gatehouse::http
