// util/url: redirect_uri and returnTo checks (exact matching, origins, appending the response).
// Input: "registered\nrequested".
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "util/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace gatehouse;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto nl = input.find('\n');
    auto registered = input.substr(0, nl);
    auto requested = nl == std::string_view::npos ? registered : input.substr(nl + 1);

    if (auto origin = util::origin_of(requested)) {
        FUZZ_CHECK(origin->starts_with("http://") || origin->starts_with("https://"));
        FUZZ_CHECK(util::origin_of(*origin) == origin);  // an origin is its own origin
    }
    const bool same = util::same_redirect_uri(registered, requested);
    auto wildcard_origin = [](std::string_view url) {
        auto origin = util::origin_of(url);
        return origin && origin->find('*') != std::string::npos;
    };
    if (!wildcard_origin(registered) && !wildcard_origin(requested))
        FUZZ_CHECK(same == util::same_redirect_uri(requested, registered));  // symmetric
    // A wildcard stands for one DNS label: the matched URL has as many labels as the pattern.
    if (same && wildcard_origin(registered) && !wildcard_origin(requested) && util::is_absolute_http_url(requested)) {
        auto pattern = util::origin_of(registered), origin = util::origin_of(requested);
        FUZZ_CHECK(std::count(pattern->begin(), pattern->end(), '.') ==
                   std::count(origin->begin(), origin->end(), '.'));
    }
    // What may be registered as a web callback is an http(s) URL with an origin.
    if (!util::registered_url_problem(registered, util::RegisteredUrl::callback))
        FUZZ_CHECK(util::origin_of(registered).has_value());
    const bool absolute = util::is_absolute_http_url(requested);
    // Only for URLs: other strings (custom schemes, "") fall back to exact comparison in the first.
    if (same && absolute) FUZZ_CHECK(util::same_url_ignoring_query(registered, requested));
    if (absolute) FUZZ_CHECK(util::origin_of(requested).has_value());

    if (absolute) {
        for (bool fragment : {false, true}) {
            auto url =
                util::append_params(requested, {{"code", "a b&c=#"}, {"state", std::string(registered)}}, fragment);
            // origin_of() refuses URLs with a fragment, so compare without it.
            FUZZ_CHECK(util::origin_of(url.substr(0, url.find('#'))) ==
                       util::origin_of(requested));  // never redirects elsewhere
        }
    }
    return 0;
}
