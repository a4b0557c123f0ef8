// Router: maps (method, path) to handlers. Exact paths first, then the longest matching prefix.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "http/types.hpp"

namespace gatehouse::http {

class Router {
  public:
    // Exact path, e.g. "/oauth/token". Registering the same (verb, path) twice replaces the handler.
    void add(bhttp::verb method, std::string path, Handler handler);
    // Every path starting with `prefix`, e.g. "/api/v2/"; the longest registered prefix wins.
    void add_prefix(bhttp::verb method, std::string prefix, Handler handler);
    // Replaces the handler registered for (method, pattern), an exact path or a prefix, with
    // wrap(handler), e.g. to put it behind a rate limit. False when there is none.
    bool decorate(bhttp::verb method, std::string_view pattern, const std::function<Handler(Handler)>& wrap);

    // Sets ctx.route to the matched pattern. Never throws: an unknown path is 404, a known path with
    // another method is 405 (with Allow), HEAD falls back to GET without a body, and a handler that
    // throws becomes a 500 whose what() goes only to the log.
    net::awaitable<Response> dispatch(RequestContext& ctx) const;

  private:
    struct Entry {
        std::string pattern;
        std::vector<std::pair<bhttp::verb, Handler>> methods;
        std::string allow;  // precomputed Allow header value
    };
    static void add_to(Entry& e, bhttp::verb method, Handler handler);
    const Entry* match_prefix(std::string_view path) const;

    std::unordered_map<std::string, Entry> exact_;
    std::vector<Entry> prefixes_;  // sorted longest first
};

}  // namespace gatehouse::http
