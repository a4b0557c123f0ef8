// JWK and JWKS parsing: upstream providers' jwks_uri documents, client-registered keys.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "jose/jose.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace gatehouse;
    std::string_view text(reinterpret_cast<const char*>(data), size);

    if (auto set = jose::KeySet::from_jwks(text)) {
        // What we publish from a parsed set parses back to the same keys.
        auto again = jose::KeySet::from_jwks(set->to_jwks());
        FUZZ_CHECK(again && again->keys().size() == set->keys().size());
    }

    boost::system::error_code ec;
    auto value = boost::json::parse(text, ec);
    if (ec || !value.is_object()) return 0;
    const auto& jwk = value.as_object();
    auto thumbprint = jose::jwk_thumbprint(jwk);
    auto key = jose::PublicKey::from_jwk(jwk);
    if (!key) return 0;
    FUZZ_CHECK(thumbprint.has_value());  // every usable key has a thumbprint
    auto round = jose::PublicKey::from_jwk(key->jwk());
    FUZZ_CHECK(round && round->alg() == key->alg() && round->kid() == key->kid());
    FUZZ_CHECK(jose::jwk_thumbprint(key->jwk()).value() == *thumbprint);
    // Garbage signatures of every length must be refused, never crash the verifier.
    FUZZ_CHECK(!key->verify("header.payload", text));
    return 0;
}
