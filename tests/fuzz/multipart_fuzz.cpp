// util/multipart: the bulk import's multipart/form-data reader. Input: "content-type\nbody".
// Invariants: a body it accepts has 1..max_parts parts, each with a non-empty name seen once and
// content within the part cap, every content a piece of the body; a rejection always says why.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_check.hpp"
#include "util/multipart.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace gatehouse;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto nl = input.find('\n');
    if (nl == std::string_view::npos) return 0;
    auto boundary = util::multipart_boundary(input.substr(0, nl));
    if (const auto* e = std::get_if<util::MultipartError>(&boundary)) {
        FUZZ_CHECK(!e->message.empty());
        return 0;
    }
    const auto& b = std::get<std::string>(boundary);
    FUZZ_CHECK(!b.empty() && b.size() <= 70);
    auto body = input.substr(nl + 1);
    const util::MultipartLimits limits{.max_part_size = 64, .max_parts = 4};
    auto parsed = util::parse_multipart(body, b, limits);
    if (const auto* e = std::get_if<util::MultipartError>(&parsed)) {
        FUZZ_CHECK(!e->message.empty());
        return 0;
    }
    const auto& parts = std::get<std::vector<util::FormPart>>(parsed);
    FUZZ_CHECK(!parts.empty() && parts.size() <= limits.max_parts);
    std::set<std::string> names;
    for (const auto& part : parts) {
        FUZZ_CHECK(!part.name.empty());
        FUZZ_CHECK(names.insert(part.name).second);
        FUZZ_CHECK(part.content.size() <= limits.max_part_size);
        FUZZ_CHECK(body.find(part.content) != std::string_view::npos);
        FUZZ_CHECK(part.content.find("\r\n--" + b) == std::string::npos);
    }
    return 0;
}
