#include "oauth/parameter_limits.hpp"

#include <string>

namespace gatehouse::oauth {

std::optional<ErrorPage> oversized_authorize_parameter(const util::Params& params,
                                                       std::span<const char* const> upstream_sources) {
    for (const auto& [name, max_bytes] : kAuthorizeParameterLimits)
        if (auto value = params.find(name); value && value->size() > max_bytes)
            return ErrorPage{400, "Invalid request",
                             "The parameter " + std::string(name) + " is too long: " + std::to_string(value->size()) +
                                 " bytes, at most " + std::to_string(max_bytes) + "."};
    std::size_t total = 0;
    for (const char* name : upstream_sources)
        if (auto value = params.find(name)) total += value->size();
    if (total > kMaxUpstreamSourceBytes)
        return ErrorPage{400, "Invalid request",
                         "The login parameters (login_hint, id_token_hint, ui_locales, acr_values and the like) are "
                         "too long together: " +
                             std::to_string(total) + " bytes, at most " + std::to_string(kMaxUpstreamSourceBytes) +
                             "."};
    return std::nullopt;
}

}  // namespace gatehouse::oauth
