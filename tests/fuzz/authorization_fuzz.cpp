// The Authorization header (Basic client credentials, Bearer tokens), X-Forwarded-For with the
// --trusted-proxies list, and the request path decoding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "http/client_address.hpp"
#include "http/parse.hpp"
#include "util/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace gatehouse;
    std::string_view input(reinterpret_cast<const char*>(data), size);

    if (auto basic = util::parse_basic_credentials(input)) {
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

    if (input.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos) {
        static const auto xff = http::TrustedProxies::parse("127.0.0.1, 10.0.0.0/8, fd00::/8").value();
        static const auto rfc7239 =
            http::TrustedProxies::parse("127.0.0.1, 10.0.0.0/8, fd00::/8", http::ProxyHeader::forwarded).value();
        http::Request req{http::bhttp::verb::get, "/u/login", 11};
        req.set("X-Forwarded-For", input);
        req.insert("X-Forwarded-For", "10.1.2.3");
        req.set("Forwarded", input);
        req.insert("Forwarded", "for=10.1.2.3;proto=https");
        for (const auto* trusted : {&xff, &rfc7239}) {
            for (const char* peer : {"127.0.0.1", "203.0.113.1", "::ffff:10.0.0.1"}) {
                auto client = http::client_address(http::net::ip::make_address(peer), req, *trusted);
                boost::system::error_code ec;
                (void)http::net::ip::make_address(client, ec);
                FUZZ_CHECK(!ec);  // always an address, never header text
                if (std::string_view(peer) == "203.0.113.1") FUZZ_CHECK(client == peer);
            }
        }
    }
    if (auto list = http::TrustedProxies::parse(input)) {
        (void)list->contains(http::net::ip::make_address("192.0.2.1"));
        (void)list->contains(http::net::ip::make_address("2001:db8::1"));
    }

    if (auto path = http::decode_path(input)) {
        FUZZ_CHECK(path->size() <= size);
        if (input.find('%') != std::string_view::npos) FUZZ_CHECK(util::valid_utf8(*path));
    }

    auto escaped = http::html_escape(input);
    FUZZ_CHECK(escaped.find_first_of("<>\"'") == std::string::npos);
    return 0;
}
