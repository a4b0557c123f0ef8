// util/url: redirect_uri and returnTo checks (exact matching, origins, appending the response).
// Input: "registered\nrequested".
#include <cstddef>
#include <cstdint>
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
    FUZZ_CHECK(same == util::same_redirect_uri(requested, registered));  // symmetric
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
