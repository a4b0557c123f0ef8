#include "http/cors.hpp"
#include "util/util.hpp"

#include <array>

#include "http/response.hpp"
#include "util/url.hpp"

namespace gatehouse::http {

namespace {

// Headers the Auth0 SDKs send cross-origin; anything else the browser asks for is not granted.
constexpr std::array<std::string_view, 4> safe_headers = {"Auth0-Client", "Content-Type", "Authorization", "DPoP"};

}  // namespace

void allow_cors(Response& res, std::string_view origin) {
    res.set(bhttp::field::access_control_allow_origin, origin);
    res.set(bhttp::field::vary, "Origin");
    res.set(bhttp::field::access_control_allow_credentials, "true");
}

Response cors_preflight(const Request& req, std::string_view origin, bool allowed) {
    auto res = empty_response(bhttp::status::no_content);
    res.set(bhttp::field::vary, "Origin");
    if (!allowed) return res;
    allow_cors(res, origin);

    std::string_view method = req[bhttp::field::access_control_request_method];
    res.set(bhttp::field::access_control_allow_methods, method == "GET" || method == "POST" ? method : "GET, POST");

    std::string headers;
    std::string_view requested = req[bhttp::field::access_control_request_headers];
    while (!requested.empty()) {
        auto comma = requested.find(',');
        auto name = util::trim_blanks(requested.substr(0, comma));
        requested = comma == std::string_view::npos ? std::string_view{} : requested.substr(comma + 1);
        for (auto safe : safe_headers) {
            if (!util::iequals(name, safe)) continue;
            if (!headers.empty()) headers += ", ";
            headers += name;  // echo the browser's spelling; the match is case-insensitive anyway
            break;
        }
    }
    if (!headers.empty()) res.set(bhttp::field::access_control_allow_headers, headers);
    res.set(bhttp::field::access_control_max_age, "86400");
    return res;
}

std::string origin_of(std::string_view url) { return util::origin_of(url).value_or(std::string()); }

}  // namespace gatehouse::http
