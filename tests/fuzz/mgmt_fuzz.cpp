// ManagementApi::handle: Management API v2 request bodies (and list queries) against an in-memory
// SQLite store holding one of each resource, with every management scope.
//
// Input: byte 0 picks the operation, byte 1 the Content-Type, the rest is the body (for the list
// operations: a raw "name=value&..." query instead). Inputs run against the same fixtures, which
// successful writes change; after kWritesPerTenant such writes the next input gets a fresh tenant
// (few enough that list operations stay short: ASan allocations dominate this target).
// A fresh tenant per write would reproduce every crash from its single input, but building one (a
// migrated store, four API creates) made the target ~10x slower; a crash that needs earlier writes
// reproduces from the corpus run that found it (libFuzzer keeps the inputs).
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "mgmt/mgmt.hpp"

namespace {

using namespace gatehouse;

enum class Target { none, connection, client, resource_server, client_grant, user };

struct Op {
    const char* method;
    const char* path;  // the fixture's id is appended when `target` is set
    Target target;
    const char* suffix;
    bool query;  // the input is a query string, not a body
};

constexpr Op ops[] = {
    {"POST", "/connections", Target::none, "", false},
    {"PATCH", "/connections/", Target::connection, "", false},
    {"PATCH", "/connections/", Target::connection, "/clients", false},
    {"POST", "/clients", Target::none, "", false},
    {"PATCH", "/clients/", Target::client, "", false},
    {"POST", "/resource-servers", Target::none, "", false},
    {"PATCH", "/resource-servers/", Target::resource_server, "", false},
    {"POST", "/client-grants", Target::none, "", false},
    {"PATCH", "/client-grants/", Target::client_grant, "", false},
    {"PATCH", "/users/", Target::user, "", false},
    {"GET", "/connections", Target::none, "", true},
    {"GET", "/clients", Target::none, "", true},
    {"GET", "/users", Target::none, "", true},
    {"GET", "/connections/", Target::connection, "/authorize-preview", true},
};

constexpr const char* content_types[] = {"application/json", "application/json; charset=utf-8", "text/plain", ""};

struct Tenant {
    std::unique_ptr<store::Store> store;
    std::unique_ptr<mgmt::ManagementApi> api;
    std::set<std::string> scopes;
    std::string ids[6];

    Tenant() {
        spdlog::set_level(spdlog::level::warn);  // a migration line per fresh store drowns libFuzzer's output
        store = store::open_store("sqlite::memory:");
        FUZZ_CHECK(store->migrate().has_value());
        api = std::make_unique<mgmt::ManagementApi>(
            *store, mgmt::Settings{"https://id.example.com/", "fuzz-key", std::string(32, 'k')});
        const auto& all = mgmt::management_scopes();
        scopes = {all.begin(), all.end()};
        scopes.insert("update:client_keys");
        ids[int(Target::client)] = create("/clients", R"({"name":"Web","app_type":"regular_web",
            "callbacks":["https://app.example.com/cb"]})",
                                          "client_id");
        ids[int(Target::connection)] = create("/connections", R"({"name":"provider","strategy":"oidc",
            "options":{"client_id":"up","client_secret":"s","discovery_url":
            "https://op.example.com/.well-known/openid-configuration","issuer":"https://op.example.com/",
            "authorization_endpoint":"https://op.example.com/authorize","token_endpoint":"https://op.example.com/token",
            "jwks_uri":"https://op.example.com/jwks","scope":"openid profile",
            "upstream_params":{"screen_hint":{"value":"signup"},"login_hint":{"alias":"login_hint"}}},
            "enabled_clients":[")" + ids[int(Target::client)] + R"("]})",
                                              "id");
        ids[int(Target::resource_server)] =
            create("/resource-servers", R"({"name":"API","identifier":"https://api.example.com/",
            "scopes":[{"value":"read:things","description":"Read"}]})",
                   "id");
        ids[int(Target::client_grant)] = create("/client-grants",
                                                R"({"client_id":")" + ids[int(Target::client)] +
                                                    R"(","audience":"https://api.example.com/",
            "scope":["read:things"]})",
                                                "id");
        // Directly in the store: the API would spend an argon2id hash on it for every fresh tenant.
        store::User user;
        user.user_id = "oidc|provider|alice";
        user.connection = "provider";
        user.email = "alice@example.com";
        user.doc = {{"email", "alice@example.com"}, {"name", "Alice"}};
        user.created_at = user.updated_at = 1700000000;
        FUZZ_CHECK(store->create_user(user).has_value());
        ids[int(Target::user)] = "oidc%7Cprovider%7Calice";
    }

    std::string create(const char* path, const std::string& body, const char* id_field) {
        mgmt::ApiRequest r{"POST",           path,     {}, "application/json", "", body, scopes, /*self_user_id=*/"",
                           /*client_id=*/"", /*ip=*/""};
        auto res = api->handle(r);
        if (res.status != 201) {
            std::fprintf(stderr, "fixture %s: %d %s\n", path, res.status, res.body.c_str());
            std::abort();
        }
        return std::string(boost::json::parse(res.body).at(id_field).as_string());
    }
};

std::vector<std::pair<std::string, std::string>> split_query(std::string_view raw) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!raw.empty()) {
        auto amp = raw.find('&');
        auto pair = raw.substr(0, amp);
        raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
        auto eq = pair.find('=');
        out.emplace_back(std::string(pair.substr(0, eq)),
                         eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1)));
    }
    return out;
}

}  // namespace

constexpr int kWritesPerTenant = 32;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static std::unique_ptr<Tenant> tenant;
    static int writes = kWritesPerTenant;
    if (size < 2) return 0;
    if (writes >= kWritesPerTenant) {
        tenant.reset();  // one store at a time
        tenant = std::make_unique<Tenant>();
        writes = 0;
    }
    const Op& op = ops[data[0] % std::size(ops)];
    std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);

    mgmt::ApiRequest req;
    req.method = op.method;
    req.path = std::string(op.path) + (op.target == Target::none ? "" : tenant->ids[int(op.target)]) + op.suffix;
    if (op.query) {
        req.query = split_query(input);
    } else {
        req.content_type = content_types[data[1] % std::size(content_types)];
        req.body = std::string(input);
    }
    req.scopes = tenant->scopes;
    auto res = tenant->api->handle(req);

    // Bad input is the client's fault: an Auth0-shaped 4xx, never a 500 and never a non-JSON body.
    FUZZ_CHECK(res.status >= 200 && res.status < 500);
    if (!res.body.empty()) {
        boost::system::error_code ec;
        auto body = boost::json::parse(res.body, ec);
        if (ec) std::fprintf(stderr, "%d %s\n", res.status, res.body.c_str());  // what was not JSON
        FUZZ_CHECK(!ec);
        if (res.status >= 400) {
            FUZZ_CHECK(body.is_object());
            const auto* code = body.as_object().if_contains("statusCode");
            FUZZ_CHECK(code && code->is_int64() && code->as_int64() == res.status);
        }
    }
    if (res.status < 300 && req.method != "GET") ++writes;
    return 0;
}
