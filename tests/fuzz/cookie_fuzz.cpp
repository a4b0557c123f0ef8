// parse_cookies / find_cookie: the Cookie header carrying the session and the login transaction.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "http/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace gatehouse;
    std::string_view header(reinterpret_cast<const char*>(data), size);
    auto cookies = http::parse_cookies(header);
    std::size_t total = 0;
    for (const auto& [name, value] : cookies) {
        FUZZ_CHECK(!name.empty());
        FUZZ_CHECK(name.find(';') == std::string::npos && value.find(';') == std::string::npos);
        FUZZ_CHECK(name.find('=') == std::string::npos);
        total += name.size() + value.size();
    }
    FUZZ_CHECK(total <= header.size());

    // Several Cookie headers, split where the input has a newline, as a browser over HTTP/1.1 may send.
    http::Request req{http::bhttp::verb::get, "/authorize", 11};
    while (!header.empty()) {
        auto nl = header.find('\n');
        auto line = header.substr(0, nl);
        if (line.find_first_of(std::string_view("\r\0", 2)) == std::string_view::npos)
            req.insert(http::bhttp::field::cookie, line);
        header = nl == std::string_view::npos ? std::string_view{} : header.substr(nl + 1);
    }
    for (auto name : {"gh_session", "gh_tx", "did"}) {
        if (auto v = http::find_cookie(req, name)) FUZZ_CHECK(v->size() <= size);
    }
    return 0;
}
