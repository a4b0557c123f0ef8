#include "util/url.hpp"

#include <boost/url.hpp>

#include <algorithm>
#include <cctype>

namespace gatehouse::util {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

std::optional<boost::urls::url_view> parse_http(std::string_view text) {
    auto u = boost::urls::parse_uri(text);
    if (!u) return std::nullopt;
    auto scheme = lower(u->scheme());
    if ((scheme != "http" && scheme != "https") || !u->has_authority() || u->host().empty()) return std::nullopt;
    return *u;
}

std::string effective_port(const boost::urls::url_view& u) {
    if (u.has_port() && !u.port().empty()) return std::string(u.port());
    return lower(u.scheme()) == "https" ? "443" : "80";
}

bool same_origin_parts(const boost::urls::url_view& a, const boost::urls::url_view& b) {
    return lower(a.scheme()) == lower(b.scheme()) && lower(a.encoded_host()) == lower(b.encoded_host()) &&
           effective_port(a) == effective_port(b) && a.encoded_userinfo() == b.encoded_userinfo();
}

}  // namespace

std::optional<std::string> origin_of(std::string_view url) {
    auto u = parse_http(url);
    if (!u) return std::nullopt;
    auto scheme = lower(u->scheme());
    std::string origin = scheme + "://" + lower(u->encoded_host());
    auto port = effective_port(*u);
    if (port != (scheme == "https" ? "443" : "80")) origin += ":" + port;
    return origin;
}

bool same_redirect_uri(std::string_view registered, std::string_view requested) {
    if (registered == requested) return true;
    auto a = parse_http(registered);
    auto b = parse_http(requested);
    if (!a || !b) return false;
    // Ports must be written the same way: "exact matching" leaves no room for default-port games.
    return same_origin_parts(*a, *b) && a->port() == b->port() && a->encoded_path() == b->encoded_path() &&
           a->has_query() == b->has_query() && a->encoded_query() == b->encoded_query() &&
           a->has_fragment() == b->has_fragment() && a->encoded_fragment() == b->encoded_fragment();
}

bool same_url_ignoring_query(std::string_view registered, std::string_view requested) {
    auto a = parse_http(registered);
    auto b = parse_http(requested);
    if (!a || !b) return false;
    auto path = [](const boost::urls::url_view& u) {
        std::string p(u.encoded_path());
        return p.empty() ? std::string("/") : p;
    };
    return same_origin_parts(*a, *b) && path(*a) == path(*b);
}

std::string percent_encode(std::string_view text) { return boost::urls::encode(text, boost::urls::unreserved_chars); }

std::string append_params(std::string_view base, const std::vector<std::pair<std::string, std::string>>& params,
                          bool in_fragment) {
    boost::urls::url u(base);
    // Encoded by hand and appended as encoded text: Boost.URL's own encoding leaves '+' as it is,
    // which form decoders (URLSearchParams, PHP, ...) then read as a space.
    if (!in_fragment) {
        auto query = u.encoded_params();
        for (const auto& [k, v] : params) {
            auto ek = percent_encode(k), ev = percent_encode(v);
            query.append({boost::urls::pct_string_view(ek), boost::urls::pct_string_view(ev)});
        }
        return std::string(u.buffer());
    }
    std::string fragment;
    for (const auto& [k, v] : params) {
        if (!fragment.empty()) fragment += '&';
        fragment += percent_encode(k) + '=' + percent_encode(v);
    }
    u.set_encoded_fragment(fragment);
    return std::string(u.buffer());
}

bool is_absolute_http_url(std::string_view url) {
    auto u = parse_http(url);
    return u && !u->has_fragment();
}

}  // namespace gatehouse::util
