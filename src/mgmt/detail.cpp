#include "mgmt/detail.hpp"

#include "util/util.hpp"

#include <boost/throw_exception.hpp>

#include <algorithm>
#include <charconv>
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

std::string payload_error(std::string_view what, std::string_view property) {
    std::string m = "Payload validation error: '" + std::string(what) + "'";
    if (!property.empty()) m += " on property " + std::string(property);
    return m + ".";
}

std::string query_error(std::string_view what, std::string_view property) {
    std::string m = "Query validation error: '" + std::string(what) + "'";
    if (!property.empty()) m += " on property " + std::string(property);
    return m + ".";
}

std::string_view type_name(const json::value& v) {
    switch (v.kind()) {
        case json::kind::string:
            return "string";
        case json::kind::int64:
        case json::kind::uint64:
            return "integer";
        case json::kind::double_:
            return "number";
        case json::kind::bool_:
            return "boolean";
        case json::kind::object:
            return "object";
        case json::kind::array:
            return "array";
        case json::kind::null:
            return "null";
    }
    return "null";
}

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
    if (!v.is_object())
        return make_error(mgmt_errc::invalid_body,
                          payload_error("Expected type object but found type " + std::string(type_name(v))));
    return std::move(v.get_object());
}

BodyCheck& BodyCheck::allowed(std::span<const std::string_view> allowed) {
    if (error_) return *this;
    std::string extra;
    for (const auto& [k, _] : body_) {
        if (std::find(allowed.begin(), allowed.end(), std::string_view(k)) != allowed.end()) continue;
        if (!extra.empty()) extra += ',';
        extra += k;
    }
    if (!extra.empty())
        error_ =
            make_error(mgmt_errc::invalid_body,
                       payload_error("Additional properties not allowed: " + extra,
                                     std::string_view(prefix_).substr(0, prefix_.empty() ? 0 : prefix_.size() - 1)));
    return *this;
}

BodyCheck& BodyCheck::required(std::string_view key) {
    if (!error_ && !get(key))
        error_ = make_error(mgmt_errc::invalid_body, payload_error("Missing required property: " + path(key)));
    return *this;
}

bool BodyCheck::type_error(std::string_view key, std::string_view expected) {
    error_ = make_error(
        mgmt_errc::invalid_body,
        payload_error("Expected type " + std::string(expected) + " but found type " + std::string(type_name(*get(key))),
                      path(key)));
    return true;
}

BodyCheck& BodyCheck::string(std::string_view key, std::size_t min, std::size_t max, bool nullable) {
    const auto* v = get(key);
    if (error_ || !v || (nullable && v->is_null())) return *this;
    if (!v->is_string()) {
        type_error(key, "string");
    } else if (v->get_string().size() < min) {
        error_ = make_error(mgmt_errc::invalid_body,
                            payload_error("String is too short (" + std::to_string(v->get_string().size()) +
                                              " chars), minimum " + std::to_string(min),
                                          path(key)));
    } else if (v->get_string().size() > max) {
        error_ = make_error(mgmt_errc::invalid_body,
                            payload_error("String is too long (" + std::to_string(v->get_string().size()) +
                                              " chars), maximum " + std::to_string(max),
                                          path(key)));
    } else if (!util::valid_utf8(v->get_string())) {
        error_ = make_error(mgmt_errc::invalid_body, payload_error("String is not valid UTF-8", path(key)));
    }
    return *this;
}

BodyCheck& BodyCheck::boolean(std::string_view key) {
    const auto* v = get(key);
    if (!error_ && v && !v->is_bool()) type_error(key, "boolean");
    return *this;
}

BodyCheck& BodyCheck::integer(std::string_view key, std::int64_t min, std::int64_t max) {
    const auto* v = get(key);
    if (error_ || !v) return *this;
    if (!v->is_int64() && !v->is_uint64()) {
        type_error(key, "integer");
        return *this;
    }
    bool too_big = v->is_uint64() && v->get_uint64() > std::uint64_t(INT64_MAX);
    std::int64_t n = too_big ? INT64_MAX : v->to_number<std::int64_t>();
    if (n < min)
        error_ = make_error(
            mgmt_errc::invalid_body,
            payload_error("Value " + std::to_string(n) + " is less than minimum " + std::to_string(min), path(key)));
    else if (too_big || n > max)
        error_ = make_error(
            mgmt_errc::invalid_body,
            payload_error("Value " + std::to_string(n) + " is greater than maximum " + std::to_string(max), path(key)));
    return *this;
}

BodyCheck& BodyCheck::number(std::string_view key, double exclusive_min, double max) {
    const auto* v = get(key);
    if (error_ || !v) return *this;
    if (!v->is_number()) {
        type_error(key, "number");
        return *this;
    }
    auto n = v->to_number<double>();
    auto text = json::serialize(*v);
    if (!(n > exclusive_min))
        error_ = make_error(mgmt_errc::invalid_body, payload_error("Value " + text + " must be greater than " +
                                                                       json::serialize(json::value(exclusive_min)),
                                                                   key));
    else if (n > max)
        error_ = make_error(
            mgmt_errc::invalid_body,
            payload_error("Value " + text + " is greater than maximum " + json::serialize(json::value(max)), key));
    return *this;
}

BodyCheck& BodyCheck::object(std::string_view key, bool nullable) {
    const auto* v = get(key);
    if (!error_ && v && !v->is_object() && !(nullable && v->is_null())) type_error(key, "object");
    return *this;
}

BodyCheck& BodyCheck::string_array(std::string_view key, std::size_t max_items) {
    const auto* v = get(key);
    if (error_ || !v) return *this;
    if (!v->is_array()) {
        type_error(key, "array");
        return *this;
    }
    if (v->get_array().size() > max_items) {
        error_ = make_error(mgmt_errc::invalid_body,
                            payload_error("Array is too long, maximum " + std::to_string(max_items), path(key)));
        return *this;
    }
    for (const auto& item : v->get_array()) {
        if (!item.is_string()) {
            error_ = make_error(
                mgmt_errc::invalid_body,
                payload_error("Expected type string but found type " + std::string(type_name(item)), path(key) + "[]"));
            break;
        }
    }
    return *this;
}

BodyCheck& BodyCheck::one_of(std::string_view key, std::initializer_list<std::string_view> values) {
    const auto* v = get(key);
    if (error_ || !v) return *this;
    if (!v->is_string()) {
        type_error(key, "string");
        return *this;
    }
    if (std::find(values.begin(), values.end(), std::string_view(v->get_string())) == values.end()) {
        std::string list;
        for (auto s : values) list += (list.empty() ? "" : ",") + std::string(s);
        error_ = make_error(
            mgmt_errc::invalid_body,
            payload_error("No enum match for: \"" + std::string(v->get_string()) + "\" (allowed: " + list + ")",
                          path(key)));
    }
    return *this;
}

BodyCheck& BodyCheck::fail(std::string message) {
    if (!error_) error_ = make_error(mgmt_errc::invalid_body, std::move(message));
    return *this;
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

namespace {

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

}  // namespace

expected<Paging> parse_paging(const ApiRequest& req, bool checkpoint) {
    Paging p;
    auto page = int_param(req, "page", 0, 100000);
    if (!page) return page.error();
    auto per_page = int_param(req, "per_page", 1, 100);
    if (!per_page) return per_page.error();
    auto totals = bool_param(req, "include_totals");
    if (!totals) return totals.error();
    if (*page) p.page = **page;
    if (*per_page) p.per_page = **per_page;
    if (*totals) p.include_totals = **totals;
    if (checkpoint) {
        auto take = int_param(req, "take", 1, 100);
        if (!take) return take.error();
        auto from = query_one(req, "from");
        std::optional<std::size_t> from_n;
        if (from && !from->empty()) {
            from_n = parse_size(*from);
            if (!from_n) return make_error(mgmt_errc::invalid_query_string, query_error("Invalid checkpoint", "from"));
        }
        // Checkpoint wins over page/per_page when both are sent (as Auth0 answers).
        if (*take || from) {
            p.kind = Paging::style::checkpoint;
            p.take = *take ? **take : 50;
            p.from = from_n.value_or(0);
            return p;
        }
    }
    if (*page || *per_page || *totals) p.kind = Paging::style::offset;
    return p;
}

store::Page store_page(const Paging& p, std::size_t none_limit) {
    switch (p.kind) {
        case Paging::style::none:
            return store::Page{0, none_limit};
        case Paging::style::offset:
            return store::Page{p.page * p.per_page, p.per_page};
        case Paging::style::checkpoint:
            return store::Page{p.from, p.take};
    }
    return {};
}

ApiResponse list_response(const Paging& p, std::string_view key, json::array items, std::size_t total,
                          bool with_length) {
    if (p.kind == Paging::style::checkpoint) {
        json::object body;
        std::size_t next = p.from + items.size();
        body[key] = std::move(items);
        if (next < total && next > p.from) body["next"] = std::to_string(next);
        return json_response(200, body);
    }
    if (p.kind == Paging::style::offset && p.include_totals) {
        json::object body;
        body["start"] = p.page * p.per_page;
        body["limit"] = p.per_page;
        if (with_length) body["length"] = items.size();
        body["total"] = total;
        body[key] = std::move(items);
        return json_response(200, body);
    }
    return json_response(200, items);
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

json::value merge_patch(const json::value& target, const json::value& patch) {
    if (!patch.is_object()) return patch;
    json::object result = target.is_object() ? target.get_object() : json::object();
    for (const auto& [k, v] : patch.get_object()) {
        if (v.is_null()) {
            result.erase(k);
        } else {
            const auto* existing = result.if_contains(k);
            result[k] = merge_patch(existing ? *existing : json::value(), v);
        }
    }
    return result;
}

ApiError store_error(boost::system::error_code ec, mgmt_errc not_found, mgmt_errc conflict) {
    if (ec == store::store_errc::not_found) return make_error(not_found);
    if (ec == store::store_errc::already_exists) return make_error(conflict);
    if (ec == store::store_errc::conflict) return make_error(mgmt_errc::precondition_failed);
    return make_error(mgmt_errc::internal_error);
}

ApiError path_error(std::string_view format, std::string_view value, std::string_view property_doc) {
    return make_error(mgmt_errc::invalid_uri, "Path validation error: 'Object didn't pass validation for format " +
                                                  std::string(format) + ": " + std::string(value) +
                                                  "' on property id (" + std::string(property_doc) + ").");
}

json::object connection_to_json(const store::Connection& c) {
    json::object o;
    o["id"] = c.id;
    o["name"] = c.name;
    o["strategy"] = c.strategy;
    for (const auto& [k, v] : c.doc) o[k] = v;
    if (!o.contains("options")) o["options"] = json::object();
    if (!o.contains("enabled_clients")) o["enabled_clients"] = json::array();
    if (!o.contains("is_domain_connection")) o["is_domain_connection"] = false;
    if (!o.contains("realms")) o["realms"] = json::array{json::string(c.name)};
    return o;
}

std::string connection_etag(const store::Connection& c) {
    // Strong: any change bumps the version, and two representations with one version are identical.
    return "\"" + c.id + "." + std::to_string(c.version) + "\"";
}

json::object client_to_json(const store::Client& c) {
    json::object o;
    o["client_id"] = c.client_id;
    for (const auto& [k, v] : c.doc) o[k] = v;
    return o;
}

void apply_client_defaults(json::object& doc) {
    auto set_default = [&](std::string_view k, json::value v) {
        if (!doc.contains(k)) doc[k] = std::move(v);
    };
    std::string app_type = doc.contains("app_type") && doc["app_type"].is_string()
                               ? std::string(doc["app_type"].get_string())
                               : std::string();
    bool is_public = app_type == "spa" || app_type == "native";
    set_default("token_endpoint_auth_method", is_public ? "none" : "client_secret_post");
    if (app_type == "non_interactive")
        set_default("grant_types", json::array{"client_credentials"});
    else if (is_public)
        set_default("grant_types", json::array{"authorization_code", "implicit", "refresh_token"});
    else
        set_default("grant_types",
                    json::array{"authorization_code", "implicit", "refresh_token", "client_credentials"});
    for (std::string_view k : {"callbacks", "allowed_logout_urls", "web_origins", "allowed_origins", "allowed_clients"})
        set_default(k, json::array());
    set_default("is_first_party", true);
    set_default("oidc_conformant", true);
    set_default("sso_disabled", false);
    set_default("cross_origin_auth", false);
    set_default("custom_login_page_on", true);
    set_default("jwt_configuration",
                json::object{{"alg", "RS256"}, {"lifetime_in_seconds", 36000}, {"secret_encoded", false}});
    // Auth0's defaults for a client created through the API; a SPA gets what Auth0's dashboard
    // gives one (auth0-apps.md §4): rotation, and lifetimes that end.
    bool spa = app_type == "spa";
    set_default("refresh_token", json::object{{"rotation_type", spa ? "rotating" : "non-rotating"},
                                              {"expiration_type", spa ? "expiring" : "non-expiring"},
                                              {"leeway", 0},
                                              {"token_lifetime", 2592000},
                                              {"idle_token_lifetime", 1296000},
                                              {"infinite_token_lifetime", !spa},
                                              {"infinite_idle_token_lifetime", !spa}});
}

json::object resource_server_to_json(const store::ResourceServer& rs) {
    json::object o;
    o["id"] = rs.id;
    o["identifier"] = rs.identifier;
    for (const auto& [k, v] : rs.doc) o[k] = v;
    return o;
}

void apply_resource_server_defaults(json::object& doc, std::string_view identifier) {
    auto set_default = [&](std::string_view k, json::value v) {
        if (!doc.contains(k)) doc[k] = std::move(v);
    };
    set_default("name", json::string(identifier));
    set_default("scopes", json::array());
    set_default("signing_alg", "RS256");
    set_default("token_lifetime", 86400);
    set_default("token_lifetime_for_web", 7200);
    set_default("allow_offline_access", false);
    set_default("skip_consent_for_verifiable_first_party_clients", false);
    set_default("enforce_policies", false);
    set_default("token_dialect", "access_token");
    set_default("is_system", false);
}

json::object client_grant_to_json(const store::ClientGrant& g) {
    json::array scope;
    for (const auto& s : g.scope) scope.emplace_back(s);
    return json::object{
        {"id", g.id}, {"client_id", g.client_id}, {"audience", g.audience}, {"scope", std::move(scope)}};
}

}  // namespace detail
}  // namespace gatehouse::mgmt
