// oauth: the OAuth 2.0 / OpenID Connect protocol, HTTP-free. Owns the authorization endpoint's
// ordered checks and the hosted login's logic, the token endpoint's grants (grants/: one file per
// grant_type behind a registry), access/ID token issuance and verification, userinfo, revocation,
// logout decisions, discovery, the error catalogue, and the cached view of tenant configuration
// (Catalog). It reads and writes through the store interfaces and signs with jose; the http module
// parses requests and renders results.
#pragma once

#include "oauth/account.hpp"
#include "oauth/authorize.hpp"
#include "oauth/catalog.hpp"
#include "oauth/client_auth.hpp"
#include "oauth/config.hpp"
#include "oauth/error.hpp"
#include "oauth/logout.hpp"
#include "oauth/pkce.hpp"
#include "oauth/token.hpp"
#include "oauth/tokens.hpp"
