// Step 5 of the seed ("Call the API") and key rotation: access tokens for an API created through
// the Management API, verified offline by the example resource server with the published JWKS.
#include "integration/gatehouse_process.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace gatehouse::testing {
namespace {

namespace json = boost::json;
constexpr const char* kApi = "https://api.example.com";

std::string str(const json::object& o, std::string_view key) {
    auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

class ApiTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { server_ = new GatehouseProcess(); }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }

    static std::string token(const std::string& audience, const std::string& scope = {}) {
        std::vector<std::pair<std::string, std::string>> form = {
            {"grant_type", "client_credentials"},
            {"client_id", server_->tenant().mgmt_client_id},
            {"client_secret", server_->tenant().mgmt_client_secret},
            {"audience", audience}};
        if (!scope.empty()) form.emplace_back("scope", scope);
        auto r = server_->client().post_form("/oauth/token", form);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.status == 200 ? str(r.json().as_object(), "access_token") : std::string();
    }

    static HttpResponse management(boost::beast::http::verb verb, const std::string& path, const json::value& body) {
        auto t = token(server_->tenant().issuer + "api/v2/");
        return server_->client().request(verb, "/api/v2" + path, json::serialize(body), "application/json",
                                         {{"Authorization", "Bearer " + t}});
    }

    static GatehouseProcess* server_;
};

GatehouseProcess* ApiTest::server_ = nullptr;

// The example binary, started against this tenant; killed at scope exit.
struct ResourceServer {
    pid_t pid = -1;
    std::uint16_t port = free_port();
    explicit ResourceServer(const std::string& issuer) {
        pid = fork();
        if (pid == 0) {
            std::string listen = "127.0.0.1:" + std::to_string(port);
            execl(EXAMPLE_RESOURCE_SERVER, EXAMPLE_RESOURCE_SERVER, "--issuer", issuer.c_str(), "--audience", kApi,
                  "--scope", "read:messages", "--listen", listen.c_str(), static_cast<char*>(nullptr));
            _exit(127);
        }
        for (int i = 0; i < 200; ++i) {
            try {
                HttpClient probe("127.0.0.1", port);
                probe.set_timeout(std::chrono::milliseconds(300));
                probe.get("/api/messages");
                return;
            } catch (const std::exception&) {
                std::this_thread::sleep_for(std::chrono::milliseconds(25));
            }
        }
        throw std::runtime_error("example_resource_server did not start");
    }
    ~ResourceServer() {
        kill(pid, SIGTERM);
        waitpid(pid, nullptr, 0);
    }
    HttpResponse call(const std::string& authorization) {
        HttpClient c("127.0.0.1", port);
        return authorization.empty() ? c.get("/api/messages")
                                     : c.get("/api/messages", {{"Authorization", authorization}});
    }
};

TEST_F(ApiTest, ExampleResourceServerAcceptsOnlyValidTokensWithTheScope) {
    auto created = management(boost::beast::http::verb::post, "/resource-servers",
                              json::object{{"name", "Example API"},
                                           {"identifier", kApi},
                                           {"scopes", json::array{json::object{{"value", "read:messages"}},
                                                                  json::object{{"value", "write:messages"}}}}});
    ASSERT_EQ(created.status, 201) << created.body;
    auto grant = management(boost::beast::http::verb::post, "/client-grants",
                            json::object{{"client_id", server_->tenant().mgmt_client_id},
                                         {"audience", kApi},
                                         {"scope", json::array{"read:messages", "write:messages"}}});
    ASSERT_EQ(grant.status, 201) << grant.body;

    ResourceServer api(server_->tenant().issuer);
    auto ok = api.call("Bearer " + token(kApi, "read:messages"));
    EXPECT_EQ(ok.status, 200) << ok.body;

    auto missing = api.call("");
    EXPECT_EQ(missing.status, 401);
    EXPECT_EQ(missing.header("www-authenticate"), "Bearer realm=\"api\"");

    auto garbage = api.call("Bearer not.a.token");
    EXPECT_EQ(garbage.status, 401);
    EXPECT_NE(garbage.header("www-authenticate").find("error=\"invalid_token\""), std::string::npos);

    auto wrong_audience = api.call("Bearer " + token(server_->tenant().issuer + "api/v2/"));
    EXPECT_EQ(wrong_audience.status, 401);

    auto no_scope = api.call("Bearer " + token(kApi, "write:messages"));
    EXPECT_EQ(no_scope.status, 403);
    EXPECT_NE(no_scope.header("www-authenticate").find("insufficient_scope"), std::string::npos);
}

TEST_F(ApiTest, KeyRotationKeepsTheOldPublicKeyPublished) {
    auto before = server_->client().get("/.well-known/jwks.json").json().as_object().at("keys").as_array();
    auto old_token = token(server_->tenant().issuer + "api/v2/");
    auto [code, out] = server_->cli({"keys", "rotate", "--alg", "RS256"});
    ASSERT_EQ(code, 0) << out;
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // the catalog polls the store every 100 ms
    auto after = server_->client().get("/.well-known/jwks.json").json().as_object().at("keys").as_array();
    EXPECT_EQ(after.size(), before.size() + 1);
    auto new_token = token(server_->tenant().issuer + "api/v2/");
    auto kid = [](const std::string& jwt) {
        auto header = jwt.substr(0, jwt.find('.'));
        return header;
    };
    EXPECT_NE(kid(old_token), kid(new_token)) << "new tokens must be signed with the new key";
    // A token signed before the rotation is still accepted where tokens are verified.
    auto r = server_->client().get("/api/v2/connections", {{"Authorization", "Bearer " + old_token}});
    EXPECT_EQ(r.status, 200) << r.body;
}

}  // namespace
}  // namespace gatehouse::testing
