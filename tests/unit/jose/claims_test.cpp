#include "jose/jose.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace json = boost::json;
using namespace gatehouse::jose;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;

json::object base() {
    return json::object{
        {"iss", "https://gh.test/"}, {"aud", "https://api.example.com"}, {"iat", kNow - 10}, {"exp", kNow + 3600}};
}

ClaimChecks checks() {
    ClaimChecks c;
    c.issuer = "https://gh.test/";
    c.audiences = {"https://api.example.com"};
    c.now = kNow;
    c.leeway = 30;
    return c;
}

json::object with(json::object o, std::string_view k, json::value v) {
    o[k] = std::move(v);
    return o;
}

boost::system::error_code check(const json::object& claims, const ClaimChecks& c = checks()) {
    auto r = check_claims(claims, c);
    return r ? boost::system::error_code{} : r.error();
}

}  // namespace

TEST(JoseClaims, ValidTokenPasses) { EXPECT_EQ(check(base()), boost::system::error_code{}); }

TEST(JoseClaims, ExpiryHonoursLeeway) {
    EXPECT_EQ(check(with(base(), "exp", kNow - 31)), jose_errc::expired);
    EXPECT_EQ(check(with(base(), "exp", kNow - 30)), jose_errc::expired);  // exp is exclusive
    EXPECT_EQ(check(with(base(), "exp", kNow - 29)), boost::system::error_code{});
    auto strict = checks();
    strict.leeway = 0;
    EXPECT_EQ(check(with(base(), "exp", kNow), strict), jose_errc::expired);
    EXPECT_EQ(check(with(base(), "exp", kNow + 1), strict), boost::system::error_code{});
    EXPECT_EQ(check(with(base(), "exp", double(kNow) + 0.5), strict), boost::system::error_code{});
}

TEST(JoseClaims, ExpIsRequiredAndNumeric) {
    auto no_exp = base();
    no_exp.erase("exp");
    EXPECT_EQ(check(no_exp), jose_errc::expired);
    EXPECT_EQ(check(with(base(), "exp", "4102444800")), jose_errc::invalid_claim);
    EXPECT_EQ(check(with(base(), "exp", nullptr)), jose_errc::invalid_claim);
}

TEST(JoseClaims, NbfAndIatMustNotBeInTheFuture) {
    EXPECT_EQ(check(with(base(), "nbf", kNow + 31)), jose_errc::not_yet_valid);
    EXPECT_EQ(check(with(base(), "nbf", kNow + 30)), boost::system::error_code{});
    EXPECT_EQ(check(with(base(), "iat", kNow + 600)), jose_errc::not_yet_valid);
    EXPECT_EQ(check(with(base(), "nbf", "soon")), jose_errc::invalid_claim);
    EXPECT_EQ(check(with(base(), "iat", json::array{})), jose_errc::invalid_claim);
}

TEST(JoseClaims, IssuerMustMatchExactly) {
    EXPECT_EQ(check(with(base(), "iss", "https://gh.test")), jose_errc::wrong_issuer);  // no trailing slash
    EXPECT_EQ(check(with(base(), "iss", "https://evil.test/")), jose_errc::wrong_issuer);
    EXPECT_EQ(check(with(base(), "iss", 1)), jose_errc::wrong_issuer);
    auto no_iss = base();
    no_iss.erase("iss");
    EXPECT_EQ(check(no_iss), jose_errc::wrong_issuer);
    auto unchecked = checks();
    unchecked.issuer.reset();
    EXPECT_EQ(check(no_iss, unchecked), boost::system::error_code{});
}

TEST(JoseClaims, AudienceStringOrArrayMustContainAnAcceptedOne) {
    EXPECT_EQ(check(with(base(), "aud", "https://other.example.com")), jose_errc::wrong_audience);
    EXPECT_EQ(check(with(base(), "aud", json::array{"https://gh.test/userinfo", "https://api.example.com"})),
              boost::system::error_code{});
    EXPECT_EQ(check(with(base(), "aud", json::array{"https://gh.test/userinfo"})), jose_errc::wrong_audience);
    EXPECT_EQ(check(with(base(), "aud", json::array{})), jose_errc::wrong_audience);
    EXPECT_EQ(check(with(base(), "aud", json::array{"https://api.example.com", 3})), jose_errc::invalid_claim);
    EXPECT_EQ(check(with(base(), "aud", 3)), jose_errc::invalid_claim);
    auto no_aud = base();
    no_aud.erase("aud");
    EXPECT_EQ(check(no_aud), jose_errc::wrong_audience);

    // Several accepted audiences (the Management API accepts two spellings of itself).
    auto two = checks();
    two.audiences = {"http://gh.test/api/v2/", "https://gh.test/api/v2/"};
    EXPECT_EQ(check(with(base(), "aud", "https://gh.test/api/v2/"), two), boost::system::error_code{});
    EXPECT_EQ(check(with(base(), "aud", "https://gh.test/api/v2"), two), jose_errc::wrong_audience);
}

TEST(JoseClaims, DefaultNowIsTheSystemClock) {
    ClaimChecks c;  // no issuer/audience checks, now = clock
    EXPECT_EQ(check(json::object{{"exp", 4102444800}}, c), boost::system::error_code{});
    EXPECT_EQ(check(json::object{{"exp", 1000}}, c), jose_errc::expired);
}
