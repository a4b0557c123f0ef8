#include "http/router.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <stdexcept>

#include "http/response.hpp"

namespace gatehouse::http {
namespace {

struct Outcome {
    Response res;
    std::string route;
};

Outcome run(const Router& router, bhttp::verb method, std::string path) {
    Request req{method, path, 11};
    net::io_context ioc;
    RequestContext ctx{req, "127.0.0.1", path, "", false, {}, {}};
    auto fut = net::co_spawn(ioc, router.dispatch(ctx), net::use_future);
    ioc.run();
    return {fut.get(), ctx.route};
}

Handler text(std::string body) {
    return [body](RequestContext&) -> net::awaitable<Response> {
        co_return text_response(bhttp::status::ok, body, "text/plain");
    };
}

TEST(Router, ExactMatchAndMethod) {
    Router r;
    r.add(bhttp::verb::get, "/a", text("get a"));
    r.add(bhttp::verb::post, "/a", text("post a"));
    auto g = run(r, bhttp::verb::get, "/a");
    EXPECT_EQ(g.res.body(), "get a");
    EXPECT_EQ(g.route, "/a");
    EXPECT_EQ(run(r, bhttp::verb::post, "/a").res.body(), "post a");
    EXPECT_EQ(run(r, bhttp::verb::get, "/a/").res.result(), bhttp::status::not_found);
}

TEST(Router, UnknownPathIs404Json) {
    Router r;
    r.add(bhttp::verb::get, "/a", text("a"));
    auto o = run(r, bhttp::verb::get, "/nope");
    EXPECT_EQ(o.res.result(), bhttp::status::not_found);
    EXPECT_TRUE(o.route.empty());
    auto v = boost::json::parse(o.res.body());
    EXPECT_EQ(v.at("error"), "not_found");
    EXPECT_TRUE(v.at("error_description").is_string());
}

TEST(Router, WrongMethodIs405WithAllow) {
    Router r;
    r.add(bhttp::verb::get, "/a", text("a"));
    r.add(bhttp::verb::post, "/a", text("a"));
    auto o = run(r, bhttp::verb::delete_, "/a");
    EXPECT_EQ(o.res.result(), bhttp::status::method_not_allowed);
    EXPECT_EQ(o.res[bhttp::field::allow], "GET, HEAD, POST");
    EXPECT_EQ(o.route, "/a");
}

TEST(Router, HeadFallsBackToGetWithoutBody) {
    Router r;
    r.add(bhttp::verb::get, "/a", text("hello"));
    auto o = run(r, bhttp::verb::head, "/a");
    EXPECT_EQ(o.res.result(), bhttp::status::ok);
    EXPECT_TRUE(o.res.body().empty());
    EXPECT_EQ(o.res[bhttp::field::content_length], "5");
}

TEST(Router, PrefixLongestWins) {
    Router r;
    r.add_prefix(bhttp::verb::get, "/api/", text("api"));
    r.add_prefix(bhttp::verb::get, "/api/v2/", text("v2"));
    r.add(bhttp::verb::get, "/api/v2/exact", text("exact"));
    EXPECT_EQ(run(r, bhttp::verb::get, "/api/v2/clients/x").res.body(), "v2");
    EXPECT_EQ(run(r, bhttp::verb::get, "/api/v2/clients/x").route, "/api/v2/");
    EXPECT_EQ(run(r, bhttp::verb::get, "/api/v1").res.body(), "api");
    EXPECT_EQ(run(r, bhttp::verb::get, "/api/v2/exact").res.body(), "exact");
    EXPECT_EQ(run(r, bhttp::verb::post, "/api/v2/x").res.result(), bhttp::status::method_not_allowed);
}

TEST(Router, HandlerExceptionIs500WithoutDetails) {
    Router r;
    r.add(bhttp::verb::get, "/boom", [](RequestContext&) -> net::awaitable<Response> {
        throw std::runtime_error("secret detail");
        co_return empty_response(bhttp::status::ok);
    });
    auto o = run(r, bhttp::verb::get, "/boom");
    EXPECT_EQ(o.res.result(), bhttp::status::internal_server_error);
    auto v = boost::json::parse(o.res.body());
    EXPECT_EQ(v.at("error"), "server_error");
    EXPECT_EQ(v.at("error_description"), "Internal error");
    EXPECT_EQ(o.res.body().find("secret"), std::string::npos);
}

TEST(Router, ReplacingAHandler) {
    Router r;
    r.add(bhttp::verb::get, "/a", text("one"));
    r.add(bhttp::verb::get, "/a", text("two"));
    EXPECT_EQ(run(r, bhttp::verb::get, "/a").res.body(), "two");
}

TEST(Router, DecorateWrapsOneRegisteredHandler) {
    Router r;
    r.add(bhttp::verb::get, "/a", text("get a"));
    r.add(bhttp::verb::post, "/a", text("post a"));
    r.add_prefix(bhttp::verb::get, "/p/", text("prefix"));
    auto shout = [](Handler inner) -> Handler {
        return [inner](RequestContext& ctx) -> net::awaitable<Response> {
            auto res = co_await inner(ctx);
            res.body() += "!";
            co_return res;
        };
    };
    EXPECT_TRUE(r.decorate(bhttp::verb::get, "/a", shout));
    EXPECT_TRUE(r.decorate(bhttp::verb::get, "/p/", shout));
    EXPECT_FALSE(r.decorate(bhttp::verb::delete_, "/a", shout)) << "no such method there";
    EXPECT_FALSE(r.decorate(bhttp::verb::get, "/nope", shout));
    EXPECT_EQ(run(r, bhttp::verb::get, "/a").res.body(), "get a!");
    EXPECT_EQ(run(r, bhttp::verb::head, "/a").res[bhttp::field::content_length], "6") << "HEAD runs the decorated GET";
    EXPECT_EQ(run(r, bhttp::verb::post, "/a").res.body(), "post a");
    EXPECT_EQ(run(r, bhttp::verb::get, "/p/x").res.body(), "prefix!");
}

}  // namespace
}  // namespace gatehouse::http
