#include "connections/option_secrets.hpp"

#include <gtest/gtest.h>

namespace gatehouse::connections {
namespace {

namespace json = boost::json;

const std::string kKey(32, 'k');

std::string stored_secret(store::Store& store, const std::string& id) {
    auto c = store.get_connection(id);
    return c ? std::string(c->doc.at("options").at("client_secret").as_string()) : "";
}

TEST(OptionSecrets, SealedSecretsOpenOnlyWithTheirKey) {
    json::object options{{"client_id", "upstream-app"}, {"client_secret", "upstream-secret"}};
    ASSERT_TRUE(seal_option_secrets(options, kKey));
    const std::string sealed(options.at("client_secret").as_string());
    EXPECT_TRUE(sealed.starts_with("sealed:"));
    EXPECT_EQ(sealed.find("upstream-secret"), std::string::npos);
    EXPECT_EQ(options.at("client_id"), "upstream-app");  // only secrets are sealed

    auto wrong_key = options;
    EXPECT_FALSE(unseal_option_secrets(wrong_key, std::string(32, 'x')));
    ASSERT_TRUE(unseal_option_secrets(options, kKey));
    EXPECT_EQ(options.at("client_secret"), "upstream-secret");
}

TEST(OptionSecrets, RequestValuesThatLookSealedAreStillSealed) {
    // A Management API caller cannot plant ciphertext of its choosing: what it sends is a secret.
    json::object options{{"client_secret", "sealed:v1.not-really"}};
    ASSERT_TRUE(seal_option_secrets(options, kKey));
    ASSERT_TRUE(unseal_option_secrets(options, kKey));
    EXPECT_EQ(options.at("client_secret"), "sealed:v1.not-really");
}

TEST(OptionSecrets, ClearSecretsOfOlderDatabasesAreSealedOnceAtStart) {
    auto store = store::open_store("sqlite::memory:");
    ASSERT_TRUE(store->migrate());
    store::Connection legacy;
    legacy.id = "con_legacy0000000001";
    legacy.name = "legacy";
    legacy.strategy = "oidc";
    legacy.doc = {{"options", json::object{{"client_id", "a"}, {"client_secret", "clear-from-before"}}}};
    legacy.version = 1;
    ASSERT_TRUE(store->create_connection(legacy));
    store::Connection database;
    database.id = "con_database00000001";
    database.name = "db";
    database.strategy = "auth0";
    database.doc = {{"options", json::object{}}};
    database.version = 1;
    ASSERT_TRUE(store->create_connection(database));

    auto first = seal_stored_option_secrets(*store, kKey);
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, 1u);
    const auto sealed = stored_secret(*store, legacy.id);
    EXPECT_TRUE(sealed.starts_with("sealed:"));

    auto second = seal_stored_option_secrets(*store, kKey);  // idempotent: never sealed twice
    ASSERT_TRUE(second);
    EXPECT_EQ(*second, 0u);
    EXPECT_EQ(stored_secret(*store, legacy.id), sealed);

    auto c = store->get_connection(legacy.id);
    ASSERT_TRUE(c);
    ASSERT_TRUE(unseal_option_secrets(c->doc.at("options").as_object(), kKey));
    EXPECT_EQ(c->doc.at("options").at("client_secret"), "clear-from-before");
}

}  // namespace
}  // namespace gatehouse::connections
