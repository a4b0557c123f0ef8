// Internal to mgmt: Auth0's three list styles (bare array, offset pages with totals, checkpoint
// from/take) read from the query, turned into a store page, and rendered.
#pragma once

#include "mgmt/request.hpp"
#include "store/store.hpp"

#include <cstddef>
#include <string_view>

namespace gatehouse::mgmt::detail {

struct Paging {
    enum class style { none, offset, checkpoint };
    style kind = style::none;
    std::size_t page = 0;
    std::size_t per_page = 50;
    bool include_totals = false;
    std::size_t from = 0;  // checkpoint offset (decoded from the opaque `from`)
    std::size_t take = 50;
};
// page/per_page/include_totals always; take/from only when `checkpoint` (connections, grants).
expected<Paging> parse_paging(const ApiRequest&, bool checkpoint);

// The list response for one page of `items` out of `total`, in the style the request asked:
// bare array; {start,limit,length,total,<key>} (offset, include_totals); {<key>, next?} (checkpoint).
// `with_length` false drops "length" (connections' offset envelope has none).
ApiResponse list_response(const Paging&, std::string_view key, json::array items, std::size_t total,
                          bool with_length = true);
// The store page for `p` (offset/limit).
store::Page store_page(const Paging& p, std::size_t none_limit = 50);

}  // namespace gatehouse::mgmt::detail
