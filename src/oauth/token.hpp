#pragma once

#include "oauth/catalog.hpp"
#include "oauth/client_auth.hpp"
#include "oauth/error.hpp"
#include "oauth/password_login.hpp"
#include "store/event_log.hpp"
#include "store/store.hpp"
#include "util/params.hpp"

#include <boost/json.hpp>

#include <optional>
#include <set>
#include <string>

namespace gatehouse::oauth {

// The token endpoint's input after the wire has been parsed (http decides form vs JSON;
// presented_credentials, Basic vs body).
struct TokenRequest {
    std::string grant_type;
    ClientCredentials credentials;
    util::Params params;
    std::string ip;  // the client address, for the tenant logs
};

// Who calls the Management API, from a verified token for its audience.
struct ManagementCaller {
    std::string client_id;
    std::string user_id;  // non-empty for an end user's token: only its own user, current_user scopes
    std::set<std::string> scopes;
};

struct VerifiedAccessToken {
    std::string subject;
    std::string client_id;
    std::string scope;
    std::string grant_id;
    boost::json::object claims;
};

// POST /oauth/token, POST /oauth/revoke, /userinfo and bearer-token checks. Each grant is one file
// in oauth/grants/, registered under its grant_type (grants/registry.cpp); exchange() runs the shared
// sequence (style P3): parse -> grant lookup -> client authentication -> grant allowed for client ->
// grant -> response.
class TokenService {
  public:
    TokenService(Catalog& catalog, store::Store& store);

    // The failed-login limit the password grants count against (composition root); the hosted
    // login's, so a user's guesses count together. Without it, guesses are not counted.
    void set_password_attempts(PasswordAttempts* attempts) { password_attempts_ = attempts; }
    // Where exchanges are logged (seacft, fertft, ...); null: not logged.
    void set_event_log(store::EventLog* log) { events_ = log; }

    // The JSON success body, or the error to render.
    oauth_result<boost::json::object> exchange(const TokenRequest& request, std::int64_t now);

    // RFC 7009: succeeds for unknown or already-revoked tokens too.
    oauth_result<void> revoke(const ClientCredentials& credentials, const util::Params& params, std::int64_t now);

    // An access token issued by this tenant, for `audience` (one of the token's aud values), not
    // expired, its grant not revoked.
    oauth_result<VerifiedAccessToken> verify_access_token(std::string_view token, std::string_view audience,
                                                          std::int64_t now);

    // A bearer token at /api/v2: a client's, issued by client_credentials, is accepted while the client
    // and its Management API client grant exist, for the scopes that grant holds now; an end user's
    // keeps only the current_user scopes. invalid_token otherwise.
    oauth_result<ManagementCaller> management_caller(std::string_view bearer_token, std::int64_t now);

    // GET/POST /userinfo.
    oauth_result<boost::json::object> userinfo(std::string_view bearer_token, std::int64_t now);

  private:
    void record_exchange(const TokenRequest& request, const ClientView* client, const std::string& user_id,
                         const oauth_result<boost::json::object>& result);

    Catalog& catalog_;
    store::Store& store_;
    PasswordAttempts* password_attempts_ = nullptr;
    store::EventLog* events_ = nullptr;
};

}  // namespace gatehouse::oauth
