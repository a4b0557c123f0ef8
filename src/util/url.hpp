// URL facts the protocol rules need (origins, redirect URI comparison, the URLs a client may
// register, appending parameters, form decoding), computed with Boost.URL so no module parses
// URLs by hand.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse::util {

// "scheme://host[:port]" with scheme and host lower-cased and default ports dropped; nullopt for
// anything that is not an absolute http(s) URL.
std::optional<std::string> origin_of(std::string_view url);

// Redirect URI comparison (RFC 9700 §4.1.3: exact string matching), except that scheme and host
// are compared case-insensitively as URLs require; path, query and port must be identical. A
// registered host with Auth0's subdomain wildcard (`https://*.example.com/cb`) matches a requested
// host with one DNS label in place of the `*` (see host_matches). A requested URL with a `*` never
// matches.
bool same_redirect_uri(std::string_view registered, std::string_view requested);

// Compares ignoring query and fragment (Auth0's rule for logout returnTo URLs); wildcards as above.
bool same_url_ignoring_query(std::string_view registered, std::string_view requested);

// Whether `origin` (an Origin header: "scheme://host[:port]", canonical as browsers send it) is
// the origin of the registered URL, or matches its wildcard host.
bool origin_matches(std::string_view registered, std::string_view origin);

// Auth0's subdomain wildcard: `pattern` is a lower-case host whose leftmost label holds one `*`,
// optionally between a prefix and a suffix ("*", "pr-*", "*-preview"). It matches `host` when the
// `*` stands for one or more letters, digits or hyphens of the same label and every other label
// is equal (ASCII case-insensitively): `*.example.com` matches `a.example.com`, not
// `a.b.example.com` nor `example.com`. Without a `*`, the hosts must be equal.
bool host_matches(std::string_view pattern, std::string_view host);

// What a URL registered on a client is used for (security.md §4): each use has its own shape.
enum class RegisteredUrl {
    callback,    // callbacks: where /authorize may send codes
    logout,      // allowed_logout_urls: where /v2/logout may send the browser
    web_origin,  // web_origins, allowed_origins: "scheme://host[:port]" only
    login,       // initiate_login_uri: one concrete URL, no wildcard
};

// Why `url` may not be registered for `use`, or nullopt when it may: it must be absolute, without
// fragment or userinfo, `https` (or `http` on localhost, 127.0.0.0/8, [::1]); a private-use
// scheme (RFC 8252 §7.1) only for the callbacks of native apps (`native_app`), never javascript:,
// data: and the like. A `*` is allowed only as Auth0 allows it: in the leftmost label of an http(s)
// host, followed by a registrable domain (not a public suffix such as `com` or `github.io`).
std::optional<std::string> registered_url_problem(std::string_view url, RegisteredUrl use, bool native_app = false);

// application/x-www-form-urlencoded decoding of one component (%XX, and '+' as a space when
// `plus_is_space`); nullopt on a broken escape. The result may be any bytes.
std::optional<std::string> form_decode(std::string_view text, bool plus_is_space);

// RFC 6749 §2.3.1: "Basic base64(urlencode(id) ':' urlencode(secret))", decoded. nullopt when the
// scheme is not Basic (case-insensitive), the encoding is broken, the id is empty or either part
// is not UTF-8.
std::optional<std::pair<std::string, std::string>> parse_basic_credentials(std::string_view authorization);

// Percent-encodes everything but RFC 3986 unreserved characters: safe in any URL component.
std::string percent_encode(std::string_view text);

// `base` with `params` appended to its query (keeping any query it already has), each value
// percent-encoded exactly once; or to its fragment when `in_fragment`.
std::string append_params(std::string_view base, const std::vector<std::pair<std::string, std::string>>& params,
                          bool in_fragment = false);

// True for an absolute http(s) URL without fragment: what a redirect_uri or returnTo may be.
bool is_absolute_http_url(std::string_view url);

}  // namespace gatehouse::util
