// jose micro-benchmarks. The bar (spec §6): the token endpoint issues RS256 tokens at >= 90% of
// `openssl speed rsa2048`, so sign_jwt may add only a few microseconds to the raw RSA operation.
// Compare BM_sign_jwt/<alg> with BM_evp_sign_digest/<alg> (what `openssl speed` measures: a
// pre-hashed digest and a context set up once) and BM_evp_digest_sign/<alg> (the usual EVP call).
#include "jose/jose.hpp"

#include <benchmark/benchmark.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <string>

namespace json = boost::json;
namespace jose = gatehouse::jose;

namespace {

constexpr jose::Alg kAlgs[] = {jose::Alg::RS256, jose::Alg::ES256, jose::Alg::EdDSA};

const jose::PrivateKey& key_for(jose::Alg alg) {
    static const jose::PrivateKey keys[] = {jose::PrivateKey::generate(jose::Alg::RS256),
                                            jose::PrivateKey::generate(jose::Alg::ES256),
                                            jose::PrivateKey::generate(jose::Alg::EdDSA)};
    return keys[static_cast<int>(alg)];
}

// The claims of an Auth0 client_credentials access token: what the token endpoint signs.
json::object access_token_claims() {
    return json::object{{"iss", "https://gatehouse.example.com/"},
                        {"sub", "Xk3pQ9vTzL2mN8rB4sW7yC1dF6gH0jK5@clients"},
                        {"aud", "https://api.example.com"},
                        {"iat", 1767225600},
                        {"exp", 1767312000},
                        {"scope", "read:messages write:messages"},
                        {"gty", "client-credentials"},
                        {"azp", "Xk3pQ9vTzL2mN8rB4sW7yC1dF6gH0jK5"}};
}

EVP_PKEY* evp_for(jose::Alg alg) {
    const std::string pem = key_for(alg).to_pem();
    BIO* bio = BIO_new_mem_buf(pem.data(), int(pem.size()));
    EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return pkey;
}

void BM_sign_jwt(benchmark::State& state) {
    const auto alg = static_cast<jose::Alg>(state.range(0));
    const auto& key = key_for(alg);
    const auto claims = access_token_claims();
    for (auto _ : state) benchmark::DoNotOptimize(jose::sign_jwt(key, claims));
    state.SetLabel(std::string(jose::alg_name(alg)));
}

// Everything except the signature: serialising, base64url and assembling (the part we control).
void BM_jwt_without_signature(benchmark::State& state) {
    const auto& key = key_for(jose::Alg::RS256);
    const auto claims = access_token_claims();
    for (auto _ : state) {
        std::string token = key.header_b64("JWT");
        token += '.';
        token += json::serialize(claims);
        benchmark::DoNotOptimize(token);
    }
}

// The conventional EVP sequence per signature: DigestSignInit (provider fetches) + DigestSign.
void BM_evp_digest_sign(benchmark::State& state) {
    const auto alg = static_cast<jose::Alg>(state.range(0));
    EVP_PKEY* pkey = evp_for(alg);
    const std::string input(300, 'a');  // about the size of an access token's signing input
    std::array<unsigned char, 512> sig;
    for (auto _ : state) {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        std::size_t len = sig.size();
        EVP_DigestSignInit(ctx, nullptr, alg == jose::Alg::EdDSA ? nullptr : EVP_sha256(), nullptr, pkey);
        EVP_DigestSign(ctx, sig.data(), &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
        EVP_MD_CTX_free(ctx);
        benchmark::DoNotOptimize(sig);
    }
    EVP_PKEY_free(pkey);
    state.SetLabel(std::string(jose::alg_name(alg)));
}

// The floor: a context set up once and a 32-byte digest, as `openssl speed rsa2048 / ecdsap256` do.
void BM_evp_sign_digest(benchmark::State& state) {
    const auto alg = static_cast<jose::Alg>(state.range(0));
    EVP_PKEY* pkey = evp_for(alg);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr);
    EVP_PKEY_sign_init(ctx);
    if (alg == jose::Alg::RS256) {
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING);
        EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256());
    }
    const std::array<unsigned char, 32> digest{};
    std::array<unsigned char, 512> sig;
    for (auto _ : state) {
        std::size_t len = sig.size();
        EVP_PKEY_sign(ctx, sig.data(), &len, digest.data(), digest.size());
        benchmark::DoNotOptimize(sig);
    }
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    state.SetLabel(std::string(jose::alg_name(alg)));
}

void BM_verify_jwt(benchmark::State& state) {
    const auto alg = static_cast<jose::Alg>(state.range(0));
    const auto& key = key_for(alg);
    jose::KeySet keys;
    keys.add(key.public_key());
    const std::string token = jose::sign_jwt(key, access_token_claims());
    for (auto _ : state) {
        auto v = jose::verify_jwt(token, keys, {alg});
        if (!v) state.SkipWithError("verification failed");
        benchmark::DoNotOptimize(v);
    }
    state.SetLabel(std::string(jose::alg_name(alg)));
}

void BM_verify_jwks_key(benchmark::State& state) {
    // Verifying with a key parsed from JWKS JSON, as a resource server does.
    const auto& key = key_for(jose::Alg::RS256);
    auto keys = jose::KeySet::from_jwks(json::serialize(json::object{{"keys", json::array{key.public_jwk()}}}));
    const std::string token = jose::sign_jwt(key, access_token_claims());
    for (auto _ : state) benchmark::DoNotOptimize(jose::verify_jwt(token, *keys, {jose::Alg::RS256}));
}

void all_algs(benchmark::internal::Benchmark* b) {
    for (auto alg : kAlgs) b->Arg(static_cast<int>(alg));
}

}  // namespace

BENCHMARK(BM_sign_jwt)->Apply(all_algs);
BENCHMARK(BM_evp_digest_sign)->Apply(all_algs);
BENCHMARK(BM_evp_sign_digest)->Arg(static_cast<int>(jose::Alg::RS256))->Arg(static_cast<int>(jose::Alg::ES256));
BENCHMARK(BM_jwt_without_signature);
BENCHMARK(BM_verify_jwt)->Apply(all_algs);
BENCHMARK(BM_verify_jwks_key);

BENCHMARK_MAIN();
