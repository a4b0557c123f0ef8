#include "http/client_address.hpp"

#include <algorithm>
#include <optional>

namespace gatehouse::http {
namespace {

constexpr std::size_t kMaxForwardedEntries = 32;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

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

ParseResult<TrustedProxies> TrustedProxies::parse(std::string_view list) {
    TrustedProxies out;
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
    // Every X-Forwarded-For header, in order, is one list (RFC 9110 §5.3); walk it from the right.
    std::vector<std::string_view> entries;
    auto [first, last] = req.equal_range("X-Forwarded-For");
    for (auto field = first; field != last; ++field) {
        std::string_view value = field->value();
        std::size_t pos = 0;
        while (pos <= value.size()) {
            auto comma = value.find(',', pos);
            if (comma == std::string_view::npos) comma = value.size();
            entries.push_back(trim(value.substr(pos, comma - pos)));
            pos = comma + 1;
        }
    }
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
