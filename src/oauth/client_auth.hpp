// Client authentication at /oauth/token and /oauth/revoke (RFC 6749 §2.3, security.md §4): how a
// client presented itself (HTTP Basic or body parameters, never both) and whether that proves it is
// the client it names, under the method it registered (`token_endpoint_auth_method`). Every failure
// that depends on what is stored (unknown client, wrong secret, wrong method) is one answer, 401
// `invalid_client` "Client authentication failed.", reached through the same work, so the answer
// does not tell which; the log's detail does.
#pragma once

#include "oauth/catalog.hpp"
#include "oauth/error.hpp"
#include "util/params.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::oauth {

// How the client presented itself.
struct ClientCredentials {
    std::string client_id;
    std::optional<std::string> client_secret;  // from HTTP Basic or the body's client_secret
    bool via_basic = false;                    // an Authorization: Basic header carried them
};

// The credentials of a token or revocation request: `authorization` is the Authorization header
// (empty when absent), `body` the parsed body. RFC 6749 §2.3.1: Basic with form-url-encoded id and
// secret; a secret in the header and one in the body at once is invalid_request, and so is a body
// client_id other than the header's. A malformed header is invalid_client.
oauth_result<ClientCredentials> presented_credentials(std::string_view authorization, const util::Params& body);

// The client the credentials prove, or the error to answer. `client_secret_basic` clients must
// use HTTP Basic, `client_secret_post` clients the body; `none` clients send their client_id only
// (no secret, no Basic). Without a client_id: invalid_request.
oauth_result<std::shared_ptr<const ClientView>> authenticate_client(Catalog& catalog,
                                                                    const ClientCredentials& credentials);

}  // namespace gatehouse::oauth
