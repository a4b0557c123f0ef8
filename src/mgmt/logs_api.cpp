// /api/v2/logs[/{id}] and /api/v2/users/{id}/logs: the tenant's log events, newest first, with
// Auth0's paging (page/per_page/include_totals, or from/take checkpoints with a Link header) and
// its `q` subset (mgmt/log_query.hpp). Filtering, ordering and paging all happen in the store's SQL.
#include "mgmt/log_query.hpp"
#include "mgmt/paging.hpp"
#include "mgmt/request.hpp"
#include "mgmt/route.hpp"
#include "mgmt/validation.hpp"
#include "util/util.hpp"

#include <algorithm>
#include <array>

namespace gatehouse::mgmt::detail {
namespace {

constexpr std::size_t kMaxLogIdLength = 64;

bool valid_log_id(std::string_view id) {
    return !id.empty() && id.size() <= kMaxLogIdLength &&
           std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

json::object log_to_json(const store::LogEvent& e) {
    json::object o;
    o["log_id"] = e.log_id;
    o["date"] = util::iso8601_ms(e.date_ms);
    o["type"] = e.type;
    o["description"] = e.description;
    // Auth0 leaves out what an event has no value for (a client_credentials exchange has no user).
    auto optional = [&](std::string_view key, const std::string& value) {
        if (!value.empty()) o[key] = value;
    };
    optional("client_id", e.client_id);
    optional("client_name", e.client_name);
    optional("ip", e.ip);
    optional("user_id", e.user_id);
    optional("user_name", e.user_name);
    optional("connection", e.connection);
    if (!e.details.empty()) o["details"] = e.details;
    return o;
}

struct LogListing {
    store::LogQuery query;
    Paging paging;
    FieldFilter fields;
    std::optional<std::size_t> take;  // set with `from`: a checkpoint page
};

// page/per_page/include_totals, sort (date:-1, date:1), fields, q (or search), and, where `checkpoint`, from/take.
expected<LogListing> parse_listing(const ApiRequest& req, bool checkpoint) {
    LogListing out;
    auto paging = parse_paging(req, false);
    if (!paging) return paging.error();
    out.paging = *paging;
    auto fields = parse_fields(req);
    if (!fields) return fields.error();
    out.fields = std::move(*fields);
    if (auto sort = query_one(req, "sort"); sort && *sort != "date:-1" && *sort != "date:1")
        return make_error(mgmt_errc::invalid_query_string,
                          query_error("Only sorting by date is supported: date:-1 (newest first) or date:1", "sort"));
    else if (sort)
        out.query.oldest_first = *sort == "date:1";
    // Auth0's API names the search `q`; its Node SDK (v5 and later) sends it as `search`.
    auto search = query_one(req, "q");
    if (!search) search = query_one(req, "search");
    auto q = parse_log_query(search.value_or(""));
    if (!q) return q.error();
    out.query.filter = std::move(*q);
    out.query.limit = out.paging.per_page;
    out.query.offset = out.paging.page * out.paging.per_page;
    out.query.with_total = out.paging.kind == Paging::style::offset && out.paging.include_totals;
    if (!checkpoint) return out;

    auto take = query_one(req, "take");
    std::size_t take_n = 50;
    if (take) {
        auto parsed = std::optional<std::size_t>();
        if (!take->empty() && take->size() <= 3 && std::all_of(take->begin(), take->end(), ::isdigit))
            parsed = std::stoul(*take);
        if (!parsed || *parsed < 1 || *parsed > 100)
            return make_error(mgmt_errc::invalid_query_string,
                              query_error("take must be an integer from 1 to 100", "take"));
        take_n = *parsed;
        out.query.limit = take_n;
        out.query.offset = 0;
    }
    if (auto from = query_one(req, "from")) {
        if (!valid_log_id(*from))
            return make_error(mgmt_errc::invalid_query_string, query_error("Invalid checkpoint", "from"));
        out.query.checkpoint = true;
        out.query.after_log_id = *from;
        out.query.limit = take_n;
        out.query.with_total = false;
        out.take = take_n;
    }
    return out;
}

ApiResponse answer(Context& ctx, LogListing listing, std::string_view next_path) {
    auto page = ctx.store.list_logs(listing.query);
    if (!page) return render_error(make_error(mgmt_errc::internal_error));
    json::array items;
    for (const auto& e : page->items) {
        auto o = log_to_json(e);
        listing.fields.apply(o);
        items.push_back(std::move(o));
    }
    if (!listing.take) return list_response(listing.paging, "logs", std::move(items), page->total);
    // Checkpoint: the next page starts after the last event seen, or where this one started.
    auto last = page->items.empty() ? listing.query.after_log_id : page->items.back().log_id;
    auto res = json_response(200, items);
    res.headers.emplace_back("Link", "<" + ctx.settings.issuer + std::string(next_path) + "?from=" + last +
                                         "&take=" + std::to_string(*listing.take) + ">; rel=\"next\"");
    return res;
}

ApiResponse list_logs(Context& ctx) {
    auto listing = parse_listing(ctx.req, true);
    if (!listing) return render_error(listing.error());
    return answer(ctx, std::move(*listing), "api/v2/logs");
}

ApiResponse get_log(Context& ctx) {
    const auto& id = ctx.params[0];
    if (!valid_log_id(id)) return render_error(make_error(mgmt_errc::inexistent_log));
    auto e = ctx.store.get_log(id);
    if (!e) return render_error(store_error(e.error(), mgmt_errc::inexistent_log, mgmt_errc::inexistent_log));
    return json_response(200, log_to_json(*e));
}

// The user's events whether or not the user still exists: a deleted account's history stays.
ApiResponse list_user_logs(Context& ctx) {
    const auto& id = ctx.params[0];
    if (id.find('|') == std::string::npos || id.size() > 512 || !util::valid_utf8(id))
        return render_error(path_error("user-id", id, "ID of the user"));
    auto listing = parse_listing(ctx.req, false);
    if (!listing) return render_error(listing.error());
    store::LogFilter user;
    user.op = store::LogFilter::kind::user_id;
    user.value = id;
    store::LogFilter both;
    both.op = store::LogFilter::kind::both;
    both.operands = {std::move(user), std::move(listing->query.filter)};
    listing->query.filter = std::move(both);
    return answer(ctx, std::move(*listing), "");
}

}  // namespace

std::span<const Route> logs_routes() {
    static constexpr std::array routes = {
        Route{"GET", "/logs", "read:logs", &list_logs},
        Route{"GET", "/logs/{}", "read:logs", &get_log},
        Route{"GET", "/users/{}/logs", "read:logs,read:logs_users", &list_user_logs},
    };
    return routes;
}

}  // namespace gatehouse::mgmt::detail
