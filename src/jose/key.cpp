// Keys: generation, PEM and JWK conversion, RFC 7638 thumbprints, raw signing and verification.
#include "jose/internal.hpp"
#include "util/util.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <array>
#include <stdexcept>

namespace json = boost::json;

namespace gatehouse::jose {
namespace {

using detail::bio_ptr;
using detail::bn_ptr;
using detail::key_state;
using detail::md_ctx_ptr;
using detail::pkey_ptr;

struct pkey_ctx_deleter {
    void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
struct param_bld_deleter {
    void operator()(OSSL_PARAM_BLD* p) const noexcept { OSSL_PARAM_BLD_free(p); }
};
struct params_deleter {
    void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
struct ecdsa_sig_deleter {
    void operator()(ECDSA_SIG* p) const noexcept { ECDSA_SIG_free(p); }
};
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_deleter>;

constexpr int kMinRsaBits = 2048;
// Verification cost grows with the modulus; a JWKS from elsewhere must not make us do 64k-bit RSA.
constexpr int kMaxRsaBits = 16384;
constexpr std::size_t kP256Bytes = 32;

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

std::string bn_bytes(const BIGNUM* bn, int pad = 0) {
    std::string out(pad > 0 ? std::size_t(pad) : std::size_t(BN_num_bytes(bn)), '\0');
    if (pad > 0)
        BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), pad);
    else
        BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
    return out;
}

bn_ptr get_bn(const EVP_PKEY* pkey, const char* name) {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(pkey, name, &bn);
    return bn_ptr(bn);
}

bool is_p256(const EVP_PKEY* pkey) {
    std::array<char, 64> group{};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(), &len) != 1)
        return false;
    std::string_view g(group.data(), len);
    return g == "prime256v1" || g == "P-256" || g == "secp256r1";
}

// Which JOSE alg a parsed key can serve, or nullopt when we do not support its type or size.
std::optional<Alg> alg_for(const EVP_PKEY* pkey) {
    if (EVP_PKEY_is_a(pkey, "RSA")) {
        int bits = EVP_PKEY_get_bits(pkey);
        if (bits < kMinRsaBits || bits > kMaxRsaBits) return std::nullopt;
        return Alg::RS256;
    }
    if (EVP_PKEY_is_a(pkey, "EC")) return is_p256(pkey) ? std::optional(Alg::ES256) : std::nullopt;
    if (EVP_PKEY_is_a(pkey, "ED25519")) return Alg::EdDSA;
    return std::nullopt;
}

// The required public members of the JWK, in the key type's natural order.
json::object public_members(const EVP_PKEY* pkey, Alg alg) {
    json::object jwk;
    switch (alg) {
        case Alg::RS256: {
            auto n = get_bn(pkey, OSSL_PKEY_PARAM_RSA_N);
            auto e = get_bn(pkey, OSSL_PKEY_PARAM_RSA_E);
            if (!n || !e) throw std::runtime_error("jose: cannot read RSA public key");
            jwk["kty"] = "RSA";
            jwk["n"] = util::base64url_encode(bn_bytes(n.get()));
            jwk["e"] = util::base64url_encode(bn_bytes(e.get()));
            break;
        }
        case Alg::ES256: {
            auto x = get_bn(pkey, OSSL_PKEY_PARAM_EC_PUB_X);
            auto y = get_bn(pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
            if (!x || !y) throw std::runtime_error("jose: cannot read EC public key");
            jwk["kty"] = "EC";
            jwk["crv"] = "P-256";
            jwk["x"] = util::base64url_encode(bn_bytes(x.get(), kP256Bytes));
            jwk["y"] = util::base64url_encode(bn_bytes(y.get(), kP256Bytes));
            break;
        }
        case Alg::EdDSA: {
            std::array<unsigned char, 32> raw{};
            std::size_t len = raw.size();
            if (EVP_PKEY_get_raw_public_key(pkey, raw.data(), &len) != 1)
                throw std::runtime_error("jose: cannot read Ed25519 public key");
            jwk["kty"] = "OKP";
            jwk["crv"] = "Ed25519";
            jwk["x"] = util::base64url_encode(std::string_view(reinterpret_cast<const char*>(raw.data()), len));
            break;
        }
    }
    return jwk;
}

const EVP_MD* digest_for(Alg alg) { return alg == Alg::EdDSA ? nullptr : EVP_sha256(); }

// Builds the state shared by copies of a key: JWK, kid, cached headers and the sign template.
std::shared_ptr<const key_state> make_state(pkey_ptr pkey, Alg alg, std::string kid, bool is_private) {
    auto s = std::make_shared<key_state>();
    s->jwk = public_members(pkey.get(), alg);
    if (kid.empty()) kid = jwk_thumbprint(s->jwk).value();
    s->jwk["kid"] = kid;
    s->jwk["alg"] = alg_name(alg);
    s->jwk["use"] = "sig";
    s->alg = alg;
    s->kid = std::move(kid);
    if (is_private) {
        s->header_jwt = detail::make_header_b64(alg, s->kid, "JWT");
        s->header_at_jwt = detail::make_header_b64(alg, s->kid, "at+jwt");
        md_ctx_ptr ctx(EVP_MD_CTX_new());
        if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, digest_for(alg), nullptr, pkey.get()) != 1)
            throw std::runtime_error("jose: cannot initialise signing");
        s->sign_template = std::move(ctx);
    }
    s->pkey = std::move(pkey);
    return s;
}

// A key member in its one canonical base64url spelling (no padding, unused trailing bits zero), so
// that the RFC 7638 thumbprint of what we were given is the thumbprint of the key we use.
std::optional<std::string> member_b64(const json::object& jwk, std::string_view name) {
    auto it = jwk.find(name);
    if (it == jwk.end() || !it->value().is_string()) return std::nullopt;
    const std::string_view text = it->value().get_string();
    auto decoded = util::base64url_decode(text);
    if (!decoded || util::base64url_encode(*decoded) != text) return std::nullopt;
    return decoded;
}

result<pkey_ptr> pkey_from_data(const char* type, OSSL_PARAM_BLD* bld) {
    std::unique_ptr<OSSL_PARAM, params_deleter> params(OSSL_PARAM_BLD_to_param(bld));
    pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        return jose_errc::invalid_key;
    return pkey_ptr(raw);
}

result<pkey_ptr> rsa_from_jwk(const json::object& jwk) {
    auto n = member_b64(jwk, "n");
    auto e = member_b64(jwk, "e");
    // RFC 7518 §6.3.1: both "MUST utilize the minimum number of octets", so no leading zero octet.
    if (!n || !e || n->empty() || e->empty() || e->size() > 8 || n->front() == '\0' || e->front() == '\0')
        return jose_errc::invalid_key;
    bn_ptr bn_n(BN_bin2bn(bytes(*n), int(n->size()), nullptr));
    bn_ptr bn_e(BN_bin2bn(bytes(*e), int(e->size()), nullptr));
    if (!bn_n || !bn_e) return jose_errc::crypto_failure;
    // Small or even exponents make "verification" meaningless; bound the modulus before any math.
    if (!BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get()) || BN_num_bits(bn_n.get()) < kMinRsaBits ||
        BN_num_bits(bn_n.get()) > kMaxRsaBits)
        return jose_errc::invalid_key;
    std::unique_ptr<OSSL_PARAM_BLD, param_bld_deleter> bld(OSSL_PARAM_BLD_new());
    if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
        return jose_errc::crypto_failure;
    return pkey_from_data("RSA", bld.get());
}

result<pkey_ptr> ec_from_jwk(const json::object& jwk) {
    auto crv = jwk.find("crv");
    if (crv == jwk.end() || !crv->value().is_string() || crv->value().get_string() != "P-256")
        return jose_errc::invalid_key;
    auto x = member_b64(jwk, "x");
    auto y = member_b64(jwk, "y");
    if (!x || !y || x->size() != kP256Bytes || y->size() != kP256Bytes) return jose_errc::invalid_key;
    std::string point = "\x04" + *x + *y;  // SEC1 uncompressed
    std::unique_ptr<OSSL_PARAM_BLD, param_bld_deleter> bld(OSSL_PARAM_BLD_new());
    if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
        return jose_errc::crypto_failure;
    auto pkey = pkey_from_data("EC", bld.get());
    if (!pkey) return pkey.error();
    // Invalid-curve attacks: a point off P-256 must never reach ECDSA verification.
    pkey_ctx_ptr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey->get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) return jose_errc::invalid_key;
    return pkey;
}

result<pkey_ptr> okp_from_jwk(const json::object& jwk) {
    auto crv = jwk.find("crv");
    if (crv == jwk.end() || !crv->value().is_string() || crv->value().get_string() != "Ed25519")
        return jose_errc::invalid_key;
    auto x = member_b64(jwk, "x");
    if (!x || x->size() != 32) return jose_errc::invalid_key;
    EVP_PKEY* raw = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(*x), x->size());
    if (!raw) return jose_errc::invalid_key;
    return pkey_ptr(raw);
}

// ECDSA in JOSE is r||s with each half left-padded to the curve size; OpenSSL speaks DER.
bool der_to_jose(std::string_view der, std::string& out) {
    const unsigned char* p = bytes(der);
    std::unique_ptr<ECDSA_SIG, ecdsa_sig_deleter> sig(d2i_ECDSA_SIG(nullptr, &p, long(der.size())));
    if (!sig) return false;
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    std::size_t at = out.size();
    out.resize(at + 2 * kP256Bytes);
    auto* dst = reinterpret_cast<unsigned char*>(out.data() + at);
    return BN_bn2binpad(r, dst, kP256Bytes) == int(kP256Bytes) &&
           BN_bn2binpad(s, dst + kP256Bytes, kP256Bytes) == int(kP256Bytes);
}

std::optional<std::string> jose_to_der(std::string_view rs) {
    if (rs.size() != 2 * kP256Bytes) return std::nullopt;
    std::unique_ptr<ECDSA_SIG, ecdsa_sig_deleter> sig(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(bytes(rs), kP256Bytes, nullptr);
    BIGNUM* s = BN_bin2bn(bytes(rs) + kP256Bytes, kP256Bytes, nullptr);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        return std::nullopt;
    }
    int len = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (len <= 0) return std::nullopt;
    std::string der(std::size_t(len), '\0');
    auto* p = reinterpret_cast<unsigned char*>(der.data());
    i2d_ECDSA_SIG(sig.get(), &p);
    return der;
}

// Refuses to prompt on a terminal for an encrypted PEM: keys at rest are sealed, not PEM-encrypted.
int no_password(char*, int, int, void*) { return 0; }

}  // namespace

std::string_view alg_name(Alg alg) noexcept {
    switch (alg) {
        case Alg::RS256:
            return "RS256";
        case Alg::ES256:
            return "ES256";
        case Alg::EdDSA:
            return "EdDSA";
    }
    return "";
}

std::optional<Alg> parse_alg(std::string_view name) noexcept {
    if (name == "RS256") return Alg::RS256;
    if (name == "ES256") return Alg::ES256;
    if (name == "EdDSA") return Alg::EdDSA;
    return std::nullopt;
}

// RFC 7638 §3.2: only the required members, lexicographic order, no whitespace.
result<std::string> jwk_thumbprint(const json::object& jwk) {
    auto member = [&](std::string_view name) -> const json::string* {
        auto it = jwk.find(name);
        return it != jwk.end() && it->value().is_string() ? &it->value().get_string() : nullptr;
    };
    const json::string* kty = member("kty");
    if (!kty) return jose_errc::invalid_key;
    std::vector<std::string_view> names;
    if (*kty == "RSA")
        names = {"e", "kty", "n"};
    else if (*kty == "EC")
        names = {"crv", "kty", "x", "y"};
    else if (*kty == "OKP")
        names = {"crv", "kty", "x"};
    else
        return jose_errc::invalid_key;
    std::string canonical = "{";
    for (std::string_view name : names) {
        const json::string* v = member(name);
        if (!v) return jose_errc::invalid_key;
        if (canonical.size() > 1) canonical += ',';
        canonical += '"';
        canonical += name;
        canonical += "\":";
        canonical += json::serialize(*v);
    }
    canonical += '}';
    return util::sha256_b64url(canonical);
}

// --- PrivateKey -----------------------------------------------------------------------------------

PrivateKey PrivateKey::generate(Alg alg, std::string kid) {
    EVP_PKEY* raw = nullptr;
    switch (alg) {
        case Alg::RS256:
            raw = EVP_RSA_gen(2048);
            break;  // e = 65537
        case Alg::ES256:
            raw = EVP_EC_gen("P-256");
            break;
        case Alg::EdDSA:
            raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
            break;
    }
    if (!raw) throw std::runtime_error("jose: key generation failed");
    return PrivateKey(make_state(pkey_ptr(raw), alg, std::move(kid), true));
}

result<PrivateKey> PrivateKey::from_pem(std::string_view pem, std::string kid) {
    bio_ptr bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
    if (!bio) return jose_errc::crypto_failure;
    pkey_ptr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
    if (!pkey) return jose_errc::invalid_key;
    auto alg = alg_for(pkey.get());
    if (!alg) return jose_errc::invalid_key;
    try {
        return PrivateKey(make_state(std::move(pkey), *alg, std::move(kid), true));
    } catch (const std::exception&) {
        return jose_errc::crypto_failure;
    }
}

std::string PrivateKey::to_pem() const {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), state_->pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        throw std::runtime_error("jose: cannot encode private key");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, std::size_t(len));
}

const std::string& PrivateKey::kid() const noexcept { return state_->kid; }
Alg PrivateKey::alg() const noexcept { return state_->alg; }
const json::object& PrivateKey::public_jwk() const noexcept { return state_->jwk; }

PublicKey PrivateKey::public_key() const {
    // Sharing the state is safe: a PublicKey only ever verifies with it and never exposes it.
    return PublicKey(state_);
}

std::string PrivateKey::sign(std::string_view signing_input) const {
    std::string out;
    if (!detail::sign_raw(*state_, signing_input, out)) throw std::runtime_error("jose: signing failed");
    return out;
}

std::string PrivateKey::header_b64(std::string_view typ) const {
    if (typ == "JWT") return state_->header_jwt;
    if (typ == "at+jwt") return state_->header_at_jwt;
    return detail::make_header_b64(state_->alg, state_->kid, typ);
}

// --- PublicKey ------------------------------------------------------------------------------------

result<PublicKey> PublicKey::from_jwk(const json::object& jwk) {
    auto kty = jwk.find("kty");
    if (kty == jwk.end() || !kty->value().is_string()) return jose_errc::invalid_key;
    // A JWKS carrying private members is a leak at the publisher; refuse rather than silently use it.
    if (jwk.contains("d") || jwk.contains("p") || jwk.contains("k")) return jose_errc::invalid_key;
    if (auto use = jwk.find("use");
        use != jwk.end() && !(use->value().is_string() && use->value().get_string() == "sig"))
        return jose_errc::invalid_key;

    std::string_view type = kty->value().get_string();
    result<pkey_ptr> pkey = jose_errc::invalid_key;
    if (type == "RSA")
        pkey = rsa_from_jwk(jwk);
    else if (type == "EC")
        pkey = ec_from_jwk(jwk);
    else if (type == "OKP")
        pkey = okp_from_jwk(jwk);
    if (!pkey) return pkey.error();
    auto alg = alg_for(pkey->get());
    if (!alg) return jose_errc::invalid_key;
    if (auto a = jwk.find("alg"); a != jwk.end()) {
        if (!a->value().is_string() || parse_alg(a->value().get_string()) != alg) return jose_errc::invalid_key;
    }
    std::string kid;
    if (auto k = jwk.find("kid"); k != jwk.end()) {
        if (!k->value().is_string()) return jose_errc::invalid_key;
        kid = k->value().get_string();
    }
    try {
        auto s = std::make_shared<key_state>();
        s->jwk = public_members(pkey->get(), *alg);
        if (!kid.empty()) s->jwk["kid"] = kid;
        s->jwk["alg"] = alg_name(*alg);
        s->jwk["use"] = "sig";
        s->alg = *alg;
        s->kid = std::move(kid);
        s->pkey = std::move(*pkey);
        return PublicKey(std::move(s));
    } catch (const std::exception&) {
        return jose_errc::crypto_failure;
    }
}

bool PublicKey::verify(std::string_view signing_input, std::string_view signature) const noexcept {
    std::optional<std::string> der;
    if (state_->alg == Alg::ES256) {
        der = jose_to_der(signature);
        if (!der) return false;
        signature = *der;
    }
    md_ctx_ptr ctx(EVP_MD_CTX_new());
    return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, digest_for(state_->alg), nullptr, state_->pkey.get()) == 1 &&
           EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(signing_input),
                            signing_input.size()) == 1;
}

const std::string& PublicKey::kid() const noexcept { return state_->kid; }
Alg PublicKey::alg() const noexcept { return state_->alg; }
const json::object& PublicKey::jwk() const noexcept { return state_->jwk; }

// --- KeySet ---------------------------------------------------------------------------------------

void KeySet::add(PublicKey key) {
    if (!key.kid().empty()) {
        for (auto& k : keys_) {
            if (k.kid() == key.kid()) {
                k = std::move(key);
                return;
            }
        }
    }
    keys_.push_back(std::move(key));
}

const PublicKey* KeySet::find(std::string_view kid) const noexcept {
    for (const auto& k : keys_)
        if (k.kid() == kid) return &k;
    return nullptr;
}

result<KeySet> KeySet::from_jwks(std::string_view json_text) {
    boost::system::error_code ec;
    json::value v = json::parse(json_text, ec);
    if (ec || !v.is_object()) return jose_errc::malformed;
    return from_jwks(v.get_object());
}

result<KeySet> KeySet::from_jwks(const json::object& jwks) {
    auto it = jwks.find("keys");
    if (it == jwks.end() || !it->value().is_array()) return jose_errc::malformed;
    KeySet set;
    for (const auto& entry : it->value().get_array()) {
        if (!entry.is_object()) continue;
        if (auto key = PublicKey::from_jwk(entry.get_object())) set.add(std::move(*key));
    }
    return set;
}

json::object KeySet::to_jwks() const {
    json::array keys;
    keys.reserve(keys_.size());
    for (const auto& k : keys_) keys.push_back(k.jwk());
    return json::object{{"keys", std::move(keys)}};
}

// --- signing primitives ---------------------------------------------------------------------------

namespace detail {

bool sign_raw(const key_state& k, std::string_view input, std::string& out) {
    md_ctx_ptr ctx(EVP_MD_CTX_new());
    if (!ctx) return false;
    if (EVP_MD_CTX_copy_ex(ctx.get(), k.sign_template.get()) != 1) {
        // Some providers cannot duplicate a signing context; fall back to a fresh initialisation.
        ctx.reset(EVP_MD_CTX_new());
        if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, digest_for(k.alg), nullptr, k.pkey.get()) != 1) return false;
    }
    if (k.alg == Alg::ES256) {
        std::array<unsigned char, 80> der;  // DER of two 256-bit integers: at most 72 bytes
        std::size_t len = der.size();
        if (EVP_DigestSign(ctx.get(), der.data(), &len, bytes(input), input.size()) != 1) return false;
        return der_to_jose(std::string_view(reinterpret_cast<const char*>(der.data()), len), out);
    }
    // RSA and Ed25519 signatures are already in JOSE form: write them straight into the caller's buffer.
    const std::size_t at = out.size();
    std::size_t len = std::size_t(EVP_PKEY_get_size(k.pkey.get()));
    out.resize(at + len);
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(out.data() + at), &len, bytes(input),
                       input.size()) != 1) {
        out.resize(at);
        return false;
    }
    out.resize(at + len);
    return true;
}

}  // namespace detail
}  // namespace gatehouse::jose
