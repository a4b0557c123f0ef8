// The `q` of GET /api/v2/logs: Auth0's Lucene-style subset, parsed into a store::LogFilter (which
// the store turns into SQL with bound parameters). Accepted: type:"x", user_id:"x", client_id:"x"
// (values quoted or bare), date:[a TO b] (ISO 8601 dates or instants, * for open; a date-only
// upper bound includes its whole day), AND, OR (AND binds tighter), parentheses. Anything else is a
// 400 saying what was not understood, and at most 1024 characters, 32 terms and 8 levels of
// parentheses are read.
#pragma once

#include "mgmt/error.hpp"
#include "store/model.hpp"

#include <boost/system/result.hpp>

#include <optional>
#include <string_view>

namespace gatehouse::mgmt {

boost::system::result<store::LogFilter, ApiError> parse_log_query(std::string_view q);

// "2024-01-31", "2024-01-31T10:00", "2024-01-31T10:00:00.123Z" (UTC) -> ms since the epoch; a
// date-only text with `end_of_day` gives its last millisecond.
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text, bool end_of_day = false);

}  // namespace gatehouse::mgmt
