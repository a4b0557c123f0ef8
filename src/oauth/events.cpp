#include "oauth/events.hpp"

#include <array>

namespace gatehouse::oauth {

namespace {

struct ExchangeEventRow {
    std::string_view grant_type;
    ExchangeEventTypes types;
};

// Auth0's codes (https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes).
constexpr std::array kExchangeEvents = {
    ExchangeEventRow{"authorization_code", {"seacft", "feacft", "Authorization Code for Access Token"}},
    ExchangeEventRow{"refresh_token", {"sertft", "fertft", "Refresh Token for Access Token"}},
    ExchangeEventRow{"client_credentials", {"seccft", "feccft", "Client Credentials for Access Token"}},
    ExchangeEventRow{"password", {"seop", "feop", "Password for Access Token"}},
    ExchangeEventRow{"http://auth0.com/oauth/grant-type/password-realm", {"seop", "feop", "Password for Access Token"}},
};

}  // namespace

ExchangeEventTypes exchange_event_types(std::string_view grant_type) {
    for (const auto& row : kExchangeEvents)
        if (row.grant_type == grant_type) return row.types;
    return {};
}

}  // namespace gatehouse::oauth
