// verify_jwt against a fixed key set (RS256, ES256, EdDSA), then check_claims: access tokens at
// /userinfo and the Management API, id_token_hint, and upstream ID tokens all go through here.
// Also parse_jwe / decrypt_jwe, which read the opaque (JWE) access tokens at /userinfo.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fixed_keys.hpp"
#include "fuzz_check.hpp"
#include "jose/jose.hpp"

namespace {

using namespace gatehouse;

struct Keys {
    jose::KeySet all;
    jose::KeySet single;  // one EC key, so the kid-less path can succeed
    Keys() : all(jose::KeySet::from_jwks(fuzz::fixed_jwks).value()) {
        for (const auto& k : all.keys())
            if (k.alg() == jose::Alg::ES256) single.add(k);
        FUZZ_CHECK(all.keys().size() == 3 && single.keys().size() == 1);
    }
};

void check_claims(const boost::json::object& claims) {
    jose::ClaimChecks checks;
    checks.issuer = "https://id.example.com/";
    checks.audiences = {"https://api.example.com/", "client_abc"};
    checks.now = 1700000000;  // the seeds' iat
    // exp/nbf/iat come from the token: arithmetic with them (and the leeway) must not overflow.
    (void)jose::check_claims(claims, checks);
    checks.leeway = 0;
    checks.audiences.clear();
    (void)jose::check_claims(claims, checks);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Keys keys;
    std::string_view token(reinterpret_cast<const char*>(data), size);
    constexpr jose::Alg every[] = {jose::Alg::RS256, jose::Alg::ES256, jose::Alg::EdDSA};

    for (const jose::KeySet* set : {&keys.all, &keys.single}) {
        auto v = jose::verify_jwt(token, *set, every);
        if (!v) continue;
        // A verified token names an allowed alg that is its key's own alg (no confusion).
        const auto* alg = v->header.if_contains("alg");
        FUZZ_CHECK(alg && alg->is_string());
        auto parsed = jose::parse_alg(alg->as_string());
        FUZZ_CHECK(parsed.has_value());
        FUZZ_CHECK(!v->header.contains("crit"));
        check_claims(v->claims);
        // Only RS256 allowed: an ES256 or EdDSA token must now fail.
        auto rs_only = jose::verify_jwt(token, *set, {jose::Alg::RS256});
        FUZZ_CHECK(rs_only.has_value() == (*parsed == jose::Alg::RS256));
    }

    static const std::string jwe_key(32, '\x07');  // the key of the jwe_* seeds
    if (auto jwe = jose::parse_jwe(token)) {
        FUZZ_CHECK(jwe->header.at("alg") == "dir" && jwe->header.at("enc") == "A256GCM");
        if (auto plaintext = jose::decrypt_jwe(*jwe, jwe_key)) {
            boost::system::error_code ec;
            auto value = boost::json::parse(*plaintext, ec);
            if (!ec && value.is_object()) check_claims(value.as_object());
        }
    }
    // Whatever we encrypt comes back unchanged.
    auto sealed = jose::encrypt_jwe({{"alg", "dir"}, {"enc", "A256GCM"}, {"kid", "k"}}, token, jwe_key);
    FUZZ_CHECK(sealed.has_value());
    auto reopened = jose::parse_jwe(*sealed);
    FUZZ_CHECK(reopened.has_value() && jose::decrypt_jwe(*reopened, jwe_key).value() == token);

    // The claim checks see far more shapes when the payload need not be signed.
    auto dot1 = token.find('.');
    auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 != std::string_view::npos) {
        if (auto payload = util::base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1))) {
            boost::system::error_code ec;
            auto value = boost::json::parse(*payload, ec);
            if (!ec && value.is_object()) check_claims(value.as_object());
        }
    }
    return 0;
}
