// parse_query: the raw query string of any request (everything after '?').
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "params_invariants.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view raw(reinterpret_cast<const char*>(data), size);
    gatehouse::fuzz::check_params(gatehouse::http::parse_query(raw), false);
    return 0;
}
