#include "util/url.hpp"

#include "util/util.hpp"

#include <libpsl.h>
#include <boost/url.hpp>

#include <algorithm>
#include <array>
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

// `registered` may hold a wildcard host; `requested` is matched against it.
bool same_origin_parts(const boost::urls::url_view& registered, const boost::urls::url_view& requested) {
    return lower(registered.scheme()) == lower(requested.scheme()) &&
           host_matches(lower(registered.encoded_host()), requested.encoded_host()) &&
           effective_port(registered) == effective_port(requested) &&
           registered.has_userinfo() == requested.has_userinfo() &&
           registered.encoded_userinfo() == requested.encoded_userinfo();
}

bool is_dns_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

bool is_dns_label(std::string_view label) {
    return !label.empty() && label.size() <= 63 && std::all_of(label.begin(), label.end(), is_dns_char);
}

bool is_loopback(const boost::urls::url_view& u) {
    switch (u.host_type()) {
        case boost::urls::host_type::ipv4:
            return (u.host_ipv4_address().to_uint() >> 24) == 127;
        case boost::urls::host_type::ipv6:
            return u.host_ipv6_address().is_loopback();
        case boost::urls::host_type::name:
            return util::iequals(u.encoded_host(), "localhost");
        default:
            return false;
    }
}

// Schemes that run or read something in the browser or on the device instead of opening an app:
// never a callback, even for a native app.
constexpr std::array kForbiddenSchemes = {"javascript", "vbscript", "livescript",  "data",  "file", "blob",
                                          "filesystem", "about",    "view-source", "mhtml", "jar",  "ftp",
                                          "ws",         "wss",      "mailto",      "tel",   "sms"};

bool is_public_suffix(const std::string& domain) {
    // The list compiled into libpsl (ICANN and private sections: co.uk, github.io, vercel.app, ...);
    // names under an unlisted TLD count as public too (the list's implicit "*" rule).
    static const psl_ctx_t* const list = psl_builtin();
    return list == nullptr || psl_is_public_suffix(list, domain.c_str()) != 0;
}

// Why a lower-case host with a `*` is not one of Auth0's subdomain wildcards.
std::optional<std::string> wildcard_host_problem(std::string_view host) {
    auto dot = host.find('.');
    auto first = host.substr(0, dot);
    if (std::count(host.begin(), host.end(), '*') != 1 || first.find('*') == std::string_view::npos)
        return "a wildcard must be a single * in the leftmost label of the host (https://*.example.com)";
    if (!std::all_of(first.begin(), first.end(), [](char c) { return c == '*' || is_dns_char(c); }))
        return "the wildcard label may hold only letters, digits, hyphens and one *";
    if (dot == std::string_view::npos) return "a wildcard needs a domain after it (https://*.example.com)";
    auto domain = host.substr(dot + 1);
    std::size_t labels = 0;
    std::string_view tld;
    for (std::string_view rest = domain;; ++labels) {
        auto next = rest.find('.');
        tld = rest.substr(0, next);
        if (!is_dns_label(tld)) return "the domain after a wildcard must be a DNS name";
        if (next == std::string_view::npos) break;
        rest = rest.substr(next + 1);
    }
    if (std::all_of(tld.begin(), tld.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return "a wildcard is not allowed in an IP address";
    if (labels == 0 || is_public_suffix(std::string(domain)))
        return "*." + std::string(domain) + " would match sites of other owners (" + std::string(domain) +
               " is a public suffix)";
    return std::nullopt;
}

}  // namespace

bool host_matches(std::string_view pattern, std::string_view host) {
    if (util::iequals(pattern, host)) return true;
    auto star = pattern.find('*');
    if (star == std::string_view::npos) return false;
    if (wildcard_host_problem(lower(pattern))) return false;  // never "*.com", whoever stored it
    auto pattern_dot = pattern.find('.');
    auto host_dot = host.find('.');
    if (pattern_dot == std::string_view::npos || host_dot == std::string_view::npos || star > pattern_dot) return false;
    // Everything after the first label: equal, so the `*` can never stand for a dot.
    if (!util::iequals(pattern.substr(pattern_dot), host.substr(host_dot))) return false;
    auto prefix = pattern.substr(0, star);
    auto suffix = pattern.substr(star + 1, pattern_dot - star - 1);
    auto label = host.substr(0, host_dot);
    if (label.size() < prefix.size() + suffix.size() + 1 || !is_dns_label(label)) return false;
    return util::iequals(label.substr(0, prefix.size()), prefix) &&
           util::iequals(label.substr(label.size() - suffix.size()), suffix);
}

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
    // A requested URL is concrete: a `*` in it could only match a pattern as itself.
    if (requested.find('*') != std::string_view::npos) return false;
    if (registered == requested) return true;
    auto a = parse_http(registered);
    auto b = parse_http(requested);
    if (!a || !b) return false;
    // Ports must be written the same way: "exact matching" leaves no room for default-port games.
    return same_origin_parts(*a, *b) && a->port() == b->port() && a->encoded_path() == b->encoded_path() &&
           a->has_query() == b->has_query() && a->encoded_query() == b->encoded_query() &&
           a->has_fragment() == b->has_fragment() && a->encoded_fragment() == b->encoded_fragment();
}

bool origin_matches(std::string_view registered, std::string_view origin) {
    auto pattern = origin_of(registered);
    if (!pattern) return false;
    if (pattern->find('*') == std::string::npos) return *pattern == origin;
    // Only a canonical origin (no path, userinfo or default port written out) may match a wildcard.
    if (origin_of(origin) != origin) return false;
    auto a = parse_http(*pattern);
    auto b = parse_http(origin);
    return a && b && same_origin_parts(*a, *b);
}

bool same_url_ignoring_query(std::string_view registered, std::string_view requested) {
    if (requested.find('*') != std::string_view::npos) return false;  // see same_redirect_uri
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

std::optional<std::string> registered_url_problem(std::string_view url, RegisteredUrl use, bool native_app) {
    auto u = boost::urls::parse_uri(url);
    if (!u) return std::string("not an absolute URL");
    if (u->has_fragment()) return std::string("must not have a fragment (#...)");
    if (u->has_userinfo()) return std::string("must not have userinfo (user:password@)");
    auto scheme = lower(u->scheme());
    if (scheme != "http" && scheme != "https") {
        if (use != RegisteredUrl::callback || !native_app)
            return "must use https (http only for localhost, 127.0.0.0/8 or [::1])" +
                   std::string(use == RegisteredUrl::callback ? "; custom schemes are for native applications" : "");
        if (std::find(kForbiddenSchemes.begin(), kForbiddenSchemes.end(), scheme) != kForbiddenSchemes.end())
            return "the " + scheme + ": scheme is not allowed";
        if (url.find('*') != std::string_view::npos)
            return std::string("wildcards are only allowed in https host names");
        return std::nullopt;
    }
    if (!u->has_authority() || u->encoded_host().empty()) return std::string("must have a host");
    auto host = lower(u->encoded_host());
    bool wildcard = host.find('*') != std::string::npos;
    if (scheme == "http" && (wildcard || !is_loopback(*u)))
        return std::string("http is only allowed for localhost, 127.0.0.0/8 or [::1]: use https");
    if (wildcard && use == RegisteredUrl::login) return std::string("must not contain a wildcard");
    if (wildcard)
        if (auto problem = wildcard_host_problem(host)) return problem;
    auto after_host = std::string(u->encoded_path()) + std::string(u->encoded_query());
    if (after_host.find('*') != std::string::npos || u->port().find('*') != std::string_view::npos)
        return std::string("a * is only allowed in the leftmost label of the host");
    if (use == RegisteredUrl::web_origin && ((u->encoded_path() != "" && u->encoded_path() != "/") || u->has_query()))
        return std::string("must be an origin (scheme://host[:port]) without path or query");
    return std::nullopt;
}

std::optional<std::string> form_decode(std::string_view text, bool plus_is_space) {
    auto pct = boost::urls::make_pct_string_view(text);
    if (!pct) return std::nullopt;
    boost::urls::encoding_opts opts;
    opts.space_as_plus = plus_is_space;
    return pct->decode(opts);
}

std::optional<std::pair<std::string, std::string>> parse_basic_credentials(std::string_view authorization) {
    auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
        return s;
    };
    authorization = trim(authorization);
    if (authorization.size() < 6 || !util::iequals(authorization.substr(0, 6), "Basic ")) return std::nullopt;
    auto decoded = base64_decode(trim(authorization.substr(6)));
    if (!decoded) return std::nullopt;
    auto colon = decoded->find(':');
    if (colon == std::string::npos) return std::nullopt;
    auto id = form_decode(std::string_view(*decoded).substr(0, colon), true);
    auto secret = form_decode(std::string_view(*decoded).substr(colon + 1), true);
    if (!id || !secret || id->empty() || !valid_utf8(*id) || !valid_utf8(*secret)) return std::nullopt;
    return std::pair{std::move(*id), std::move(*secret)};
}

}  // namespace gatehouse::util
