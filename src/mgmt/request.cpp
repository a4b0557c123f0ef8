#include "mgmt/request.hpp"

#include "mgmt/validation.hpp"

#include <boost/throw_exception.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace gatehouse::mgmt {

void throw_exception_from_error(const ApiError& e, const boost::source_location& loc) {
    boost::throw_exception(std::runtime_error(e.message), loc);
}

namespace detail {

ApiResponse json_response(int status, const json::value& body) {
    ApiResponse r;
    r.status = status;
    r.body = json::serialize(body);
    r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    return r;
}

ApiResponse no_content(int status) {
    ApiResponse r;
    r.status = status;
    return r;
}

namespace {

// A number beyond a double's range (7E871) parses as infinity, which JSON cannot write back: stored,
// every later read of the document would answer with a body that is not JSON. Recursion is bounded
// by the parser's depth limit.
bool has_non_finite_number(const json::value& v) {
    if (v.is_double()) return !std::isfinite(v.get_double());
    if (v.is_array()) return std::any_of(v.get_array().begin(), v.get_array().end(), has_non_finite_number);
    if (v.is_object())
        return std::any_of(v.get_object().begin(), v.get_object().end(),
                           [](const json::key_value_pair& kv) { return has_non_finite_number(kv.value()); });
    return false;
}

}  // namespace

expected<json::object> parse_body(const ApiRequest& req, bool* merge_patch) {
    std::string_view ct = req.content_type;
    ct = ct.substr(0, ct.find(';'));
    while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
    std::string type = ct.empty() ? std::string("application/json") : std::string(ct);
    std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    bool merge = type == "application/merge-patch+json";
    // Merge-patch only where the caller says it means something (PATCH of a connection): elsewhere
    // it would silently get replace semantics, or create an object from a patch document.
    if (merge && !merge_patch)
        return make_error(mgmt_errc::unsupported_media_type,
                          "Unsupported Media Type: application/merge-patch+json is accepted by PATCH "
                          "/connections/{id} only");
    if (!merge && type != "application/json") return make_error(mgmt_errc::unsupported_media_type);
    if (merge_patch) *merge_patch = merge;
    boost::system::error_code ec;
    json::value v = json::parse(req.body, ec);
    if (ec) return make_error(mgmt_errc::invalid_body, "Invalid request payload JSON format");
    if (has_non_finite_number(v)) return make_error(mgmt_errc::invalid_body, payload_error("A number is out of range"));
    if (!v.is_object())
        return make_error(mgmt_errc::invalid_body,
                          payload_error("Expected type object but found type " + std::string(type_name(v))));
    return std::move(v.get_object());
}

std::optional<std::string> query_one(const ApiRequest& req, std::string_view name) {
    for (const auto& [k, v] : req.query)
        if (k == name) return v;
    return std::nullopt;
}

std::vector<std::string> query_all(const ApiRequest& req, std::string_view name) {
    std::vector<std::string> out;
    for (const auto& [k, v] : req.query)
        if (k == name) out.push_back(v);
    return out;
}

std::optional<std::size_t> parse_size(std::string_view s) {
    std::size_t n = 0;
    if (s.empty() || s.size() > 9) return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return n;
}

expected<std::optional<std::size_t>> int_param(const ApiRequest& req, std::string_view name, std::size_t min,
                                               std::size_t max) {
    auto v = query_one(req, name);
    if (!v) return std::optional<std::size_t>();
    auto n = parse_size(*v);
    if (!n)
        return make_error(mgmt_errc::invalid_query_string,
                          query_error("Expected type integer but found type string", name));
    if (*n < min)
        return make_error(
            mgmt_errc::invalid_query_string,
            query_error("Value " + std::to_string(*n) + " is less than minimum " + std::to_string(min), name));
    if (*n > max)
        return make_error(
            mgmt_errc::invalid_query_string,
            query_error("Value " + std::to_string(*n) + " is greater than maximum " + std::to_string(max), name));
    return std::optional<std::size_t>(*n);
}

expected<std::optional<bool>> bool_param(const ApiRequest& req, std::string_view name) {
    auto v = query_one(req, name);
    if (!v) return std::optional<bool>();
    if (*v == "true") return std::optional<bool>(true);
    if (*v == "false") return std::optional<bool>(false);
    return make_error(mgmt_errc::invalid_query_string,
                      query_error("Expected type boolean but found type string", name));
}

void FieldFilter::apply(json::object& o) const {
    if (fields.empty()) return;
    auto listed = [&](std::string_view k) { return std::find(fields.begin(), fields.end(), k) != fields.end(); };
    json::object out;
    for (auto& [k, v] : o)
        if (listed(k) == include) out[k] = std::move(v);
    o = std::move(out);
}

expected<FieldFilter> parse_fields(const ApiRequest& req) {
    FieldFilter f;
    auto inc = bool_param(req, "include_fields");
    if (!inc) return inc.error();
    if (*inc) f.include = **inc;
    if (auto fields = query_one(req, "fields")) {
        std::string_view rest = *fields;
        while (!rest.empty()) {
            auto comma = rest.find(',');
            auto item = rest.substr(0, comma);
            if (!item.empty()) f.fields.emplace_back(item);
            rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        }
    }
    return f;
}

ApiError store_error(boost::system::error_code ec, mgmt_errc not_found, mgmt_errc conflict) {
    if (ec == store::store_errc::not_found) return make_error(not_found);
    if (ec == store::store_errc::already_exists) return make_error(conflict);
    if (ec == store::store_errc::conflict) return make_error(mgmt_errc::precondition_failed);
    return make_error(mgmt_errc::internal_error);
}

ApiResponse write_result(const store::result<void>& r, const ApiError& missing, int status) {
    if (r) return no_content(status);
    if (r.error() == store::store_errc::not_found) return render_error(missing);
    return render_error(store_error(r.error(), missing.code, mgmt_errc::invalid_body));
}

expected<std::vector<std::string>> parse_id_list(const ApiRequest& req, std::string_view key, std::size_t max_items) {
    auto body = parse_body(req);
    if (!body) return body.error();
    BodyCheck check(*body);
    check.allowed({key}).required(key).string_array(key, max_items);
    if (check.error()) return *check.error();
    std::vector<std::string> out;
    for (const auto& id : body->at(key).get_array()) out.emplace_back(id.get_string());
    if (out.empty())
        return make_error(mgmt_errc::invalid_body,
                          payload_error("Array is too short (0), minimum 1", std::string(key)));
    return out;
}

}  // namespace detail
}  // namespace gatehouse::mgmt
