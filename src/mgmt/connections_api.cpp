// /api/v2/connections (wire contract §6.1) and Gatehouse's extensions: ETag / If-Match,
// merge-patch and authorize-preview (spec §2).
#include "connections/option_secrets.hpp"
#include "connections/strategy.hpp"
#include "documents/documents.hpp"
#include "mgmt/paging.hpp"
#include "mgmt/request.hpp"
#include "mgmt/route.hpp"
#include "mgmt/validation.hpp"
#include "util/json.hpp"
#include "util/util.hpp"

#include <algorithm>
#include <array>

namespace gatehouse::mgmt::detail {
namespace {

std::string connection_etag(const store::Connection& c) {
    // Strong: any change bumps the version, and two representations with one version are identical.
    return "\"" + c.id + "." + std::to_string(c.version) + "\"";
}

constexpr std::array<std::string_view, 9> updatable = {
    "display_name", "options",  "enabled_clients", "is_domain_connection", "show_as_button",
    "realms",       "metadata", "authentication",  "connected_accounts"};

bool alnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool valid_connection_id(std::string_view id) {
    return id.size() == 20 && id.starts_with("con_") && std::all_of(id.begin() + 4, id.end(), alnum);
}

// Auth0: alphanumerics at both ends, alphanumerics and '-' inside, at most 128.
bool valid_connection_name(std::string_view n) {
    if (n.empty() || n.size() > 128 || !alnum(n.front()) || !alnum(n.back())) return false;
    return std::all_of(n.begin(), n.end(), [](char c) { return alnum(c) || c == '-'; });
}

expected<store::Connection> load_connection(Context& ctx) {
    const auto& id = ctx.params[0];
    if (!valid_connection_id(id)) return path_error("connection-id", id, "ID of the connection");
    auto c = ctx.store.get_connection(id);
    if (!c) return store_error(c.error(), mgmt_errc::inexistent_connection, mgmt_errc::connection_conflict);
    return std::move(*c);
}

ApiResponse with_etag(ApiResponse r, const store::Connection& c) {
    r.headers.emplace_back("ETag", connection_etag(c));
    return r;
}

// RFC 9110 §13.1.1: If-Match uses the strong comparison, so a weak tag never matches.
bool if_match_ok(std::string_view header, const store::Connection& c) {
    if (header.empty()) return true;
    auto etag = connection_etag(c);
    while (!header.empty()) {
        auto comma = header.find(',');
        auto tag = header.substr(0, comma);
        while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
        while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
        if (tag == "*" || tag == etag) return true;
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    }
    return false;
}

// Types of the updatable properties; `nullable` for merge-patch bodies, where null deletes.
void check_updatable_types(BodyCheck& check, bool nullable) {
    check.string("display_name", 0, 128, nullable).object("options", nullable);
    check.boolean("is_domain_connection").boolean("show_as_button");
    check.object("metadata", nullable).object("authentication", nullable).object("connected_accounts", nullable);
}

std::optional<ApiError> check_document(const json::object& doc, std::string_view strategy) {
    BodyCheck check(doc);
    check_updatable_types(check, false);
    check.string_array("enabled_clients").string_array("realms");
    if (const auto* m = doc.if_contains("metadata"); m && m->is_object()) {
        if (m->get_object().size() > 10)
            check.fail(payload_error(
                "Too many properties defined (" + std::to_string(m->get_object().size()) + "), maximum 10",
                "metadata"));
        for (const auto& [k, v] : m->get_object()) {
            if (!v.is_string() || v.get_string().size() > 255)
                check.fail(payload_error("Metadata values must be strings of at most 255 characters",
                                         "metadata." + std::string(k)));
        }
    }
    if (check.error()) return check.error();
    static const json::object empty;
    const auto* o = doc.if_contains("options");
    if (auto err = connections::validate_options(strategy, o ? o->get_object() : empty))
        return make_error(mgmt_errc::invalid_body, payload_error(*err, "options"));
    return std::nullopt;
}

// Top-level nulls in options are echoed by Auth0 on create but never stored.
void strip_null_options(json::object& doc) {
    auto* o = doc.if_contains("options");
    if (!o || !o->is_object()) return;
    auto& options = o->get_object();
    for (auto it = options.begin(); it != options.end();) {
        if (it->value().is_null())
            it = options.erase(it);
        else
            ++it;
    }
}

// Auth0 returns the upstream client_secret to read:connections holders, so the Management API is the
// one reader besides federation that opens it (connections::unseal_option_secrets).
std::optional<json::object> render(const Context& ctx, const store::Connection& c) {
    auto o = documents::connection_to_json(c);
    if (auto* options = o.if_contains("options"); options && options->is_object())
        if (!connections::unseal_option_secrets(options->get_object(), ctx.settings.sealing_key)) return std::nullopt;
    return o;
}

ApiResponse render_response(const Context& ctx, int status, const store::Connection& c) {
    auto o = render(ctx, c);
    if (!o) return render_error(make_error(mgmt_errc::internal_error));
    return with_etag(json_response(status, *o), c);
}

// Secrets in a request body are sealed before they meet the stored document.
bool seal_body_secrets(const Context& ctx, json::object& body) {
    auto* options = body.if_contains("options");
    if (!options || !options->is_object()) return true;
    return connections::seal_option_secrets(options->get_object(), ctx.settings.sealing_key).has_value();
}

ApiResponse save(Context& ctx, store::Connection c, int status = 200) {
    std::int64_t expected = c.version;
    c.version = expected + 1;
    c.updated_at = util::unix_now();
    if (auto r = ctx.store.update_connection(c, expected); !r)
        return render_error(store_error(r.error(), mgmt_errc::inexistent_connection, mgmt_errc::connection_conflict));
    return render_response(ctx, status, c);
}

ApiResponse list_connections(Context& ctx) {
    auto paging = parse_paging(ctx.req, true);
    if (!paging) return render_error(paging.error());
    auto fields = parse_fields(ctx.req);
    if (!fields) return render_error(fields.error());
    auto strategies = query_all(ctx.req, "strategy");
    auto name = query_one(ctx.req, "name").value_or("");
    // Without paging parameters Auth0 answers a bare array of everything (up to its 1000 limit).
    auto page = ctx.store.list_connections(store_page(*paging, 1000), strategies, name);
    if (!page) return render_error(make_error(mgmt_errc::internal_error));
    json::array items;
    for (const auto& c : page->items) {
        auto o = render(ctx, c);
        if (!o) return render_error(make_error(mgmt_errc::internal_error));
        fields->apply(*o);
        items.push_back(std::move(*o));
    }
    return list_response(*paging, "connections", std::move(items), page->total, false);
}

ApiResponse get_connection(Context& ctx) {
    auto fields = parse_fields(ctx.req);
    if (!fields) return render_error(fields.error());
    auto c = load_connection(ctx);
    if (!c) return render_error(c.error());
    auto o = render(ctx, *c);
    if (!o) return render_error(make_error(mgmt_errc::internal_error));
    fields->apply(*o);
    return with_etag(json_response(200, *o), *c);
}

ApiResponse create_connection(Context& ctx) {
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    check
        .allowed({"name", "strategy", "display_name", "options", "enabled_clients", "is_domain_connection", "realms",
                  "metadata", "show_as_button", "authentication", "connected_accounts"})
        .required("name")
        .required("strategy")
        .string("name", 1, 128)
        .string("strategy", 1, 64);
    if (check.ok() && !valid_connection_name(body->at("name").get_string()))
        check.fail(
            payload_error("String does not match pattern: ^[a-zA-Z0-9](?:[a-zA-Z0-9\\-]*[a-zA-Z0-9])?$", "name"));
    if (check.ok() && !connections::parse_strategy(body->at("strategy").get_string()))
        check.fail(payload_error("No enum match for: \"" + std::string(body->at("strategy").get_string()) +
                                     "\" (allowed: auth0,oauth2,oidc,wordpress,twitter)",
                                 "strategy"));
    if (!check.ok()) return render_error(*check.error());
    store::Connection c;
    c.id = "con_" + util::random_alnum(16);
    c.name = body->at("name").get_string();
    c.strategy = body->at("strategy").get_string();
    body->erase("name");
    body->erase("strategy");
    c.doc = std::move(*body);
    if (!c.doc.contains("options")) c.doc["options"] = json::object();
    if (auto err = check_document(c.doc, c.strategy)) return render_error(*err);
    strip_null_options(c.doc);
    if (!seal_body_secrets(ctx, c.doc)) return render_error(make_error(mgmt_errc::internal_error));
    if (!c.doc.contains("enabled_clients")) c.doc["enabled_clients"] = json::array();
    if (!c.doc.contains("realms")) c.doc["realms"] = json::array{json::string(c.name)};
    if (!c.doc.contains("is_domain_connection")) c.doc["is_domain_connection"] = false;
    c.version = 1;
    c.created_at = c.updated_at = util::unix_now();
    if (auto r = ctx.store.create_connection(c); !r)
        return render_error(store_error(r.error(), mgmt_errc::inexistent_connection, mgmt_errc::connection_conflict));
    return render_response(ctx, 201, c);
}

ApiResponse update_connection(Context& ctx) {
    auto c = load_connection(ctx);
    if (!c) return render_error(c.error());
    bool merge = false;
    auto body = parse_body(ctx.req, &merge);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    check.allowed(updatable);
    check_updatable_types(check, merge);
    if (!merge) check.string_array("enabled_clients").string_array("realms");
    if (!check.ok()) return render_error(*check.error());
    if (!if_match_ok(ctx.req.if_match, *c)) return render_error(make_error(mgmt_errc::precondition_failed));
    if (!seal_body_secrets(ctx, *body)) return render_error(make_error(mgmt_errc::internal_error));

    json::object doc;
    if (merge) {
        // RFC 7396 over the whole document: options merge key by key, null deletes.
        doc = util::merge_patch(c->doc, *body).get_object();
    } else {
        // Auth0: each property sent replaces the stored one whole (options included).
        doc = c->doc;
        for (const auto& [k, v] : *body) doc[k] = v;
    }
    if (!doc.contains("options")) doc["options"] = json::object();
    if (auto err = check_document(doc, c->strategy)) return render_error(*err);
    strip_null_options(doc);
    c->doc = std::move(doc);
    return save(ctx, std::move(*c));
}

ApiResponse delete_connection(Context& ctx) {
    auto c = load_connection(ctx);
    if (!c) return render_error(c.error());
    if (!if_match_ok(ctx.req.if_match, *c)) return render_error(make_error(mgmt_errc::precondition_failed));
    if (auto r = ctx.store.delete_connection(c->id); !r)
        return render_error(store_error(r.error(), mgmt_errc::inexistent_connection, mgmt_errc::connection_conflict));
    return json_response(202, json::object{{"deleted_at", util::iso8601_ms(util::unix_now_ms())}});
}

ApiResponse get_connection_clients(Context& ctx) {
    auto paging = parse_paging(ctx.req, true);
    if (!paging) return render_error(paging.error());
    auto c = load_connection(ctx);
    if (!c) return render_error(c.error());
    Paging p = *paging;
    p.kind = Paging::style::checkpoint;  // this endpoint only pages by checkpoint
    if (paging->kind != Paging::style::checkpoint) p.from = 0, p.take = 50;
    json::array ids;
    if (const auto* e = c->doc.if_contains("enabled_clients"); e && e->is_array()) ids = e->get_array();
    json::array items;
    for (std::size_t i = p.from; i < ids.size() && items.size() < p.take; ++i)
        items.push_back(json::object{{"client_id", ids[i]}});
    return with_etag(list_response(p, "clients", std::move(items), ids.size()), *c);
}

ApiResponse update_connection_clients(Context& ctx) {
    auto c = load_connection(ctx);
    if (!c) return render_error(c.error());
    std::string_view ct = ctx.req.content_type;
    ct = ct.substr(0, ct.find(';'));
    if (!ct.empty() && ct != "application/json") return render_error(make_error(mgmt_errc::unsupported_media_type));
    boost::system::error_code ec;
    auto body = json::parse(ctx.req.body, ec);
    if (ec) return render_error(make_error(mgmt_errc::invalid_body, "Invalid request payload JSON format"));
    if (!body.is_array())
        return render_error(make_error(mgmt_errc::invalid_body, payload_error("Expected type array but found type " +
                                                                              std::string(type_name(body)))));
    if (body.get_array().size() > 50)
        return render_error(make_error(
            mgmt_errc::invalid_body,
            payload_error("Array is too long (" + std::to_string(body.get_array().size()) + "), maximum 50")));
    for (const auto& item : body.get_array()) {
        if (!item.is_object())
            return render_error(
                make_error(mgmt_errc::invalid_body,
                           payload_error("Expected type object but found type " + std::string(type_name(item)))));
        BodyCheck check(item.get_object());
        check.allowed({"client_id", "status"})
            .required("client_id")
            .required("status")
            .string("client_id", 1, 64)
            .boolean("status");
        if (!check.ok()) return render_error(*check.error());
    }
    if (!if_match_ok(ctx.req.if_match, *c)) return render_error(make_error(mgmt_errc::precondition_failed));
    json::array enabled;
    if (const auto* e = c->doc.if_contains("enabled_clients"); e && e->is_array()) enabled = e->get_array();
    for (const auto& item : body.get_array()) {
        const auto& id = item.at("client_id");
        bool on = item.at("status").get_bool();
        auto it = std::find(enabled.begin(), enabled.end(), id);
        if (on && it == enabled.end()) enabled.push_back(id);
        if (!on && it != enabled.end()) enabled.erase(it);
    }
    c->doc["enabled_clients"] = std::move(enabled);
    auto r = save(ctx, std::move(*c));
    if (r.status != 200) return r;
    ApiResponse out = no_content(204);
    for (auto& h : r.headers)
        if (h.first == "ETag") out.headers.push_back(h);
    return out;
}

ApiResponse authorize_preview(Context& ctx) {
    auto c = load_connection(ctx);
    if (!c) return render_error(c.error());
    util::Params params(ctx.req.query);
    // Placeholders stand where the real login puts fresh random values (see mgmt.hpp).
    connections::AuthorizationLeg leg{connections::upstream_callback_url(ctx.settings.issuer, *c), "STATE_PLACEHOLDER",
                                      "NONCE_PLACEHOLDER", "CODE_CHALLENGE_PLACEHOLDER"};
    auto url = connections::build_authorization_url(*c, params, leg);
    if (!url) {
        if (url.error() == connections::connection_errc::not_federated)
            return render_error(make_error(mgmt_errc::operation_not_supported,
                                           "authorize-preview is not supported for this connection."));
        return render_error(make_error(mgmt_errc::operation_not_supported,
                                       "The upstream authorization endpoint of this connection is unknown: set "
                                       "options.authorization_endpoint or options.oidc_metadata."));
    }
    return with_etag(json_response(200, json::object{{"url", *url}}), *c);
}

}  // namespace

std::span<const Route> connections_routes() {
    static constexpr std::array routes = {
        Route{"GET", "/connections", "read:connections", &list_connections},
        Route{"POST", "/connections", "create:connections", &create_connection},
        Route{"GET", "/connections/{}", "read:connections", &get_connection},
        Route{"PATCH", "/connections/{}", "update:connections", &update_connection},
        Route{"DELETE", "/connections/{}", "delete:connections", &delete_connection},
        Route{"GET", "/connections/{}/clients", "read:connections", &get_connection_clients},
        Route{"PATCH", "/connections/{}/clients", "update:connections", &update_connection_clients},
        Route{"GET", "/connections/{}/authorize-preview", "read:connections", &authorize_preview},
    };
    return routes;
}

}  // namespace gatehouse::mgmt::detail
