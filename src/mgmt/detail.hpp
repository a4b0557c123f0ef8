// Internal to mgmt: the request context, body and query validation, pagination, field
// selection, RFC 7396 merge-patch and the JSON documents shared by the API and the bootstrap.
#pragma once

#include "mgmt/error.hpp"
#include "mgmt/mgmt.hpp"
#include "store/store.hpp"

#include <boost/json.hpp>
#include <boost/system/result.hpp>

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::mgmt {

// Lets boost::system::result<T, ApiError>::value() compile; handlers never call it on an error.
[[noreturn]] void throw_exception_from_error(const ApiError& e, const boost::source_location& loc);

namespace detail {

namespace json = boost::json;

template <class T>
using expected = boost::system::result<T, ApiError>;

struct Context {
    store::Store& store;
    const Settings& settings;
    const ApiRequest& req;
    std::vector<std::string> params;  // decoded path parameters, in order
};

using Handler = ApiResponse (*)(Context&);

// Responses.
ApiResponse json_response(int status, const json::value& body);
ApiResponse no_content(int status = 204);

// "Payload validation error: '<what>' on property <property>." (z-schema's wording, as Auth0's).
std::string payload_error(std::string_view what, std::string_view property = {});
std::string query_error(std::string_view what, std::string_view property = {});
// The JSON type name z-schema uses: string, integer, number, boolean, object, array, null.
std::string_view type_name(const json::value&);

// The body as a JSON object: invalid JSON, another content type or another JSON type is an error.
// `merge_patch` (optional) is set when the body is application/merge-patch+json; without it a
// merge-patch body is refused (415).
expected<json::object> parse_body(const ApiRequest&, bool* merge_patch = nullptr);

// Checks one body against a small schema; the first failure wins.
class BodyCheck {
  public:
    // `prefix` names a nested object in the messages: "refresh_token." gives refresh_token.leeway.
    explicit BodyCheck(const json::object& body, std::string prefix = {}) : body_(body), prefix_(std::move(prefix)) {}
    // Every key not in `allowed`, in body order: "Additional properties not allowed: a,b".
    BodyCheck& allowed(std::span<const std::string_view> allowed);
    BodyCheck& allowed(std::initializer_list<std::string_view> list) {
        return allowed(std::span<const std::string_view>(list.begin(), list.size()));
    }
    BodyCheck& required(std::string_view key);
    BodyCheck& string(std::string_view key, std::size_t min = 0, std::size_t max = 4096, bool nullable = false);
    BodyCheck& boolean(std::string_view key);
    BodyCheck& integer(std::string_view key, std::int64_t min, std::int64_t max);
    // Any JSON number (integer or not) in (exclusive_min, max].
    BodyCheck& number(std::string_view key, double exclusive_min, double max);
    BodyCheck& object(std::string_view key, bool nullable = false);
    BodyCheck& string_array(std::string_view key, std::size_t max_items = 1000);
    BodyCheck& one_of(std::string_view key, std::initializer_list<std::string_view> values);
    BodyCheck& fail(std::string message);
    const std::optional<ApiError>& error() const { return error_; }
    bool ok() const { return !error_; }

  private:
    const json::value* get(std::string_view key) const { return body_.if_contains(key); }
    bool type_error(std::string_view key, std::string_view expected);
    std::string path(std::string_view key) const { return prefix_ + std::string(key); }
    const json::object& body_;
    std::string prefix_;
    std::optional<ApiError> error_;
};

// Query access.
std::optional<std::string> query_one(const ApiRequest&, std::string_view name);
std::vector<std::string> query_all(const ApiRequest&, std::string_view name);

struct Paging {
    enum class style { none, offset, checkpoint };
    style kind = style::none;
    std::size_t page = 0;
    std::size_t per_page = 50;
    bool include_totals = false;
    std::size_t from = 0;  // checkpoint offset (decoded from the opaque `from`)
    std::size_t take = 50;
};
// page/per_page/include_totals always; take/from only when `checkpoint` (connections, grants).
expected<Paging> parse_paging(const ApiRequest&, bool checkpoint);

// The list response for one page of `items` out of `total`, in the style the request asked:
// bare array; {start,limit,length,total,<key>} (offset, include_totals); {<key>, next?} (checkpoint).
// `with_length` false drops "length" (connections' offset envelope has none).
ApiResponse list_response(const Paging&, std::string_view key, json::array items, std::size_t total,
                          bool with_length = true);
// The store page for `p` (offset/limit).
store::Page store_page(const Paging& p, std::size_t none_limit = 50);

struct FieldFilter {
    std::vector<std::string> fields;
    bool include = true;
    void apply(json::object&) const;
};
expected<FieldFilter> parse_fields(const ApiRequest&);

// RFC 7396: objects merge recursively, null deletes, anything else replaces.
json::value merge_patch(const json::value& target, const json::value& patch);

// Maps a store failure: not_found -> `not_found`, already_exists -> `conflict`, conflict -> 412,
// anything else -> 500.
ApiError store_error(boost::system::error_code ec, mgmt_errc not_found, mgmt_errc conflict);

std::string format_id(std::string_view prefix, std::string_view id);  // ids for path errors
ApiError path_error(std::string_view format, std::string_view value, std::string_view property_doc);

// Documents shared by the API and the bootstrap.
json::object connection_to_json(const store::Connection&);
std::string connection_etag(const store::Connection&);
json::object client_to_json(const store::Client&);
// Fills Auth0's defaults into a new client document (by app_type).
void apply_client_defaults(json::object& doc);
json::object resource_server_to_json(const store::ResourceServer&);
void apply_resource_server_defaults(json::object& doc, std::string_view identifier);
json::object client_grant_to_json(const store::ClientGrant&);

// Resources (one file each).
ApiResponse list_connections(Context&);
ApiResponse get_connection(Context&);
ApiResponse create_connection(Context&);
ApiResponse update_connection(Context&);
ApiResponse delete_connection(Context&);
ApiResponse get_connection_clients(Context&);
ApiResponse update_connection_clients(Context&);
ApiResponse authorize_preview(Context&);

ApiResponse list_clients(Context&);
ApiResponse get_client(Context&);
ApiResponse create_client(Context&);
ApiResponse update_client(Context&);
ApiResponse delete_client(Context&);
ApiResponse rotate_client_secret(Context&);

ApiResponse list_resource_servers(Context&);
ApiResponse get_resource_server(Context&);
ApiResponse create_resource_server(Context&);
ApiResponse update_resource_server(Context&);
ApiResponse delete_resource_server(Context&);

ApiResponse list_client_grants(Context&);
ApiResponse get_client_grant(Context&);
ApiResponse create_client_grant(Context&);
ApiResponse update_client_grant(Context&);
ApiResponse delete_client_grant(Context&);

ApiResponse get_tenant_settings(Context&);
ApiResponse update_tenant_settings(Context&);

ApiResponse list_users(Context&);
ApiResponse users_by_email(Context&);
ApiResponse get_user(Context&);
ApiResponse create_user(Context&);
ApiResponse update_user(Context&);
ApiResponse delete_user(Context&);

ApiResponse get_email_provider(Context&);
ApiResponse create_email_provider(Context&);
ApiResponse update_email_provider(Context&);
ApiResponse delete_email_provider(Context&);

ApiResponse create_email_template(Context&);
ApiResponse get_email_template(Context&);
ApiResponse update_email_template(Context&);
ApiResponse replace_email_template(Context&);

}  // namespace detail
}  // namespace gatehouse::mgmt
