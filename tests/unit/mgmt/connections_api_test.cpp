#include "api_fixture.hpp"

namespace gatehouse::mgmt::test {
namespace {

using ConnectionsApi = ApiTest;

constexpr const char* wordpress = R"({"name":"wordpress","strategy":"wordpress",
    "options":{"client_id":"wp","client_secret":"s","scope":["auth"],"profile":true}})";

TEST_F(ConnectionsApi, CreateReturns201WithAuth0ShapeAndEtag) {
    auto r = call("POST", "/connections", wordpress);
    ASSERT_EQ(r.status, 201) << r.body;
    auto b = body(r).as_object();
    auto id = std::string(b.at("id").as_string());
    EXPECT_TRUE(id.starts_with("con_"));
    EXPECT_EQ(id.size(), 20u);
    EXPECT_EQ(b.at("name"), "wordpress");
    EXPECT_EQ(b.at("strategy"), "wordpress");
    EXPECT_EQ(b.at("options").at("client_id"), "wp");
    EXPECT_EQ(b.at("enabled_clients"), json::array());
    EXPECT_EQ(b.at("realms"), json::array{"wordpress"});
    EXPECT_EQ(b.at("is_domain_connection"), false);
    EXPECT_FALSE(b.contains("display_name"));
    auto etag = header(r, "ETag");
    EXPECT_TRUE(etag.starts_with("\"") && etag.ends_with("\"")) << etag;

    auto g = call("GET", "/connections/" + id);
    EXPECT_EQ(g.status, 200);
    EXPECT_EQ(header(g, "ETag"), etag);
    EXPECT_EQ(body(g), json::value(b));
}

TEST_F(ConnectionsApi, CreateRejectsBadInputAndWritesNothing) {
    std::vector<std::pair<std::string, std::string>> cases = {
        {"not json", "Invalid request payload JSON format"},
        {"[]", "Expected type object but found type array"},
        {R"({"strategy":"auth0"})", "Missing required property: name"},
        {R"({"name":"x"})", "Missing required property: strategy"},
        {R"({"name":42,"strategy":"auth0"})", "Expected type string but found type integer"},
        {R"({"name":"-bad","strategy":"auth0"})", "String does not match pattern"},
        {R"({"name":"ok","strategy":"saml"})", "No enum match for: \"saml\""},
        {R"({"name":"ok","strategy":"auth0","foo":1,"bar":2})", "Additional properties not allowed: foo,bar"},
        {R"({"name":"ok","strategy":"auth0","options":{"upstream_params":{"a":{"value":1}}}})", "upstream_params"},
        {R"({"name":"ok","strategy":"oauth2","options":{"client_id":"c","tokenURL":"https://t.test/t"}})",
         "authorizationURL"},
        {R"({"name":"ok","strategy":"wordpress","options":{"upstream_params":{"blog":{"value":1}}}})", "blog"},
        {R"({"name":"ok","strategy":"wordpress","options":{"upstream_params":{"redirect_uri":{"value":"x"}}}})",
         "redirect_uri"},
        {R"({"name":"ok","strategy":"auth0","options":[]})", "Expected type object but found type array"},
        {R"({"name":"ok","strategy":"auth0","enabled_clients":[1]})", "Expected type string"},
    };
    for (const auto& [req, fragment] : cases) {
        auto msg = expect_error(call("POST", "/connections", req), 400, "invalid_body");
        EXPECT_NE(msg.find(fragment), std::string::npos) << req << " -> " << msg;
    }
    auto list = call("GET", "/connections");
    EXPECT_EQ(body(list), json::array());
}

TEST_F(ConnectionsApi, DuplicateNameIs409) {
    create_connection(wordpress);
    expect_error(call("POST", "/connections", wordpress), 409, "connection_conflict");
}

TEST_F(ConnectionsApi, UnknownAndMalformedIds) {
    auto msg = expect_error(call("GET", "/connections/con_AAAAAAAAAAAAAAAA"), 404, "inexistent_connection");
    EXPECT_EQ(msg, "The connection does not exist");
    expect_error(call("GET", "/connections/not-an-id"), 400, "invalid_uri");
    expect_error(call("PATCH", "/connections/con_x", "{}"), 400, "invalid_uri");
    expect_error(call("DELETE", "/connections/con_AAAAAAAAAAAAAAAA"), 404, "inexistent_connection");
}

TEST_F(ConnectionsApi, ScopesAreCheckedPerOperation) {
    scopes_ = {"read:clients"};
    auto msg = expect_error(call("GET", "/connections"), 403, "insufficient_scope");
    EXPECT_EQ(msg, "Insufficient scope, expected any of: read:connections");
    msg = expect_error(call("POST", "/connections", wordpress), 403, "insufficient_scope");
    EXPECT_EQ(msg, "Insufficient scope, expected any of: create:connections");
    msg = expect_error(call("PATCH", "/connections/con_AAAAAAAAAAAAAAAA", "{}"), 403, "insufficient_scope");
    EXPECT_EQ(msg, "Insufficient scope, expected any of: update:connections");
    msg = expect_error(call("DELETE", "/connections/con_AAAAAAAAAAAAAAAA"), 403, "insufficient_scope");
    EXPECT_EQ(msg, "Insufficient scope, expected any of: delete:connections");
    scopes_ = {"read:connections"};
    EXPECT_EQ(call("GET", "/connections").status, 200);
}

TEST_F(ConnectionsApi, UnknownRouteAndMethod) {
    auto r = call("GET", "/nope");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(body(r).at("statusCode"), 404);
    auto m = call("PUT", "/connections");
    EXPECT_EQ(m.status, 405);
    EXPECT_EQ(header(m, "Allow"), "GET, POST");
}

TEST_F(ConnectionsApi, ListInAllThreePaginationStyles) {
    for (int i = 0; i < 5; ++i) create_connection(R"({"name":"db-)" + std::to_string(i) + R"(","strategy":"auth0"})");
    create_connection(wordpress);

    // 1. No paging parameters: a bare array (the v4 SDK's getAll).
    auto bare = body(call("GET", "/connections"));
    ASSERT_TRUE(bare.is_array());
    EXPECT_EQ(bare.as_array().size(), 6u);

    // 2. Offset with totals.
    auto offset = body(call("GET", "/connections", {}, {{"page", "1"}, {"per_page", "4"}, {"include_totals", "true"}}));
    ASSERT_TRUE(offset.is_object()) << offset;
    EXPECT_EQ(offset.at("total"), 6);
    EXPECT_EQ(offset.at("start"), 4);
    EXPECT_EQ(offset.at("limit"), 4);
    EXPECT_EQ(offset.at("connections").as_array().size(), 2u);
    auto page_only = body(call("GET", "/connections", {}, {{"page", "0"}, {"per_page", "2"}}));
    ASSERT_TRUE(page_only.is_array());
    EXPECT_EQ(page_only.as_array().size(), 2u);

    // 3. Checkpoint, as the v7 SDK sends it: include_totals=true&take=N, then from=<next>.
    std::vector<std::string> seen;
    std::optional<std::string> from;
    for (int guard = 0; guard < 10; ++guard) {
        std::vector<std::pair<std::string, std::string>> q = {{"include_totals", "true"}, {"take", "4"}};
        if (from) q.emplace_back("from", *from);
        auto page = body(call("GET", "/connections", {}, q)).as_object();
        EXPECT_FALSE(page.contains("total"));
        for (const auto& c : page.at("connections").as_array()) seen.emplace_back(c.at("name").as_string());
        if (!page.contains("next")) break;
        from = std::string(page.at("next").as_string());
        EXPECT_FALSE(from->empty());
    }
    EXPECT_EQ(seen.size(), 6u);
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 6u);  // every one once, across pages

    expect_error(call("GET", "/connections", {}, {{"per_page", "abc"}}), 400, "invalid_query_string");
    expect_error(call("GET", "/connections", {}, {{"take", "0"}}), 400, "invalid_query_string");
    expect_error(call("GET", "/connections", {}, {{"include_totals", "maybe"}}), 400, "invalid_query_string");
}

TEST_F(ConnectionsApi, ListFiltersByRepeatedStrategyNameAndFields) {
    create_connection(R"({"name":"db","strategy":"auth0"})");
    create_connection(wordpress);
    create_connection(R"({"name":"tw","strategy":"twitter","options":{"client_id":"t"}})");
    auto two = body(call("GET", "/connections", {}, {{"strategy", "wordpress"}, {"strategy", "twitter"}}));
    ASSERT_EQ(two.as_array().size(), 2u);
    auto named = body(call("GET", "/connections", {}, {{"name", "db"}}));
    ASSERT_EQ(named.as_array().size(), 1u);
    EXPECT_EQ(named.as_array()[0].at("strategy"), "auth0");
    auto fields = body(call("GET", "/connections", {}, {{"name", "db"}, {"fields", "id,name"}}));
    EXPECT_EQ(fields.as_array()[0].as_object().size(), 2u);
    auto excluded =
        body(call("GET", "/connections", {}, {{"name", "db"}, {"fields", "options"}, {"include_fields", "false"}}));
    EXPECT_FALSE(excluded.as_array()[0].as_object().contains("options"));
    EXPECT_TRUE(excluded.as_array()[0].as_object().contains("name"));
}

TEST_F(ConnectionsApi, PatchReplacesOptionsWholeAsAuth0Warns) {
    auto id = create_connection(R"({"name":"wordpress","strategy":"wordpress",
        "options":{"client_id":"wp","client_secret":"s","upstream_params":{"blog":{"value":"myblog.wordpress.com"}}}})");
    auto r = call("PATCH", "/connections/" + id, R"({"options":{"client_id":"wp2"}})");
    ASSERT_EQ(r.status, 200) << r.body;
    auto options = body(call("GET", "/connections/" + id)).at("options").as_object();
    EXPECT_EQ(options.at("client_id"), "wp2");
    EXPECT_FALSE(options.contains("upstream_params"));  // the seed's warning: not re-sent, lost
    EXPECT_FALSE(options.contains("client_secret"));
}

TEST_F(ConnectionsApi, MergePatchKeepsWhatItDoesNotMention) {
    auto id = create_connection(R"({"name":"wordpress","strategy":"wordpress",
        "options":{"client_id":"wp","client_secret":"s","upstream_params":{"blog":{"value":"myblog.wordpress.com"}}}})");
    auto r = call("PATCH", "/connections/" + id, R"({"options":{"client_id":"wp2","client_secret":null}})", {},
                  "application/merge-patch+json");
    ASSERT_EQ(r.status, 200) << r.body;
    auto options = body(r).at("options").as_object();
    EXPECT_EQ(options.at("client_id"), "wp2");
    EXPECT_FALSE(options.contains("client_secret"));  // null deletes
    EXPECT_EQ(options.at("upstream_params").at("blog").at("value"), "myblog.wordpress.com");

    // A merge that would leave invalid options is refused and changes nothing.
    auto bad = call("PATCH", "/connections/" + id, R"({"options":{"upstream_params":{"blog":{"alias":"nope"}}}})", {},
                    "application/merge-patch+json");
    expect_error(bad, 400, "invalid_body");
    EXPECT_EQ(body(call("GET", "/connections/" + id)).at("options").at("client_id"), "wp2");
}

// Merge-patch means something only for PATCH /connections/{id}: elsewhere it is 415, never a create
// from a patch document or a silent replace.
TEST_F(ConnectionsApi, MergePatchOnlyWhereItMeansSomething) {
    const std::string mp = "application/merge-patch+json";
    expect_error(call("POST", "/connections", R"({"name":"mp","strategy":"auth0"})", {}, mp), 415,
                 "unsupported_media_type");
    EXPECT_EQ(body(call("GET", "/connections")).as_array().size(), 0u);
    auto client = body(call("POST", "/clients", R"({"name":"c"})"));
    auto cid = std::string(client.at("client_id").as_string());
    expect_error(call("PATCH", "/clients/" + cid, R"({"name":"renamed"})", {}, mp), 415, "unsupported_media_type");
    EXPECT_EQ(body(call("GET", "/clients/" + cid)).at("name"), "c");
    expect_error(call("POST", "/clients", R"({"name":"c2"})", {}, mp), 415, "unsupported_media_type");
}

TEST_F(ConnectionsApi, PatchRefusesNameAndStrategy) {
    auto id = create_connection(wordpress);
    auto msg =
        expect_error(call("PATCH", "/connections/" + id, R"({"strategy":"auth0","name":"x"})"), 400, "invalid_body");
    EXPECT_EQ(msg, "Payload validation error: 'Additional properties not allowed: strategy,name'.");
    msg = expect_error(call("PATCH", "/connections/" + id, R"({"name":"x"})", {}, "application/merge-patch+json"), 400,
                       "invalid_body");
    EXPECT_NE(msg.find("Additional properties not allowed: name"), std::string::npos);
    expect_error(call("PATCH", "/connections/" + id, "{", {}), 400, "invalid_body");
    EXPECT_EQ(call("PATCH", "/connections/" + id, "{}", {}, "text/plain").status, 415);
}

TEST_F(ConnectionsApi, IfMatchGuardsPatchAndDelete) {
    auto created = call("POST", "/connections", wordpress);
    auto id = std::string(body(created).at("id").as_string());
    auto etag = header(created, "ETag");

    auto ok = call("PATCH", "/connections/" + id, R"({"display_name":"WP"})", {}, "application/json", etag);
    ASSERT_EQ(ok.status, 200) << ok.body;
    auto etag2 = header(ok, "ETag");
    EXPECT_NE(etag2, etag);

    // Someone else changed it since `etag` was read.
    expect_error(call("PATCH", "/connections/" + id, R"({"display_name":"Stale"})", {}, "application/json", etag), 412,
                 "precondition_failed");
    expect_error(call("DELETE", "/connections/" + id, {}, {}, "application/json", etag), 412, "precondition_failed");
    EXPECT_EQ(body(call("GET", "/connections/" + id)).at("display_name"), "WP");
    // Weak tags never match (strong comparison), "*" always does.
    EXPECT_EQ(call("PATCH", "/connections/" + id, "{}", {}, "application/json", "W/" + etag2).status, 412);
    EXPECT_EQ(call("PATCH", "/connections/" + id, "{}", {}, "application/json", "\"other\", " + etag2).status, 200);

    auto cur = header(call("GET", "/connections/" + id), "ETag");
    auto del = call("DELETE", "/connections/" + id, {}, {}, "application/json", cur);
    ASSERT_EQ(del.status, 202) << del.body;
    auto deleted_at = std::string(body(del).at("deleted_at").as_string());
    EXPECT_EQ(deleted_at.size(), 24u);
    EXPECT_EQ(deleted_at.back(), 'Z');
    EXPECT_EQ(call("GET", "/connections/" + id).status, 404);
}

TEST_F(ConnectionsApi, EnabledClientsViaConnectionClientsEndpoint) {
    auto id = create_connection(wordpress);
    auto r = call("PATCH", "/connections/" + id + "/clients",
                  R"([{"client_id":"aaaa","status":true},{"client_id":"bbbb","status":true}])");
    ASSERT_EQ(r.status, 204) << r.body;
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(body(call("GET", "/connections/" + id)).at("enabled_clients"), (json::array{"aaaa", "bbbb"}));
    r = call("PATCH", "/connections/" + id + "/clients", R"([{"client_id":"aaaa","status":false}])");
    EXPECT_EQ(r.status, 204);
    auto clients = body(call("GET", "/connections/" + id + "/clients"));
    EXPECT_EQ(clients.at("clients"), (json::array{json::object{{"client_id", "bbbb"}}}));
    expect_error(call("PATCH", "/connections/" + id + "/clients", R"({"client_id":"x"})"), 400, "invalid_body");
    expect_error(call("PATCH", "/connections/" + id + "/clients", R"([{"client_id":"x"}])"), 400, "invalid_body");
}

TEST_F(ConnectionsApi, AuthorizePreviewShowsTheUpstreamUrl) {
    auto id = create_connection(R"({"name":"twitter","strategy":"twitter",
        "options":{"client_id":"tw","upstream_params":{"screen_name":{"alias":"login_hint"}}}})");
    auto r = call("GET", "/connections/" + id + "/authorize-preview", {}, {{"login_hint", "jack@example.com"}});
    ASSERT_EQ(r.status, 200) << r.body;
    auto url = std::string(body(r).at("url").as_string());
    EXPECT_TRUE(url.starts_with("https://twitter.com/i/oauth2/authorize?client_id=tw&")) << url;
    EXPECT_NE(url.find("redirect_uri=https%3A%2F%2Fid.example.com%2Flogin%2Fcallback"), std::string::npos) << url;
    EXPECT_NE(url.find("screen_name=jack%40example.com"), std::string::npos) << url;
    EXPECT_NE(url.find("state=STATE_PLACEHOLDER"), std::string::npos);
    EXPECT_NE(url.find("code_challenge=CODE_CHALLENGE_PLACEHOLDER&code_challenge_method=S256"), std::string::npos);

    auto absent = body(call("GET", "/connections/" + id + "/authorize-preview")).at("url").as_string();
    EXPECT_EQ(std::string_view(absent).find("screen_name"), std::string_view::npos);

    auto db = create_connection(R"({"name":"db","strategy":"auth0"})");
    expect_error(call("GET", "/connections/" + db + "/authorize-preview"), 400, "operation_not_supported");
    scopes_ = {"update:connections"};
    expect_error(call("GET", "/connections/" + id + "/authorize-preview"), 403, "insufficient_scope");
}

}  // namespace
}  // namespace gatehouse::mgmt::test
