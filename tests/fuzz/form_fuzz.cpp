// parse_form and parse_body_params: token/revoke/login bodies, routed by Content-Type. The first
// input line is the Content-Type header value (absent when the line is "-"), the rest the body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "params_invariants.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace gatehouse;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    fuzz::check_params(http::parse_form(input), false);

    auto nl = input.find('\n');
    if (nl == std::string_view::npos) return 0;
    auto content_type = input.substr(0, nl);
    http::Request req{http::bhttp::verb::post, "/oauth/token", 11};
    // Beast refuses header values with CR/LF/NUL on the wire; a real request cannot carry them.
    if (content_type != "-" && content_type.find_first_of(std::string_view("\r\0", 2)) == std::string_view::npos)
        req.set(http::bhttp::field::content_type, content_type);
    req.body() = std::string(input.substr(nl + 1));
    fuzz::check_params(http::parse_body_params(req), true);
    return 0;
}
