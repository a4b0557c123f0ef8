// What every successful parameter parse (query, form, JSON) promises: http/parse.hpp limits, unique
// non-empty-for-urlencoded names, UTF-8 throughout.
#pragma once

#include "fuzz_check.hpp"
#include "http/parse.hpp"

namespace gatehouse::fuzz {

inline void check_params(const http::ParseResult<util::Params>& r, bool names_may_be_empty) {
    if (!r) {
        FUZZ_CHECK(sane_description(r.error().description));
        return;
    }
    const auto& items = r->items();
    FUZZ_CHECK(items.size() <= http::max_params);
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& [name, value] = items[i];
        FUZZ_CHECK(names_may_be_empty || !name.empty());
        FUZZ_CHECK(name.size() <= http::max_param_name);
        FUZZ_CHECK(value.size() <= http::max_param_value);
        FUZZ_CHECK(util::valid_utf8(name));
        FUZZ_CHECK(util::valid_utf8(value));
        for (std::size_t j = 0; j < i; ++j) FUZZ_CHECK(items[j].first != name);  // RFC 6749 §3.1
    }
}

}  // namespace gatehouse::fuzz
