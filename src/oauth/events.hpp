// The tenant log events the protocol writes (Auth0's type codes: s, f, fp, fu, ss, fs, limit_wc,
// seacft/feacft, sertft/fertft, seccft/feccft, seop/feop). Only ids, names, addresses and
// outcomes go in an event: never a password, code, token, client secret or ticket.
#pragma once

#include "store/event_log.hpp"

#include <string_view>
#include <utility>

namespace gatehouse::oauth {

// Records `event` when a log is configured (composition root); a no-op otherwise.
inline void record_event(store::EventLog* log, store::LogEvent event) {
    if (log) log->record(std::move(event));
}

// The token endpoint's {success, failure} codes for a grant type; {"", ""} for one Auth0 has none for.
struct ExchangeEventTypes {
    std::string_view success;
    std::string_view failure;
    std::string_view description;
};
ExchangeEventTypes exchange_event_types(std::string_view grant_type);

}  // namespace gatehouse::oauth
