// parse_json_params: flat JSON bodies of /oauth/token, /oauth/revoke and friends.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "params_invariants.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    // JSON allows "" as a key, so names may be empty here (unlike the urlencoded forms).
    gatehouse::fuzz::check_params(gatehouse::http::parse_json_params(body), true);
    return 0;
}
