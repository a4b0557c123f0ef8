#include "http/client_address.hpp"
#include "util/util.hpp"

#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <optional>

namespace gatehouse::http {
namespace {

constexpr std::size_t kMaxForwardedEntries = 32;

// A port or a prefix length: one or more ASCII digits.
bool is_number(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<net::ip::address> parse_address(std::string_view text) {
    boost::system::error_code ec;
    auto address = net::ip::make_address(std::string(text), ec);
    if (ec) return std::nullopt;
    return unmapped(address);
}

// An X-Forwarded-For entry: an address, "[v6]", "[v6]:port" or "v4:port" (some proxies add ports).
std::optional<net::ip::address> parse_forwarded_entry(std::string_view entry) {
    if (entry.starts_with('[')) {
        auto close = entry.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        auto rest = entry.substr(close + 1);
        if (!rest.empty() && !(rest.front() == ':' && is_number(rest.substr(1)))) return std::nullopt;
        return parse_address(entry.substr(1, close - 1));
    }
    if (std::count(entry.begin(), entry.end(), ':') == 1) {
        auto colon = entry.find(':');
        auto port = entry.substr(colon + 1);
        if (!is_number(port)) return std::nullopt;
        auto address = parse_address(entry.substr(0, colon));
        if (!address || !address->is_v4()) return std::nullopt;
        return address;
    }
    return parse_address(entry);
}

// Splits at `separator` outside RFC 9110 quoted strings (a quoted Forwarded value may hold a comma).
std::vector<std::string_view> split_unquoted(std::string_view s, char separator) {
    std::vector<std::string_view> parts;
    bool quoted = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (quoted && s[i] == '\\')
            ++i;
        else if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted && s[i] == separator) {
            parts.push_back(util::trim_blanks(s.substr(start, i - start)));
            start = i + 1;
        }
    }
    parts.push_back(util::trim_blanks(s.substr(start)));
    return parts;
}

// The node of one Forwarded element's `for` parameter (RFC 7239 §4, §6), unquoted: "192.0.2.43",
// "[2001:db8::17]:4711", "unknown", "_hidden". Empty when the element has no `for` or is malformed.
std::string forwarded_for(std::string_view element) {
    for (auto pair : split_unquoted(element, ';')) {
        auto eq = pair.find('=');
        if (eq == std::string_view::npos) return {};
        auto name = util::trim_blanks(pair.substr(0, eq));
        if (name.size() != 3 || !boost::beast::iequals(name, "for")) continue;
        auto value = util::trim_blanks(pair.substr(eq + 1));
        if (!value.starts_with('"')) return std::string(value);
        if (value.size() < 2 || !value.ends_with('"')) return {};
        std::string node;
        for (std::size_t i = 1; i + 1 < value.size(); ++i) {
            if (value[i] == '\\' && i + 2 < value.size()) ++i;
            node += value[i];
        }
        return node;
    }
    return {};
}

// The hops the trusted proxies reported, leftmost (the original client) first.
std::vector<std::string> forwarded_hops(const Request& req, ProxyHeader header) {
    std::vector<std::string> hops;
    const bool rfc7239 = header == ProxyHeader::forwarded;
    // Every such header, in order, is one list (RFC 9110 §5.3).
    auto [first, last] = req.equal_range(rfc7239 ? "Forwarded" : "X-Forwarded-For");
    for (auto field = first; field != last; ++field)
        for (auto entry : split_unquoted(field->value(), ','))
            hops.push_back(rfc7239 ? forwarded_for(entry) : std::string(entry));
    return hops;
}

net::ip::address_v6::bytes_type as_v6_bytes(const net::ip::address& address) {
    if (address.is_v4()) return net::ip::make_address_v6(net::ip::v4_mapped, address.to_v4()).to_bytes();
    return address.to_v6().to_bytes();
}

}  // namespace

net::ip::address unmapped(const net::ip::address& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
    return address;
}

std::string address_key(const net::ip::address& address) {
    const auto client = unmapped(address);
    if (client.is_v4()) return client.to_string();
    auto bytes = client.to_v6().to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);  // the interface identifier: the host's to choose
    return net::ip::make_address_v6(bytes).to_string() + "/64";
}

std::string address_key(std::string_view address) {
    auto parsed = parse_address(address);
    return parsed ? address_key(*parsed) : std::string(address);
}

ParseResult<ProxyHeader> TrustedProxies::parse_header(std::string_view name) {
    if (boost::beast::iequals(name, "xforwarded")) return ProxyHeader::x_forwarded_for;
    if (boost::beast::iequals(name, "forwarded")) return ProxyHeader::forwarded;
    return ParseError{"\"" + std::string(name) +
                      "\" is not a proxy header: use xforwarded (X-Forwarded-For) or forwarded (RFC 7239)"};
}

ParseResult<TrustedProxies> TrustedProxies::parse(std::string_view list, ProxyHeader header) {
    TrustedProxies out;
    out.header_ = header;
    std::size_t pos = 0;
    while (pos < list.size()) {
        auto end = list.find_first_of(", ", pos);
        if (end == std::string_view::npos) end = list.size();
        const auto entry = list.substr(pos, end - pos);
        pos = end + 1;
        if (entry.empty()) continue;
        auto bad = [&] {
            return ParseError{"\"" + std::string(entry) +
                              "\" is not an IP address or CIDR network (e.g. 10.0.0.0/8, ::1)"};
        };
        const auto slash = entry.find('/');
        auto address = parse_address(entry.substr(0, slash));
        if (!address) return bad();
        const unsigned width = address->is_v4() ? 32 : 128;
        unsigned prefix = width;
        if (slash != std::string_view::npos) {
            auto digits = entry.substr(slash + 1);
            if (!is_number(digits) || digits.size() > 3) return bad();
            prefix = unsigned(std::stoul(std::string(digits)));
            if (prefix > width) return bad();
        }
        out.networks_.push_back({as_v6_bytes(*address), prefix + (128 - width)});
    }
    return out;
}

bool TrustedProxies::contains(const net::ip::address& address) const noexcept {
    const auto bytes = as_v6_bytes(unmapped(address));
    return std::any_of(networks_.begin(), networks_.end(), [&](const Network& n) {
        const unsigned whole = n.prefix / 8, bits = n.prefix % 8;
        if (!std::equal(bytes.begin(), bytes.begin() + whole, n.bytes.begin())) return false;
        if (bits == 0) return true;
        const unsigned char mask = static_cast<unsigned char>(0xff00 >> bits);
        return (bytes[whole] & mask) == (n.bytes[whole] & mask);
    });
}

std::string client_address(const net::ip::address& peer, const Request& req, const TrustedProxies& trusted) {
    auto client = unmapped(peer);
    if (trusted.empty() || !trusted.contains(client)) return client.to_string();
    const auto entries = forwarded_hops(req, trusted.header());
    const std::size_t floor = entries.size() > kMaxForwardedEntries ? entries.size() - kMaxForwardedEntries : 0;
    for (std::size_t i = entries.size(); i > floor; --i) {
        auto hop = parse_forwarded_entry(entries[i - 1]);
        if (!hop) break;
        client = *hop;
        if (!trusted.contains(client)) break;
    }
    return client.to_string();
}

}  // namespace gatehouse::http
