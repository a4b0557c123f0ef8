#include "util/multipart.hpp"
#include "util/util.hpp"

#include <algorithm>
#include <cctype>

namespace gatehouse::util {

namespace {

constexpr std::size_t kMaxHeaderBytes = 1024;  // all header lines of one part together

// RFC 2046 bchars.
bool boundary_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

// The parameters after the first ';' of a header value: key=value or key="value" (no escapes:
// RFC 7578 senders percent-encode instead). False when one is malformed.
bool parse_parameters(std::string_view s, std::vector<std::pair<std::string, std::string>>& out) {
    while (!s.empty()) {
        s = util::trim_blanks(s);
        if (s.empty()) break;
        auto eq = s.find('=');
        if (eq == std::string_view::npos) return false;
        std::string key(util::trim_blanks(s.substr(0, eq)));
        std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
        s = util::trim_blanks(s.substr(eq + 1));
        std::string value;
        if (!s.empty() && s.front() == '"') {
            auto close = s.find('"', 1);
            if (close == std::string_view::npos) return false;
            value = s.substr(1, close - 1);
            s = util::trim_blanks(s.substr(close + 1));
            if (!s.empty() && s.front() != ';') return false;
        } else {
            auto semi = s.find(';');
            value = util::trim_blanks(s.substr(0, semi));
            s = semi == std::string_view::npos ? std::string_view() : s.substr(semi);
        }
        if (key.empty()) return false;
        out.emplace_back(std::move(key), std::move(value));
        if (!s.empty()) s.remove_prefix(1);  // the ';'
    }
    return true;
}

}  // namespace

std::variant<std::string, MultipartError> multipart_boundary(std::string_view content_type) {
    auto semi = content_type.find(';');
    if (!util::iequals(util::trim_blanks(content_type.substr(0, semi)), "multipart/form-data"))
        return MultipartError{"Content-Type must be multipart/form-data"};
    std::vector<std::pair<std::string, std::string>> params;
    if (semi == std::string_view::npos || !parse_parameters(content_type.substr(semi + 1), params))
        return MultipartError{"multipart/form-data needs a boundary parameter"};
    std::string boundary;
    for (auto& [k, v] : params)
        if (k == "boundary") {
            if (!boundary.empty()) return MultipartError{"multipart/form-data has two boundary parameters"};
            boundary = v;
        }
    if (boundary.empty() || boundary.size() > 70 || boundary.back() == ' ' ||
        !std::all_of(boundary.begin(), boundary.end(), boundary_char))
        return MultipartError{"multipart/form-data needs a boundary parameter of 1 to 70 valid characters"};
    return boundary;
}

std::variant<std::vector<FormPart>, MultipartError> parse_multipart(std::string_view body, std::string_view boundary,
                                                                    const MultipartLimits& limits) {
    const std::string delimiter = "--" + std::string(boundary);
    const std::string next_delimiter = "\r\n" + delimiter;
    if (!body.starts_with(delimiter)) return MultipartError{"the multipart body does not start with its boundary"};
    std::size_t pos = delimiter.size();
    std::vector<FormPart> parts;
    for (;;) {
        // After a delimiter: "--" closes the body, CRLF opens a part.
        if (body.substr(pos).starts_with("--")) {
            auto rest = body.substr(pos + 2);
            if (!rest.empty() && rest != "\r\n") return MultipartError{"data after the closing boundary"};
            break;
        }
        if (!body.substr(pos).starts_with("\r\n")) return MultipartError{"a boundary is not followed by CRLF"};
        pos += 2;
        if (parts.size() == limits.max_parts) return MultipartError{"too many parts in the multipart body"};
        auto headers_end = body.find("\r\n\r\n", pos);
        // A part without headers has none to read (its blank line follows the delimiter at once).
        bool no_headers = body.substr(pos).starts_with("\r\n");
        if (!no_headers && (headers_end == std::string_view::npos || headers_end - pos > kMaxHeaderBytes))
            return MultipartError{"a part's headers are unterminated or too long"};
        FormPart part;
        bool disposition = false;
        std::string_view headers = no_headers ? std::string_view() : body.substr(pos, headers_end - pos);
        pos = no_headers ? pos + 2 : headers_end + 4;
        while (!headers.empty()) {
            auto eol = headers.find("\r\n");
            auto line = headers.substr(0, eol);
            headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
            auto colon = line.find(':');
            if (colon == std::string_view::npos || colon == 0) return MultipartError{"a part has a malformed header"};
            auto name = line.substr(0, colon);
            auto value = util::trim_blanks(line.substr(colon + 1));
            if (util::iequals(name, "content-disposition")) {
                if (disposition) return MultipartError{"a part has two Content-Disposition headers"};
                disposition = true;
                auto semi = value.find(';');
                std::vector<std::pair<std::string, std::string>> params;
                if (!util::iequals(util::trim_blanks(value.substr(0, semi)), "form-data") ||
                    semi == std::string_view::npos || !parse_parameters(value.substr(semi + 1), params))
                    return MultipartError{"a part's Content-Disposition is not form-data with a name"};
                bool has_name = false;
                for (auto& [k, v] : params) {
                    if (k == "name") {
                        if (has_name) return MultipartError{"a part's Content-Disposition names it twice"};
                        has_name = true;
                        part.name = v;
                    } else if (k == "filename") {
                        part.filename = v;
                    }
                }
                if (part.name.empty()) return MultipartError{"a part's Content-Disposition has no name"};
            } else if (util::iequals(name, "content-type")) {
                part.content_type = value;
            }
            // Other headers (Content-Transfer-Encoding is deprecated by RFC 7578) are ignored.
        }
        if (!disposition) return MultipartError{"a part has no Content-Disposition"};
        for (const auto& seen : parts)
            if (seen.name == part.name) return MultipartError{"the field '" + part.name + "' appears twice"};
        auto end = body.find(next_delimiter, pos);
        if (end == std::string_view::npos) return MultipartError{"a part is not terminated by the boundary"};
        if (end - pos > limits.max_part_size)
            return MultipartError{"the part '" + part.name + "' is larger than " +
                                  std::to_string(limits.max_part_size) + " bytes"};
        part.content = body.substr(pos, end - pos);
        parts.push_back(std::move(part));
        pos = end + next_delimiter.size();
    }
    if (parts.empty()) return MultipartError{"the multipart body has no parts"};
    return parts;
}

}  // namespace gatehouse::util
