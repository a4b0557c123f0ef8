// The fixed verification keys of the JOSE fuzz targets. The matching private keys signed the seeds in
// corpus/jwt and were then thrown away: the fuzzer needs valid signatures to start from, nothing more.
#pragma once

namespace gatehouse::fuzz {

inline constexpr const char* fixed_jwks =
    R"json({"keys": [{"kty": "RSA", "n": "u60Ur-x248BpYWjoBlkBMz2sfuAsrPhZqnl-YEy773hxlcWZ3I6RGnaUnX_dPdAGYqUE0coaqd3jRsHhX99YIvyuW1Qe5EweQMxjMtxczwi-nmbi7gtNMD_xagZx4vdyujholiUE2e-CxKjIWh8-eE0lqK5c_I-47fQ8OPaHc1vZ8vNpQ04ovH9b5UdbmQ5gvzmAucGiTeOYXbnM0-w9YC7Ryx6lS5ad_PnWFiS9offf5kIU_jjZUKI8DDoI0Loa3puXbWkitHGrBJ91rC9WbvNbCGdgp3Ya-bmyYZknyHKecT4psJ_QiNp9FDrGxssaqb00rGRKLHLtgUedu9vKtQ", "e": "AQAB", "kid": "rsa-1", "alg": "RS256", "use": "sig"}, {"kty": "EC", "crv": "P-256", "x": "k08N_zcy8BVnH4OkRQZsDLmT04pRpO1nPRHlmzMW4CA", "y": "KBt2HYwukx1LVn0jreGWf_P03ph6cR2H3dr3M-p7Yk0", "kid": "ec-1", "alg": "ES256", "use": "sig"}, {"kty": "OKP", "crv": "Ed25519", "x": "hPymhB4gmB3bZr3Icvye4v9d-3q14GZgKN-A7fMWYpI", "kid": "ed-1", "alg": "EdDSA", "use": "sig"}]})json";

}  // namespace gatehouse::fuzz
