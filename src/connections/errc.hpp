// Failures of the connections module that callers act upon (render as a login error, a 400, ...).
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace gatehouse::connections {

enum class connection_errc {
    // Unknown user or wrong password: deliberately one value, so no caller can reveal which.
    wrong_credentials = 1,
    user_blocked,      // the password was right but the account is blocked
    invalid_password,  // the password policy refused a new password
    invalid_email,     // signup with something that is not an email address
    user_exists,       // signup with an email or username already taken in the connection
    not_federated,     // the strategy has no upstream authorization request (auth0)
    missing_endpoint,  // the upstream authorization endpoint is neither configured nor discovered
    invalid_endpoint,  // the configured upstream endpoint is not an absolute http(s) URL
    backend,           // the store failed
};

const boost::system::error_category& connection_category() noexcept;

inline boost::system::error_code make_error_code(connection_errc e) noexcept {
    return {static_cast<int>(e), connection_category()};
}

template <class T>
using result = boost::system::result<T>;

}  // namespace gatehouse::connections

template <>
struct boost::system::is_error_code_enum<gatehouse::connections::connection_errc> : std::true_type {};
