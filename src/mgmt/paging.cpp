#include "mgmt/paging.hpp"

#include "mgmt/validation.hpp"

namespace gatehouse::mgmt::detail {

expected<Paging> parse_paging(const ApiRequest& req, bool checkpoint) {
    Paging p;
    auto page = int_param(req, "page", 0, 100000);
    if (!page) return page.error();
    auto per_page = int_param(req, "per_page", 1, 100);
    if (!per_page) return per_page.error();
    auto totals = bool_param(req, "include_totals");
    if (!totals) return totals.error();
    if (*page) p.page = **page;
    if (*per_page) p.per_page = **per_page;
    if (*totals) p.include_totals = **totals;
    if (checkpoint) {
        auto take = int_param(req, "take", 1, 100);
        if (!take) return take.error();
        auto from = query_one(req, "from");
        std::optional<std::size_t> from_n;
        if (from && !from->empty()) {
            from_n = parse_size(*from);
            if (!from_n) return make_error(mgmt_errc::invalid_query_string, query_error("Invalid checkpoint", "from"));
        }
        // Checkpoint wins over page/per_page when both are sent (as Auth0 answers).
        if (*take || from) {
            p.kind = Paging::style::checkpoint;
            p.take = *take ? **take : 50;
            p.from = from_n.value_or(0);
            return p;
        }
    }
    if (*page || *per_page || *totals) p.kind = Paging::style::offset;
    return p;
}

store::Page store_page(const Paging& p, std::size_t none_limit) {
    switch (p.kind) {
        case Paging::style::none:
            return store::Page{0, none_limit};
        case Paging::style::offset:
            return store::Page{p.page * p.per_page, p.per_page};
        case Paging::style::checkpoint:
            return store::Page{p.from, p.take};
    }
    return {};
}

ApiResponse list_response(const Paging& p, std::string_view key, json::array items, std::size_t total,
                          bool with_length) {
    if (p.kind == Paging::style::checkpoint) {
        json::object body;
        std::size_t next = p.from + items.size();
        body[key] = std::move(items);
        if (next < total && next > p.from) body["next"] = std::to_string(next);
        return json_response(200, body);
    }
    if (p.kind == Paging::style::offset && p.include_totals) {
        json::object body;
        body["start"] = p.page * p.per_page;
        body["limit"] = p.per_page;
        if (with_length) body["length"] = items.size();
        body["total"] = total;
        body[key] = std::move(items);
        return json_response(200, body);
    }
    return json_response(200, items);
}

}  // namespace gatehouse::mgmt::detail
