#include "http/response.hpp"

#include <boost/json/serialize.hpp>

namespace gatehouse::http {

namespace {

Response make(bhttp::status status, std::string body, std::string_view content_type) {
    Response res{status, 11};
    if (!content_type.empty()) res.set(bhttp::field::content_type, content_type);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

void no_store(Response& res) {
    res.set(bhttp::field::cache_control, "no-store");
    res.set(bhttp::field::pragma, "no-cache");
}

}  // namespace

Response json_response(bhttp::status status, const boost::json::value& body) {
    auto res = make(status, boost::json::serialize(body), "application/json; charset=utf-8");
    no_store(res);
    return res;
}

Response json_error(bhttp::status status, std::string_view error, std::string_view description) {
    return json_response(status, boost::json::object{{"error", error}, {"error_description", description}});
}

Response html_response(bhttp::status status, std::string html, const HtmlOptions& options) {
    auto res = make(status, std::move(html), "text/html; charset=utf-8");
    std::string csp =
        "default-src 'none'; style-src 'self'; img-src 'self' data: https:; form-action *; frame-ancestors ";
    csp += options.frame_ancestor.empty() ? std::string_view("'none'") : std::string_view(options.frame_ancestor);
    if (!options.script_nonce.empty()) {
        csp += "; script-src 'nonce-";
        csp += options.script_nonce;
        csp += '\'';
    }
    res.set("Content-Security-Policy", csp);
    if (options.frame_ancestor.empty()) res.set("X-Frame-Options", "DENY");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    no_store(res);
    return res;
}

Response redirect(std::string location) {
    auto res = make(bhttp::status::found, {}, {});
    res.set(bhttp::field::location, std::move(location));
    res.set(bhttp::field::cache_control, "no-store");
    return res;
}

Response empty_response(bhttp::status status) { return make(status, {}, {}); }

Response text_response(bhttp::status status, std::string body, std::string_view content_type) {
    return make(status, std::move(body), content_type);
}

void set_cookie(Response& res, std::string_view name, std::string_view value, const CookieOptions& options) {
    std::string c;
    c.reserve(name.size() + value.size() + 96);
    c.append(name).append("=").append(value);
    if (!options.path.empty()) c.append("; Path=").append(options.path);
    if (options.max_age) {
        c.append("; Max-Age=").append(std::to_string(*options.max_age));
        // Max-Age alone is enough for current browsers; Expires makes deletion work everywhere.
        if (*options.max_age <= 0) c.append("; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
    }
    if (options.http_only) c.append("; HttpOnly");
    if (options.secure) c.append("; Secure");
    if (!options.same_site.empty()) c.append("; SameSite=").append(options.same_site);
    res.insert(bhttp::field::set_cookie, c);
}

}  // namespace gatehouse::http
