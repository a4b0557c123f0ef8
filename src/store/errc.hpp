// Store failures that callers act upon. Everything else (I/O, corruption, constraint bugs) is
// store_errc::backend with the detail logged by the backend.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace gatehouse::store {

enum class store_errc {
    not_found = 1,
    already_exists,  // unique key taken (client id, connection name, identifier, email in a connection)
    conflict,        // optimistic concurrency: the version given is not the stored one
    backend,         // the database failed; not the caller's fault
};

const boost::system::error_category& store_category() noexcept;

inline boost::system::error_code make_error_code(store_errc e) noexcept {
    return {static_cast<int>(e), store_category()};
}

template <class T>
using result = boost::system::result<T>;

}  // namespace gatehouse::store

template <>
struct boost::system::is_error_code_enum<gatehouse::store::store_errc> : std::true_type {};
