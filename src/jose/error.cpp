#include "jose/jose.hpp"

#include <string>

namespace gatehouse::jose {
namespace {

class jose_category_impl final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "gatehouse.jose"; }

    std::string message(int ev) const override { return message(ev, nullptr, 0); }

    const char* message(int ev, char*, std::size_t) const noexcept override {
        switch (static_cast<jose_errc>(ev)) {
            case jose_errc::malformed:
                return "malformed JOSE object";
            case jose_errc::unsupported_alg:
                return "algorithm not allowed";
            case jose_errc::unknown_key:
                return "no matching key";
            case jose_errc::bad_signature:
                return "signature verification failed";
            case jose_errc::expired:
                return "token expired";
            case jose_errc::not_yet_valid:
                return "token not yet valid";
            case jose_errc::wrong_issuer:
                return "unexpected issuer";
            case jose_errc::wrong_audience:
                return "unexpected audience";
            case jose_errc::invalid_claim:
                return "invalid claim type";
            case jose_errc::invalid_key:
                return "unusable key";
            case jose_errc::decrypt_failed:
                return "decryption failed";
            case jose_errc::crypto_failure:
                return "cryptographic operation failed";
        }
        return "unknown jose error";
    }
};

}  // namespace

const boost::system::error_category& jose_category() noexcept {
    static const jose_category_impl instance;
    return instance;
}

}  // namespace gatehouse::jose
