// A strict multipart/form-data reader (RFC 7578 over RFC 2046's framing), for the one upload the
// Management API takes (the bulk user import). Strict: the body starts with the first delimiter,
// every part has a Content-Disposition `form-data` with a name, a name appears once, and the close
// delimiter ends the body; anything else is an error that names the problem.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gatehouse::util {

struct FormPart {
    std::string name;
    std::string filename;      // empty for a plain field
    std::string content_type;  // empty when the part has none
    std::string content;
};

struct MultipartLimits {
    std::size_t max_part_size = 0;  // bytes of one part's content
    std::size_t max_parts = 16;
};

struct MultipartError {
    std::string message;  // why the body was refused, for the 400's message
};

// The boundary of a `multipart/form-data; boundary=...` content type (quoted or not, 1 to 70
// characters of RFC 2046's set); an error for another type or a missing or bad boundary.
std::variant<std::string, MultipartError> multipart_boundary(std::string_view content_type);

// The parts of `body`, in order.
std::variant<std::vector<FormPart>, MultipartError> parse_multipart(std::string_view body, std::string_view boundary,
                                                                    const MultipartLimits& limits);

}  // namespace gatehouse::util
