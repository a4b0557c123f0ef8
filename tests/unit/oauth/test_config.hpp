// The tenant configuration the oauth and federation unit tests share: fixed, distinct keys per use.
#pragma once

#include "oauth/config.hpp"

#include <string>

namespace gatehouse::oauth {

inline TenantConfig test_tenant_config() {
    return TenantConfig{.issuer = "http://127.0.0.1:8080/",
                        .secret_hash_key = "k",
                        .sealing_key = std::string(32, 'm'),
                        .opaque_token_key = std::string(32, 'o')};
}

}  // namespace gatehouse::oauth
