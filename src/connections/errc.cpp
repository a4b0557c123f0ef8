#include "connections/errc.hpp"

namespace gatehouse::connections {
namespace {

class category final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "gatehouse.connections"; }
    std::string message(int ev) const override {
        switch (static_cast<connection_errc>(ev)) {
            case connection_errc::wrong_credentials:
                return "wrong email or password";
            case connection_errc::user_blocked:
                return "user is blocked";
            case connection_errc::invalid_password:
                return "password is too weak";
            case connection_errc::invalid_email:
                return "invalid email address";
            case connection_errc::user_exists:
                return "the user already exists";
            case connection_errc::not_federated:
                return "the connection has no upstream authorization request";
            case connection_errc::missing_endpoint:
                return "the upstream authorization endpoint is unknown";
            case connection_errc::invalid_endpoint:
                return "the upstream endpoint is not an absolute http(s) URL";
            case connection_errc::backend:
                return "the store failed";
        }
        return "unknown connections error";
    }
};

}  // namespace

const boost::system::error_category& connection_category() noexcept {
    static const category instance;
    return instance;
}

}  // namespace gatehouse::connections
