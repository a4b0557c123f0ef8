// The Authorization header (Basic client credentials, Bearer tokens) and the request path decoding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "http/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace gatehouse;
    std::string_view input(reinterpret_cast<const char*>(data), size);

    if (auto basic = http::parse_basic_auth(input)) {
        FUZZ_CHECK(!basic->first.empty());
        FUZZ_CHECK(util::valid_utf8(basic->first) && util::valid_utf8(basic->second));
        FUZZ_CHECK(basic->first.size() + basic->second.size() <= size);
    }

    if (input.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos) {
        http::Request req{http::bhttp::verb::get, "/userinfo", 11};
        req.set(http::bhttp::field::authorization, input);
        if (auto token = http::bearer_token(req)) {
            FUZZ_CHECK(!token->empty() && token->size() + 7 <= size);
            FUZZ_CHECK(token->front() != ' ' && token->back() != ' ');
        }
    }

    if (auto path = http::decode_path(input)) {
        FUZZ_CHECK(path->size() <= size);
        if (input.find('%') != std::string_view::npos) FUZZ_CHECK(util::valid_utf8(*path));
    }

    auto escaped = http::html_escape(input);
    FUZZ_CHECK(escaped.find_first_of("<>\"'") == std::string::npos);
    return 0;
}
