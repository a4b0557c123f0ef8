// Which address a request counts against (rate limits, the access log): the TCP peer, or, when the
// peer is a reverse proxy the operator trusts (--trusted-proxies), the client that proxy reports in
// X-Forwarded-For or, with --proxy-headers forwarded, in RFC 7239's Forwarded. Trusting a header from
// anyone else would let every request pick its own address.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "http/parse.hpp"
#include "http/types.hpp"

namespace gatehouse::http {

// The header the proxies write. Only one is read: a proxy that maintains one header passes the other
// through as the client sent it, so reading both would let the client choose its address.
enum class ProxyHeader { x_forwarded_for, forwarded };

class TrustedProxies {
  public:
    // Comma- or space-separated addresses and CIDR networks: "127.0.0.1, 10.0.0.0/8, fd00::/8".
    // The error names the entry that is not one.
    static ParseResult<TrustedProxies> parse(std::string_view list, ProxyHeader header = ProxyHeader::x_forwarded_for);
    // "xforwarded" (X-Forwarded-For) or "forwarded" (RFC 7239), as Keycloak's --proxy-headers.
    static ParseResult<ProxyHeader> parse_header(std::string_view name);

    bool empty() const noexcept { return networks_.empty(); }
    bool contains(const net::ip::address& address) const noexcept;
    ProxyHeader header() const noexcept { return header_; }

  private:
    struct Network {
        net::ip::address_v6::bytes_type bytes;  // IPv4 as IPv4-mapped IPv6, so one comparison serves both
        unsigned prefix;                        // in bits of the 128
    };
    std::vector<Network> networks_;
    ProxyHeader header_ = ProxyHeader::x_forwarded_for;
};

// "::ffff:192.0.2.1" is the IPv4 client 192.0.2.1: the same client as over an IPv4 socket.
net::ip::address unmapped(const net::ip::address& address);

// The key every per-address limit counts a client under: an IPv4 address as itself ("192.0.2.1"),
// an IPv6 address as its /64 ("2001:db8:1:2::/64"). A /64 is one subscriber's link (RFC 4291 §2.5.4,
// RFC 6177), and its hosts pick addresses in it at will (RFC 8981), so per address a single host
// would be 2^64 clients. IPv4-mapped IPv6 addresses are their IPv4 address.
std::string address_key(const net::ip::address& address);
// The same for an address as text (RequestContext::remote_ip); text that is no address is its own key.
std::string address_key(std::string_view address);

// The client a request came from, as text. The peer itself unless it is a trusted proxy; then the
// X-Forwarded-For list, or the `for=` of each Forwarded element (every such header, in order), is
// walked from the right, skipping trusted proxies, and the first other address is the client. An
// entry that is not an address ends the walk at the proxy that reported it, so a forged or garbled
// header never yields an address of the sender's choosing beyond what the last trusted proxy saw.
// At most 32 entries are examined.
std::string client_address(const net::ip::address& peer, const Request& req, const TrustedProxies& trusted);

}  // namespace gatehouse::http
