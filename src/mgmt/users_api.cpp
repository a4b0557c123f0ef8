// /api/v2/users and /api/v2/users-by-email (wire contract §6.4). Users of database connections
// are created here with connections::DatabaseConnection; the password hash never leaves the store.
#include "connections/database.hpp"
#include "connections/password.hpp"
#include "connections/user_json.hpp"
#include "documents/documents.hpp"
#include "email/tickets.hpp"
#include "mgmt/paging.hpp"
#include "mgmt/request.hpp"
#include "mgmt/route.hpp"
#include "mgmt/user_lookup.hpp"
#include "mgmt/user_search.hpp"
#include "mgmt/validation.hpp"
#include "util/util.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <variant>

namespace gatehouse::mgmt::detail {

expected<store::User> load_user(Context& ctx) {
    const auto& id = ctx.params[0];
    auto bar = id.find('|');
    if (bar == std::string::npos || bar == 0 || bar + 1 == id.size() || id.size() > 512 || !util::valid_utf8(id))
        return path_error("user-id", id, "ID of the user");
    auto u = ctx.store.get_user(id);
    if (!u) return store_error(u.error(), mgmt_errc::inexistent_user, mgmt_errc::user_conflict);
    return std::move(*u);
}

json::object user_summary(const store::User& u) {
    json::object o{{"user_id", u.user_id}};
    if (!u.email.empty()) o["email"] = u.email;
    for (std::string_view key : {"name", "picture"})
        if (const auto* v = u.doc.if_contains(key); v && v->is_string()) o[key] = *v;
    return o;
}

namespace {

constexpr std::array<std::string_view, 5> profile_strings = {"name", "nickname", "picture", "given_name",
                                                             "family_name"};

void check_profile(BodyCheck& check) {
    for (auto k : profile_strings) check.string(k, 1, 300, true);
    check.boolean("email_verified")
        .boolean("verify_email")
        .boolean("blocked")
        .object("user_metadata", true)
        .object("app_metadata", true)
        .string("username", 1, 128)
        .string("password", 0, 1024)
        .string("email", 1, 254)
        .string("connection", 1, 128);
}

std::optional<ApiError> check_email(const json::object& body) {
    if (const auto* e = body.if_contains("email"); e && !connections::valid_email(e->get_string()))
        return make_error(
            mgmt_errc::invalid_body,
            payload_error("Object didn't pass validation for format email: " + std::string(e->get_string()), "email"));
    return std::nullopt;
}

std::optional<ApiError> check_password(const json::object& body) {
    if (const auto* p = body.if_contains("password"))
        if (auto why = connections::check_password_policy(p->get_string()))
            return make_error(mgmt_errc::invalid_body, "PasswordStrengthError: " + *why);
    return std::nullopt;
}

// A user brought from elsewhere keeps its id and may bring a bcrypt hash instead of a password
// (auth0-apps.md §7): `user_id` is the part after "auth0|" (an "auth0|" in front is dropped, so ids
// copied from an Auth0 export work), visible ASCII without '|', at most 255 characters.
std::optional<ApiError> check_import_fields(const json::object& body) {
    if (const auto* id = body.if_contains("user_id")) {
        if (!connections::imported_user_id(id->get_string()))
            return make_error(
                mgmt_errc::invalid_body,
                payload_error("user_id must be 1 to 255 visible ASCII characters without '|'", "user_id"));
    }
    const auto* hash = body.if_contains("password_hash");
    if (!hash) return std::nullopt;
    if (body.contains("password"))
        return make_error(mgmt_errc::invalid_body, payload_error("password and password_hash cannot both be set"));
    if (!connections::is_bcrypt_hash(hash->get_string()))
        return make_error(mgmt_errc::invalid_body,
                          payload_error("password_hash must be a bcrypt hash ($2a$, $2b$ or $2y$, cost " +
                                            std::to_string(connections::bcrypt_min_cost) + " to " +
                                            std::to_string(connections::bcrypt_max_cost) + ")",
                                        "password_hash"));
    return std::nullopt;
}

// Auth0 merges metadata one level deep; a null value removes its key.
void merge_metadata(json::object& doc, std::string_view key, const json::value& patch) {
    if (patch.is_null()) {
        doc.erase(key);
        return;
    }
    auto* existing = doc.if_contains(key);
    if (!existing || !existing->is_object()) existing = &(doc[key] = json::object());
    for (const auto& [k, v] : patch.get_object()) {
        if (v.is_null())
            existing->get_object().erase(k);
        else
            existing->get_object()[k] = v;
    }
}

// Auth0 pages through at most the first 1000 matches of a search.
constexpr std::size_t kMaxSearchWindow = 1000;

ApiError query_refused(std::string_view why, std::string_view property) {
    return make_error(mgmt_errc::invalid_query_string, query_error(why, property));
}

// GET /users: Auth0's search v3 (mgmt/user_search.hpp) run by the store as one SQL statement.
expected<store::UserSearch> parse_user_search(const ApiRequest& req, const Paging& paging) {
    if (auto engine = query_one(req, "search_engine"); engine && *engine != "v3") {
        // Auth0's own answer (seen by its SDKs' users) to the retired engines.
        if (*engine == "v1" || *engine == "v2")
            return make_error(mgmt_errc::invalid_query_string,
                              "You are not allowed to use search_engine=" + *engine + ".");
        return query_refused("search_engine must be v3", "search_engine");
    }
    if ((paging.page + 1) * paging.per_page > kMaxSearchWindow)
        return make_error(mgmt_errc::invalid_query_string,
                          "You can only page through the first 1000 records. See "
                          "https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation");
    store::UserSearch search;
    if (auto q = query_one(req, "q"); q && !q->empty()) {
        auto parsed = parse_user_query(*q);
        if (!parsed.error.empty()) return query_refused(parsed.error, "q");
        search.filter = std::move(parsed.filter);
    }
    if (auto sort = query_one(req, "sort"); sort && !sort->empty()) {
        auto parsed = parse_user_sort(*sort);
        if (auto* why = std::get_if<std::string>(&parsed)) return query_refused(*why, "sort");
        search.sort = std::get<store::UserSort>(parsed);
    }
    if (auto connection = query_one(req, "connection"); connection && !connection->empty()) {
        if (connection->size() > 128 || !util::valid_utf8(*connection))
            return query_refused("connection must be a connection name", "connection");
        search.connection = *connection;
    }
    search.page = store_page(paging);
    search.with_total = paging.include_totals;
    // Auth0's `total` of a user search stops at the window too ("total number of results in the
    // query (max 1,000)"), which keeps it one bounded index walk on a tenant of any size.
    search.total_cap = kMaxSearchWindow;
    return search;
}

ApiResponse list_users(Context& ctx) {
    auto paging = parse_paging(ctx.req, false);
    if (!paging) return render_error(paging.error());
    auto fields = parse_fields(ctx.req);
    if (!fields) return render_error(fields.error());
    auto search = parse_user_search(ctx.req, *paging);
    if (!search) return render_error(search.error());
    auto page = ctx.store.search_users(*search);
    if (!page) return render_error(make_error(mgmt_errc::internal_error));
    json::array items;
    for (const auto& u : page->items) {
        auto o = connections::user_to_json(u);
        fields->apply(o);
        items.push_back(std::move(o));
    }
    return list_response(*paging, "users", std::move(items), page->total);
}

ApiResponse users_by_email(Context& ctx) {
    auto fields = parse_fields(ctx.req);
    if (!fields) return render_error(fields.error());
    auto email = query_one(ctx.req, "email");
    if (!email || email->empty())
        return render_error(
            make_error(mgmt_errc::invalid_query_string, query_error("Missing required property: email")));
    auto page = ctx.store.list_users(store::Page{0, 1000}, connections::lower_ascii(*email));
    if (!page) return render_error(make_error(mgmt_errc::internal_error));
    json::array items;
    for (const auto& u : page->items) {
        auto o = connections::user_to_json(u);
        fields->apply(o);
        items.push_back(std::move(o));
    }
    return json_response(200, items);
}

ApiResponse get_user(Context& ctx) {
    auto fields = parse_fields(ctx.req);
    if (!fields) return render_error(fields.error());
    auto u = load_user(ctx);
    if (!u) return render_error(u.error());
    auto o = connections::user_to_json(*u);
    fields->apply(o);
    return json_response(200, o);
}

ApiResponse create_user(Context& ctx) {
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    check
        .allowed({"connection", "email", "password", "username", "email_verified", "verify_email", "name", "nickname",
                  "picture", "given_name", "family_name", "user_metadata", "app_metadata", "blocked", "user_id",
                  "password_hash"})
        .required("connection");
    check_profile(check);
    check.string("user_id", 1, 512).string("password_hash", 1, 128).required("email");
    if (!body->contains("password_hash")) check.required("password");
    if (!check.ok()) return render_error(*check.error());
    if (auto err = check_email(*body)) return render_error(*err);
    std::string connection(body->at("connection").get_string());
    auto conn = ctx.store.get_connection_by_name(connection);
    if (!conn) {
        if (conn.error() == store::store_errc::not_found)
            return render_error(make_error(mgmt_errc::invalid_body, "The connection does not exist."));
        return render_error(make_error(mgmt_errc::internal_error));
    }
    if (conn->strategy != "auth0")
        return render_error(
            make_error(mgmt_errc::operation_not_supported, "Creating users is not supported for this connection."));
    if (auto err = check_password(*body)) return render_error(*err);
    if (auto err = check_import_fields(*body)) return render_error(*err);
    if (const auto* un = body->if_contains("username")) {
        if (auto existing = ctx.store.find_user_by_username(connection, un->get_string()))
            return render_error(make_error(mgmt_errc::user_conflict));
    }
    json::object profile;
    for (const auto& [k, v] : *body) {
        if (k == "connection" || k == "email" || k == "password" || k == "password_hash" || k == "user_id" ||
            k == "verify_email" || v.is_null())
            continue;
        profile[k] = v;
    }
    connections::NewUser new_user;
    new_user.email = body->at("email").get_string();
    if (const auto* p = body->if_contains("password")) new_user.password = p->get_string();
    if (const auto* h = body->if_contains("password_hash")) new_user.password_hash = h->get_string();
    if (const auto* id = body->if_contains("user_id")) new_user.id = *connections::imported_user_id(id->get_string());
    new_user.profile = std::move(profile);
    connections::DatabaseConnection db(ctx.store, connection);
    auto user = db.create(std::move(new_user));
    if (!user) {
        if (user.error() == connections::connection_errc::user_exists)
            return render_error(make_error(mgmt_errc::user_conflict));
        return render_error(make_error(mgmt_errc::internal_error));
    }
    // Only when asked: the user exists either way, so a mail that cannot be queued is logged, not
    // reported as a failed create.
    if (const auto* verify = body->if_contains("verify_email"); verify && verify->is_bool() && verify->get_bool())
        if (auto mail = email::send_ticket_mail(ctx.store, ctx.settings.issuer, "verify_email", *user, "", "",
                                                user->created_at);
            !mail)
            spdlog::error("create user: cannot queue the verification mail: {}", mail.error().message());
    return json_response(201, connections::user_to_json(*user));
}

ApiResponse update_user(Context& ctx) {
    auto u = load_user(ctx);
    if (!u) return render_error(u.error());
    auto body = parse_body(ctx.req);
    if (!body) return render_error(body.error());
    BodyCheck check(*body);
    check.allowed({"connection", "email", "password", "username", "email_verified", "verify_email", "name", "nickname",
                   "picture", "given_name", "family_name", "user_metadata", "app_metadata", "blocked"});
    check_profile(check);
    if (!check.ok()) return render_error(*check.error());
    if (auto err = check_email(*body)) return render_error(*err);
    if (const auto* c = body->if_contains("connection"); c && c->get_string() != u->connection)
        return render_error(make_error(mgmt_errc::invalid_body,
                                       "The user does not belong to connection " + std::string(c->get_string()) + "."));
    bool database = u->user_id.starts_with("auth0|");
    for (auto k : {"password", "email", "username"})
        if (body->contains(k) && !database)
            return render_error(make_error(mgmt_errc::operation_not_supported,
                                           "Changing " + std::string(k) + " is not supported for this connection."));
    if (auto err = check_password(*body)) return render_error(*err);
    if (const auto* e = body->if_contains("email")) {
        auto email = connections::lower_ascii(e->get_string());
        if (auto other = ctx.store.find_user_by_email(u->connection, email); other && other->user_id != u->user_id)
            return render_error(make_error(mgmt_errc::user_conflict));
        if (email != u->email && !body->contains("email_verified")) u->doc["email_verified"] = false;
        u->email = email;
        u->doc["email"] = email;
    }
    if (const auto* un = body->if_contains("username")) {
        if (auto other = ctx.store.find_user_by_username(u->connection, un->get_string());
            other && other->user_id != u->user_id)
            return render_error(make_error(mgmt_errc::user_conflict));
        u->username = un->get_string();
    }
    if (const auto* p = body->if_contains("password")) {
        u->password_hash = connections::hash_password(p->get_string());
        // As on Auth0, a new password unblocks the user (unless this request sets `blocked` itself).
        if (u->doc.contains("blocked") && !body->contains("blocked")) u->doc["blocked"] = false;
    }
    for (const auto& [k, v] : *body) {
        if (k == "user_metadata" || k == "app_metadata") {
            merge_metadata(u->doc, k, v);
        } else if (k == "email_verified" || k == "blocked") {
            u->doc[k] = v;
        } else if (std::find(profile_strings.begin(), profile_strings.end(), std::string_view(k)) !=
                   profile_strings.end()) {
            if (v.is_null())
                u->doc.erase(k);
            else
                u->doc[k] = v;
        }
    }
    u->updated_at = util::unix_now();
    if (auto r = ctx.store.update_user(*u); !r)
        return render_error(store_error(r.error(), mgmt_errc::inexistent_user, mgmt_errc::user_conflict));
    // After the write, so no login can start a new session or family with the old password or
    // while not yet blocked; a failure is reported (500) for the caller to retry, never hidden.
    const auto* blocked = body->if_contains("blocked");
    if (body->contains("password") || (blocked && blocked->is_bool() && blocked->get_bool()))
        if (!connections::end_user_access(ctx.store, u->user_id, u->updated_at))
            return render_error(make_error(mgmt_errc::internal_error));
    if (body->contains("password") && ctx.events)
        ctx.events->record({.type = "scp",
                            .description = "Password changed through the Management API",
                            .client_id = ctx.req.client_id,
                            .ip = ctx.req.ip,
                            .user_id = u->user_id,
                            .user_name = u->email,
                            .connection = u->connection});
    return json_response(200, connections::user_to_json(*u));
}

ApiResponse delete_user(Context& ctx) {
    auto u = load_user(ctx);
    if (!u) return render_error(u.error());
    if (auto r = ctx.store.delete_user(u->user_id); !r)
        return render_error(store_error(r.error(), mgmt_errc::inexistent_user, mgmt_errc::user_conflict));
    if (!connections::end_user_access(ctx.store, u->user_id, util::unix_now()))
        return render_error(make_error(mgmt_errc::internal_error));
    return no_content(204);
}

}  // namespace

std::span<const Route> users_routes() {
    static constexpr std::array routes = {
        Route{"GET", "/users", "read:users", &list_users},
        Route{"POST", "/users", "create:users", &create_user},
        Route{"GET", "/users/{}", "read:users", &get_user, "read:current_user"},
        Route{"PATCH", "/users/{}", "update:users", &update_user,
              "update:current_user_metadata,create:current_user_metadata"},
        Route{"DELETE", "/users/{}", "delete:users", &delete_user},
        Route{"GET", "/users-by-email", "read:users", &users_by_email},
    };
    return routes;
}

}  // namespace gatehouse::mgmt::detail
