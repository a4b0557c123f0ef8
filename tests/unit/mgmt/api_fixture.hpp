// A ManagementApi over a fresh in-memory SQLite store, and a terse way to call it.
#pragma once

#include "mgmt/mgmt.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <memory>

namespace gatehouse::mgmt::test {

namespace json = boost::json;

inline std::set<std::string> all_scopes() {
    auto s = management_scopes();
    return {s.begin(), s.end()};
}

class ApiTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = store::open_store("sqlite::memory:");
        ASSERT_TRUE(store_->migrate());
        api_ = std::make_unique<ManagementApi>(
            *store_, Settings{"https://id.example.com/", "test-hash-key", std::string(32, 's')});
    }

    ApiResponse call(std::string method, std::string path, std::string body = {},
                     std::vector<std::pair<std::string, std::string>> query = {},
                     std::string content_type = "application/json", std::string if_match = {}) {
        ApiRequest r;
        r.method = std::move(method);
        r.path = std::move(path);
        r.query = std::move(query);
        r.content_type = body.empty() ? std::string() : std::move(content_type);
        r.if_match = std::move(if_match);
        r.body = std::move(body);
        r.scopes = scopes_;
        return api_->handle(r);
    }

    static json::value body(const ApiResponse& r) { return r.body.empty() ? json::value() : json::parse(r.body); }

    static std::string header(const ApiResponse& r, std::string_view name) {
        for (const auto& [k, v] : r.headers)
            if (k == name) return v;
        return {};
    }

    // Asserts an Auth0 error body and returns its message.
    static std::string expect_error(const ApiResponse& r, int status, std::string_view error_code) {
        EXPECT_EQ(r.status, status) << r.body;
        auto b = body(r);
        if (!b.is_object()) {
            ADD_FAILURE() << "not an error body: " << r.body;
            return {};
        }
        EXPECT_EQ(b.at("statusCode"), status);
        EXPECT_TRUE(b.at("error").is_string());
        if (!error_code.empty()) {
            const auto* ec = b.as_object().if_contains("errorCode");
            EXPECT_TRUE(ec && ec->is_string() && ec->get_string() == error_code) << r.body;
        }
        return std::string(b.at("message").as_string());
    }

    std::string create_connection(std::string_view json_body) {
        auto r = call("POST", "/connections", std::string(json_body));
        EXPECT_EQ(r.status, 201) << r.body;
        return std::string(body(r).at("id").as_string());
    }

    std::unique_ptr<store::Store> store_;
    std::unique_ptr<ManagementApi> api_;
    std::set<std::string> scopes_ = all_scopes();
};

}  // namespace gatehouse::mgmt::test
