#include "http/client_address.hpp"

#include <gtest/gtest.h>

namespace gatehouse::http {
namespace {

net::ip::address ip(const char* text) { return net::ip::make_address(text); }

Request with_forwarded(std::initializer_list<const char*> headers) {
    Request req{bhttp::verb::get, "/", 11};
    for (const char* h : headers) req.insert("X-Forwarded-For", h);
    return req;
}

TrustedProxies trusted(std::string_view list) { return TrustedProxies::parse(list).value(); }

TEST(TrustedProxies, ParsesAddressesAndNetworksOfBothFamilies) {
    auto t = trusted("127.0.0.1, 10.0.0.0/8,fd00::/8 ::1");
    EXPECT_TRUE(t.contains(ip("127.0.0.1")));
    EXPECT_FALSE(t.contains(ip("127.0.0.2")));
    EXPECT_TRUE(t.contains(ip("10.255.1.2")));
    EXPECT_FALSE(t.contains(ip("11.0.0.1")));
    EXPECT_TRUE(t.contains(ip("::ffff:10.1.2.3")));  // IPv4-mapped counts as IPv4
    EXPECT_TRUE(t.contains(ip("fd12::1")));
    EXPECT_FALSE(t.contains(ip("fe80::1")));
    EXPECT_TRUE(t.contains(ip("::1")));
    EXPECT_TRUE(trusted("").empty());
    EXPECT_TRUE(trusted("0.0.0.0/0").contains(ip("203.0.113.9")));
    EXPECT_FALSE(trusted("0.0.0.0/0").contains(ip("2001:db8::1")));  // an IPv4 network holds no IPv6 address
    EXPECT_TRUE(trusted("192.168.1.128/25").contains(ip("192.168.1.200")));
    EXPECT_FALSE(trusted("192.168.1.128/25").contains(ip("192.168.1.127")));
}

TEST(TrustedProxies, RefusesWhatIsNotAnAddressNamingTheEntry) {
    for (const char* bad :
         {"localhost", "10.0.0.0/33", "::1/129", "10.0.0.0/", "10.0.0.0/8x", "10.0.0/8", "1.2.3.4/-1"}) {
        auto t = TrustedProxies::parse(std::string("127.0.0.1,") + bad);
        ASSERT_FALSE(t) << bad;
        EXPECT_NE(t.error().description.find(bad), std::string::npos) << t.error().description;
    }
}

TEST(ClientAddress, IsThePeerUnlessThePeerIsTrusted) {
    auto req = with_forwarded({"203.0.113.7"});
    EXPECT_EQ(client_address(ip("198.51.100.1"), req, {}), "198.51.100.1");
    EXPECT_EQ(client_address(ip("198.51.100.1"), req, trusted("127.0.0.1")), "198.51.100.1");
    EXPECT_EQ(client_address(ip("::ffff:198.51.100.1"), req, {}), "198.51.100.1");
    EXPECT_EQ(client_address(ip("127.0.0.1"), req, trusted("127.0.0.1")), "203.0.113.7");
    EXPECT_EQ(client_address(ip("127.0.0.1"), with_forwarded({}), trusted("127.0.0.1")), "127.0.0.1");
}

TEST(ClientAddress, TakesTheRightmostAddressThatIsNotATrustedProxy) {
    const auto t = trusted("127.0.0.1,10.0.0.0/8");
    // The client may prepend anything; only what trusted hops appended counts.
    EXPECT_EQ(client_address(ip("127.0.0.1"), with_forwarded({"6.6.6.6, 203.0.113.7, 10.0.0.5"}), t), "203.0.113.7");
    EXPECT_EQ(client_address(ip("127.0.0.1"), with_forwarded({"6.6.6.6", "203.0.113.7,10.0.0.5"}), t), "203.0.113.7");
    EXPECT_EQ(client_address(ip("127.0.0.1"), with_forwarded({"10.0.0.9, 10.0.0.5"}), t), "10.0.0.9");
    EXPECT_EQ(client_address(ip("127.0.0.1"), with_forwarded({"[2001:db8::7]:443"}), t), "2001:db8::7");
    EXPECT_EQ(client_address(ip("127.0.0.1"), with_forwarded({"203.0.113.7:5123"}), t), "203.0.113.7");
    EXPECT_EQ(client_address(ip("127.0.0.1"), with_forwarded({" 2001:db8::8 "}), t), "2001:db8::8");
}

TEST(ClientAddress, AGarbledEntryStopsAtTheProxyThatReportedIt) {
    const auto t = trusted("127.0.0.1,10.0.0.0/8");
    EXPECT_EQ(client_address(ip("127.0.0.1"), with_forwarded({"203.0.113.7, unknown"}), t), "127.0.0.1");
    EXPECT_EQ(client_address(ip("127.0.0.1"), with_forwarded({"203.0.113.7, garbage, 10.0.0.5"}), t), "10.0.0.5");
    EXPECT_EQ(client_address(ip("127.0.0.1"), with_forwarded({""}), t), "127.0.0.1");
    EXPECT_EQ(client_address(ip("127.0.0.1"), with_forwarded({"1.2.3.4:"}), t), "127.0.0.1");
    EXPECT_EQ(client_address(ip("127.0.0.1"), with_forwarded({"[::1"}), t), "127.0.0.1");
    // Bounded work: a header of thousands of trusted hops is not walked to its end.
    std::string many;
    for (int i = 0; i < 5000; ++i) many += "10.0.0.1,";
    EXPECT_EQ(client_address(ip("127.0.0.1"), with_forwarded({("203.0.113.7," + many + "10.0.0.2").c_str()}), t),
              "10.0.0.1");
}

Request with_rfc7239(std::initializer_list<const char*> headers) {
    Request req{bhttp::verb::get, "/", 11};
    for (const char* h : headers) req.insert("Forwarded", h);
    req.insert("X-Forwarded-For", "6.6.6.6");  // not the configured header: never read
    return req;
}

TEST(ClientAddress, ReadsTheForOfForwardedElementsWhenConfigured) {
    const auto t = TrustedProxies::parse("127.0.0.1,10.0.0.0/8", ProxyHeader::forwarded).value();
    const auto peer = ip("127.0.0.1");
    EXPECT_EQ(client_address(peer, with_rfc7239({"for=192.0.2.60;proto=http;by=203.0.113.43"}), t), "192.0.2.60");
    EXPECT_EQ(client_address(peer, with_rfc7239({"For=\"[2001:db8:cafe::17]:4711\""}), t), "2001:db8:cafe::17");
    EXPECT_EQ(client_address(peer, with_rfc7239({"for=6.6.6.6, for=203.0.113.7;proto=https, for=10.0.0.5"}), t),
              "203.0.113.7");
    EXPECT_EQ(client_address(peer, with_rfc7239({"for=6.6.6.6", "proto=https;for=\"203.0.113.7:80\""}), t),
              "203.0.113.7");
    // A comma inside a quoted value does not split the element.
    EXPECT_EQ(client_address(peer, with_rfc7239({"for=203.0.113.7;by=\"a,b\", for=10.0.0.5"}), t), "203.0.113.7");
    // Hidden or unknown nodes, an element without `for`, and malformed quoting stop the walk.
    EXPECT_EQ(client_address(peer, with_rfc7239({"for=203.0.113.7, for=unknown"}), t), "127.0.0.1");
    EXPECT_EQ(client_address(peer, with_rfc7239({"for=203.0.113.7, for=_hidden, for=10.0.0.5"}), t), "10.0.0.5");
    EXPECT_EQ(client_address(peer, with_rfc7239({"for=203.0.113.7, proto=https"}), t), "127.0.0.1");
    EXPECT_EQ(client_address(peer, with_rfc7239({"for=\"203.0.113.7"}), t), "127.0.0.1");
    EXPECT_EQ(client_address(peer, with_rfc7239({"for"}), t), "127.0.0.1");
    EXPECT_EQ(client_address(peer, with_rfc7239({}), t), "127.0.0.1") << "X-Forwarded-For is not the header";
    EXPECT_EQ(client_address(ip("203.0.113.1"), with_rfc7239({"for=192.0.2.60"}), t), "203.0.113.1");
    // The default reads X-Forwarded-For only, so a client's own Forwarded header is ignored there.
    EXPECT_EQ(client_address(peer, with_rfc7239({"for=192.0.2.60"}), trusted("127.0.0.1")), "6.6.6.6");
}

TEST(TrustedProxies, ProxyHeaderNamesAreKeycloaks) {
    EXPECT_EQ(TrustedProxies::parse_header("xforwarded").value(), ProxyHeader::x_forwarded_for);
    EXPECT_EQ(TrustedProxies::parse_header("forwarded").value(), ProxyHeader::forwarded);
    EXPECT_EQ(TrustedProxies::parse_header("Forwarded").value(), ProxyHeader::forwarded);
    auto bad = TrustedProxies::parse_header("X-Forwarded-For");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().description.find("use xforwarded"), std::string::npos);
}

// A host with an IPv6 /64 can send every request from a new address: limits count the /64.
TEST(AddressKey, IsTheIPv4AddressOrTheIPv6Slash64) {
    EXPECT_EQ(address_key(ip("203.0.113.7")), "203.0.113.7");
    EXPECT_EQ(address_key(ip("::ffff:203.0.113.7")), "203.0.113.7") << "IPv4-mapped is the IPv4 client";
    EXPECT_EQ(address_key(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), "2001:db8:1:2::/64");
    EXPECT_EQ(address_key(ip("2001:db8:1:2::1")), address_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")));
    EXPECT_NE(address_key(ip("2001:db8:1:2::1")), address_key(ip("2001:db8:1:3::1")));
    EXPECT_EQ(address_key(ip("::1")), "::/64");
    EXPECT_EQ(address_key(ip("fe80::1:2:3:4")), "fe80::/64");

    // The text form (what RequestContext carries) gives the same keys.
    EXPECT_EQ(address_key(std::string_view("203.0.113.7")), "203.0.113.7");
    EXPECT_EQ(address_key(std::string_view("::ffff:203.0.113.7")), "203.0.113.7");
    EXPECT_EQ(address_key(std::string_view("2001:db8:1:2:aaaa::9")), "2001:db8:1:2::/64");
    EXPECT_EQ(address_key(std::string_view("-")), "-") << "no address: the text itself";
}

}  // namespace
}  // namespace gatehouse::http
