#include "http/router.hpp"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <exception>

#include "http/response.hpp"

namespace gatehouse::http {

void Router::add_to(Entry& e, bhttp::verb method, Handler handler) {
    auto it = std::find_if(e.methods.begin(), e.methods.end(), [&](const auto& m) { return m.first == method; });
    if (it != e.methods.end())
        it->second = std::move(handler);
    else
        e.methods.emplace_back(method, std::move(handler));

    // Allow lists what dispatch() accepts, so HEAD appears wherever GET does.
    e.allow.clear();
    bool has_head =
        std::any_of(e.methods.begin(), e.methods.end(), [](const auto& m) { return m.first == bhttp::verb::head; });
    for (const auto& [verb, _] : e.methods) {
        if (!e.allow.empty()) e.allow += ", ";
        e.allow += bhttp::to_string(verb);
        if (verb == bhttp::verb::get && !has_head) e.allow += ", HEAD";
    }
}

void Router::add(bhttp::verb method, std::string path, Handler handler) {
    auto& e = exact_[path];
    e.pattern = std::move(path);
    add_to(e, method, std::move(handler));
}

void Router::add_prefix(bhttp::verb method, std::string prefix, Handler handler) {
    auto it = std::find_if(prefixes_.begin(), prefixes_.end(), [&](const Entry& e) { return e.pattern == prefix; });
    if (it == prefixes_.end()) {
        prefixes_.push_back(Entry{std::move(prefix), {}, {}});
        it = prefixes_.end() - 1;
    }
    add_to(*it, method, std::move(handler));
    std::stable_sort(prefixes_.begin(), prefixes_.end(),
                     [](const Entry& a, const Entry& b) { return a.pattern.size() > b.pattern.size(); });
}

bool Router::decorate(bhttp::verb method, std::string_view pattern, const std::function<Handler(Handler)>& wrap) {
    Entry* e = nullptr;
    if (auto it = exact_.find(std::string(pattern)); it != exact_.end()) e = &it->second;
    for (auto& p : prefixes_)
        if (!e && p.pattern == pattern) e = &p;
    if (!e) return false;
    for (auto& [verb, handler] : e->methods)
        if (verb == method) {
            handler = wrap(std::move(handler));
            return true;
        }
    return false;
}

const Router::Entry* Router::match_prefix(std::string_view path) const {
    for (const auto& e : prefixes_)
        if (path.starts_with(e.pattern)) return &e;
    return nullptr;
}

net::awaitable<Response> Router::dispatch(RequestContext& ctx) const {
    const Entry* e = nullptr;
    if (auto it = exact_.find(ctx.path); it != exact_.end())
        e = &it->second;
    else
        e = match_prefix(ctx.path);
    if (!e) co_return json_error(bhttp::status::not_found, "not_found", "Not found");
    ctx.route = e->pattern;

    auto method = ctx.req.method();
    const Handler* handler = nullptr;
    for (const auto& [verb, h] : e->methods)
        if (verb == method) handler = &h;
    bool head_as_get = false;
    if (!handler && method == bhttp::verb::head) {
        for (const auto& [verb, h] : e->methods)
            if (verb == bhttp::verb::get) handler = &h;
        head_as_get = handler != nullptr;
    }
    if (!handler) {
        auto res = json_error(bhttp::status::method_not_allowed, "method_not_allowed", "Method not allowed");
        res.set(bhttp::field::allow, e->allow);
        co_return res;
    }

    // Exceptions are bugs, not outcomes: the client learns only that something failed.
    std::string failure;
    try {
        auto res = co_await (*handler)(ctx);
        if (head_as_get) {
            res.content_length(res.body().size());
            res.body().clear();
        }
        co_return res;
    } catch (const std::exception& ex) {
        failure = ex.what();
    } catch (...) {
        failure = "unknown exception";
    }
    spdlog::error("handler failed: route={} method={} error=\"{}\"", e->pattern, ctx.req.method_string(), failure);
    co_return json_error(bhttp::status::internal_server_error, "server_error", "Internal error");
}

}  // namespace gatehouse::http
