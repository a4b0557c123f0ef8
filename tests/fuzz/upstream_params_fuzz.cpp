// validate_upstream_params / apply_upstream_params: connection options.upstream_params from the
// Management API, applied to the upstream authorization request at every federated login.
#include <algorithm>
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "connections/upstream_params.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace gatehouse;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    boost::system::error_code ec;
    auto value = boost::json::parse(text, ec);
    if (ec) return 0;

    auto problem = connections::validate_upstream_params(value);
    if (problem) FUZZ_CHECK(!problem->empty() && util::valid_utf8(*problem));
    if (!value.is_object()) return 0;

    static const util::Params authorize{{{"login_hint", "alice@example.com"},
                                         {"prompt", "login"},
                                         {"ui_locales", "fr-CA fr"},
                                         {"client_id", "client_abc"},
                                         {"max_age", "0"}}};
    // Applied also when invalid: apply_upstream_params must tolerate whatever a store holds.
    auto out = connections::apply_upstream_params(value.as_object(), authorize);
    FUZZ_CHECK(out.size() <= value.as_object().size());
    if (problem) return 0;
    for (const auto& [name, v] : out) {
        // A validated entry never overwrites what Gatehouse itself sends upstream.
        FUZZ_CHECK(std::find(connections::upstream_param_reserved.begin(), connections::upstream_param_reserved.end(),
                             name) == connections::upstream_param_reserved.end());
        FUZZ_CHECK(!name.empty() && name.size() <= 64);
    }
    return 0;
}
