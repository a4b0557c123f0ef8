// The SSRF address rule shared by every outbound connection Gatehouse makes (upstream providers,
// SMTP): which addresses count as public. Kept apart from upstream_client.cpp so that code paths
// built without the Asio HTTP client (the fuzz build, email) still have it.
#include "connections/upstream_client.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace gatehouse::connections {

namespace net = boost::asio;

namespace {

struct Ipv4Range {
    std::uint32_t network;
    int prefix;
};

// IANA's special-purpose IPv4 registry, minus the few globally reachable anycast blocks.
constexpr std::array<Ipv4Range, 15> non_public_ipv4 = {{
    {0x00000000, 8},   // 0.0.0.0/8 "this network": 0.0.0.0 reaches the local host
    {0x0A000000, 8},   // 10.0.0.0/8 private (RFC 1918)
    {0x64400000, 10},  // 100.64.0.0/10 carrier-grade NAT (RFC 6598)
    {0x7F000000, 8},   // 127.0.0.0/8 loopback
    {0xA9FE0000, 16},  // 169.254.0.0/16 link-local, incl. the 169.254.169.254 metadata service
    {0xAC100000, 12},  // 172.16.0.0/12 private
    {0xC0000000, 24},  // 192.0.0.0/24 IETF protocol assignments
    {0xC0000200, 24},  // 192.0.2.0/24 documentation
    {0xC0586300, 24},  // 192.88.99.0/24 6to4 relay anycast (deprecated)
    {0xC0A80000, 16},  // 192.168.0.0/16 private
    {0xC6120000, 15},  // 198.18.0.0/15 benchmarking
    {0xC6336400, 24},  // 198.51.100.0/24 documentation
    {0xCB007100, 24},  // 203.0.113.0/24 documentation
    {0xE0000000, 4},   // 224.0.0.0/4 multicast
    {0xF0000000, 4},   // 240.0.0.0/4 reserved, and 255.255.255.255 broadcast
}};

bool is_public_ipv4(const net::ip::address_v4& address) {
    auto value = address.to_uint();
    for (const auto& range : non_public_ipv4)
        if ((value >> (32 - range.prefix)) == (range.network >> (32 - range.prefix))) return false;
    return true;
}

bool is_public_ipv6(const net::ip::address_v6& address) {
    auto b = address.to_bytes();
    if (address.is_v4_mapped()) return is_public_ipv4(net::ip::make_address_v4(net::ip::v4_mapped, address));
    // 64:ff9b::/96, the well-known NAT64 prefix, reaches the IPv4 address in its last 32 bits.
    constexpr std::array<unsigned char, 12> nat64{0x00, 0x64, 0xff, 0x9b};
    if (std::equal(nat64.begin(), nat64.end(), b.begin()))
        return is_public_ipv4(net::ip::address_v4(net::ip::address_v4::bytes_type{b[12], b[13], b[14], b[15]}));
    // Outside 2000::/3 lies everything that is not global unicast: ::, ::1, the deprecated
    // v4-compatible form, 64:ff9b:1::/48, 100::/64, fc00::/7, fe80::/10, fec0::/10 and ff00::/8.
    if ((b[0] & 0xE0) != 0x20) return false;
    if (b[0] == 0x20 && b[1] == 0x01 && (b[2] & 0xFE) == 0) return false;            // 2001::/23 IETF, incl. Teredo
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;  // 2001:db8::/32 documentation
    if (b[0] == 0x20 && b[1] == 0x02) return false;                                  // 2002::/16 6to4
    if (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xF0) == 0) return false;            // 3fff::/20 documentation
    return true;
}

}  // namespace

bool is_public_address(const net::ip::address& address) {
    return address.is_v4() ? is_public_ipv4(address.to_v4()) : is_public_ipv6(address.to_v6());
}

}  // namespace gatehouse::connections
