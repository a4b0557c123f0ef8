#include "util/util.hpp"
#include "util/json.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>

namespace gatehouse::util {
namespace {

constexpr std::string_view kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kB64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(std::string_view in, std::string_view alphabet, bool pad) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        std::uint32_t v = (std::uint8_t(in[i]) << 16) | (std::uint8_t(in[i + 1]) << 8) | std::uint8_t(in[i + 2]);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if (std::size_t rest = in.size() - i; rest > 0) {
        std::uint32_t v = std::uint8_t(in[i]) << 16;
        if (rest == 2) v |= std::uint8_t(in[i + 1]) << 8;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        if (rest == 2) out += alphabet[(v >> 6) & 63];
        if (pad) out.append(rest == 1 ? 2 : 1, '=');
    }
    return out;
}

std::optional<std::string> decode(std::string_view in, std::string_view alphabet) {
    std::array<int, 256> table{};
    table.fill(-1);
    for (std::size_t i = 0; i < alphabet.size(); ++i) table[std::uint8_t(alphabet[i])] = int(i);
    if (in.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(in.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        int v = table[std::uint8_t(c)];
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | std::uint32_t(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += char((acc >> bits) & 0xff);
        }
    }
    // Leftover bits must be zero, otherwise two encodings would decode to the same bytes.
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) { return encode(bytes, kB64Url, false); }
std::optional<std::string> base64url_decode(std::string_view text) { return decode(text, kB64Url); }
std::string base64_encode(std::string_view bytes) { return encode(bytes, kB64, true); }

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::size_t pad = 0;
    while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
    return decode(text.substr(0, text.size() - pad), kB64);
}

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), int(n)) != 1) std::abort();
    return out;
}

std::string random_token(std::size_t n) { return base64url_encode(random_bytes(n)); }

namespace {
std::string random_from(std::string_view alphabet, std::size_t n) {
    // Rejection sampling keeps the distribution uniform for alphabets that do not divide 256.
    const unsigned limit = 256 - (256 % alphabet.size());
    std::string out;
    out.reserve(n);
    while (out.size() < n) {
        for (char b : random_bytes(n * 2)) {
            unsigned v = std::uint8_t(b);
            if (v < limit && out.size() < n) out += alphabet[v % alphabet.size()];
        }
    }
    return out;
}
}  // namespace

std::string random_alnum(std::size_t n) {
    return random_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", n);
}
std::string random_hex(std::size_t n) { return random_from("0123456789abcdef", n); }

std::string sha256(std::string_view data) {
    std::string out(32, '\0');
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len, EVP_sha256(), nullptr);
    return out;
}

std::string sha256_b64url(std::string_view data) { return base64url_encode(sha256(data)); }

std::string hmac_sha256(std::string_view key, std::string_view data) {
    std::string out(32, '\0');
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(out.data()), &len);
    return out;
}

std::string hkdf_sha256(std::string_view key_material, std::string_view info, std::size_t length) {
    struct KdfFree {
        void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
        void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
    };
    std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
    std::unique_ptr<EVP_KDF_CTX, KdfFree> ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
    if (!ctx) std::abort();  // OpenSSL 3 always has HKDF: its absence is a broken install
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(key_material.data()),
                                          key_material.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size()),
        OSSL_PARAM_construct_end()};
    std::string out(length, '\0');
    if (EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), out.size(), params) != 1) std::abort();
    return out;
}

std::string hash_secret(std::string_view key, std::string_view secret) {
    // On the token endpoint's hot path: OpenSSL 3's one-shot HMAC() fetches the algorithm and sets
    // the key on every call (~24k instructions). Keep a keyed context per thread and copy it.
    struct MacCtxFree {
        void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
    };
    thread_local std::unique_ptr<EVP_MAC_CTX, MacCtxFree> keyed;
    thread_local std::string keyed_with;
    if (!keyed || keyed_with != key) {
        EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
        keyed.reset(mac ? EVP_MAC_CTX_new(mac) : nullptr);
        EVP_MAC_free(mac);
        char digest[] = "SHA256";
        OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end()};
        if (!keyed ||
            EVP_MAC_init(keyed.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) != 1) {
            keyed.reset();
            return base64url_encode(hmac_sha256(key, secret));
        }
        keyed_with = std::string(key);
    }
    std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_dup(keyed.get()));
    unsigned char out[32];
    std::size_t len = 0;
    if (!ctx || EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(secret.data()), secret.size()) != 1 ||
        EVP_MAC_final(ctx.get(), out, &len, sizeof out) != 1)
        return base64url_encode(hmac_sha256(key, secret));
    return base64url_encode(std::string_view(reinterpret_cast<const char*>(out), len));
}

std::string to_hex(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char c : bytes) {
        out += kDigits[std::uint8_t(c) >> 4];
        out += kDigits[std::uint8_t(c) & 15];
    }
    return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    // Length is not secret (secrets have fixed lengths); the contents are.
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= std::uint8_t(a[i]) ^ std::uint8_t(b[i]);
    return diff == 0;
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::int64_t unix_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string iso8601_ms(std::int64_t unix_ms) {
    std::time_t secs = std::time_t(unix_ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, int(unix_ms % 1000));
    return buf;
}

namespace {

// The length of the well-formed UTF-8 sequence at s[i] (no overlong form, surrogate or code point
// past U+10FFFF), or 0 if there is none.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    unsigned c = std::uint8_t(s[i]);
    if (c < 0x80) return 1;
    std::size_t len;
    std::uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
        len = 2, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        unsigned cc = std::uint8_t(s[i + k]);
        if ((cc & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return len;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim_blanks(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        auto len = utf8_sequence_length(s, i);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

std::string to_valid_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        if (auto len = utf8_sequence_length(s, i)) {
            out.append(s.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER, one per bad byte
            ++i;
        }
    }
    return out;
}

// HTML text and attribute values (both quote kinds): pages and email bodies.
std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

boost::json::value merge_patch(const boost::json::value& target, const boost::json::value& patch) {
    if (!patch.is_object()) return patch;
    boost::json::object result = target.is_object() ? target.get_object() : boost::json::object();
    for (const auto& [k, v] : patch.get_object()) {
        if (v.is_null()) {
            result.erase(k);
        } else {
            const auto* existing = result.if_contains(k);
            result[k] = merge_patch(existing ? *existing : boost::json::value(), v);
        }
    }
    return result;
}

}  // namespace gatehouse::util
