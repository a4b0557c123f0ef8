#include "oauth/client_auth.hpp"

#include "util/url.hpp"
#include "util/util.hpp"

namespace gatehouse::oauth {
namespace {

// What a presented secret is compared with when there is no stored hash to compare it with (an
// unknown client, a public one): as long as a stored hash (base64url of 32 bytes), and no
// presented secret hashes to it, since it is not base64url.
constexpr std::string_view kNoStoredHash = "*******************************************";
static_assert(kNoStoredHash.size() == 43);

OAuthError authentication_failed(std::string detail) {
    // One description for every cause: the answer must not tell an unknown client from a wrong
    // secret or a wrong method.
    return make_error(oauth_errc::invalid_client, {}, std::move(detail));
}

}  // namespace

oauth_result<ClientCredentials> presented_credentials(std::string_view authorization, const util::Params& body) {
    ClientCredentials c;
    c.client_id = body.get("client_id");
    if (auto secret = body.find("client_secret")) c.client_secret = std::string(*secret);
    if (authorization.empty()) return c;
    auto basic = util::parse_basic_credentials(authorization);
    if (!basic) return make_error(oauth_errc::invalid_client, "Malformed HTTP Basic credentials.");
    if (c.client_secret)
        return make_error(oauth_errc::invalid_request,
                          "Client credentials were sent both in the Authorization header and in the body.");
    if (!c.client_id.empty() && c.client_id != basic->first)
        return make_error(oauth_errc::invalid_request,
                          "client_id in the body differs from the one in the Authorization header.");
    c.client_id = std::move(basic->first);
    c.client_secret = std::move(basic->second);
    c.via_basic = true;
    return c;
}

oauth_result<std::shared_ptr<const ClientView>> authenticate_client(Catalog& catalog,
                                                                    const ClientCredentials& credentials) {
    if (credentials.client_id.empty())
        return make_error(oauth_errc::invalid_request, "The request is missing a required parameter: client_id");
    auto client = catalog.client(credentials.client_id);
    // The keyed hash and the comparison run whenever a secret was presented, whoever the client
    // is, so an unknown client takes the time a wrong secret takes.
    bool secret_matches = false;
    if (credentials.client_secret) {
        auto presented = util::hash_secret(catalog.config().secret_hash_key, *credentials.client_secret);
        bool stored = client && !client->secret_hash.empty();
        secret_matches =
            util::constant_time_equal(presented, stored ? std::string_view(client->secret_hash) : kNoStoredHash);
    }
    if (!client) return authentication_failed("unknown client");
    const auto& method = client->auth_method;
    if (method == "none") {
        // RFC 6749 §2.1: a public client cannot authenticate; one that sends a secret anyway is not
        // the client registered (or is misconfigured), and must not pass as it.
        if (credentials.client_secret) return authentication_failed("client of method none sent a secret");
        return client;
    }
    if (method == "client_secret_basic" && !credentials.via_basic)
        return authentication_failed("client_secret_basic client did not use HTTP Basic");
    if (method == "client_secret_post" && (credentials.via_basic || !credentials.client_secret))
        return authentication_failed("client_secret_post client did not send client_secret in the body");
    if (method != "client_secret_basic" && method != "client_secret_post")
        return authentication_failed("unsupported token_endpoint_auth_method " + method);
    if (!secret_matches) return authentication_failed("client secret mismatch");
    return client;
}

}  // namespace gatehouse::oauth
