// URL facts the protocol rules need (origins, redirect URI comparison, appending parameters),
// computed with Boost.URL so no module parses URLs by hand.
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
// are compared case-insensitively as URLs require; path, query and port must be identical.
bool same_redirect_uri(std::string_view registered, std::string_view requested);

// Compares ignoring query and fragment (Auth0's rule for logout returnTo URLs).
bool same_url_ignoring_query(std::string_view registered, std::string_view requested);

// Percent-encodes everything but RFC 3986 unreserved characters: safe in any URL component.
std::string percent_encode(std::string_view text);

// `base` with `params` appended to its query (keeping any query it already has), each value
// percent-encoded exactly once; or to its fragment when `in_fragment`.
std::string append_params(std::string_view base, const std::vector<std::pair<std::string, std::string>>& params,
                          bool in_fragment = false);

// True for an absolute http(s) URL without fragment: what a redirect_uri or returnTo may be.
bool is_absolute_http_url(std::string_view url);

}  // namespace gatehouse::util
