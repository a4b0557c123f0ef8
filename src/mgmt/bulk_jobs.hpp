// The bulk user jobs of the Management API (auth0-apps.md §7): an import runs an uploaded file of
// Auth0's bulk-import schema through the database connection's user creation, an export walks the
// users in pages into a gzip'd NDJSON or CSV file kept in the store. Both run on JobWorker, off the
// request path; a job is a row of the store's `jobs` table, claimed under a lease, so it survives a
// restart and, on several instances, runs once (a crashed instance's job is taken over when its
// lease has passed). The export's file is downloaded from a link that carries an HMAC of the job id
// and an expiry under a random per-job secret: unguessable, expiring, never listed.
#pragma once

#include "mgmt/mgmt.hpp"
#include "store/store.hpp"
#include "util/periodic_thread.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace gatehouse::mgmt {

inline constexpr std::size_t kImportFileLimit = 500 * 1024;  // Auth0's limit of an import file
inline constexpr std::int64_t kJobRetention = 86'400;        // a finished job and its file, seconds
inline constexpr std::int64_t kDownloadLinkLifetime = 300;   // an export's `location`, seconds

struct JobWorkerOptions {
    std::chrono::milliseconds poll_interval{1000};
    std::chrono::seconds lease{60};  // renewed while the job runs
};

// Runs the jobs of the store, one at a time, on its own thread.
class JobWorker {
  public:
    JobWorker(store::Store& store, Settings settings, JobWorkerOptions options = {});
    ~JobWorker();
    void start();
    void stop();
    // Claims and runs jobs until none is left (the thread's body; tests call it directly).
    void drain_once();

  private:
    void run(store::Job job);
    store::Store& store_;
    Settings settings_;
    JobWorkerOptions options_;
    util::PeriodicThread thread_;
};

// GET <issuer>jobs/exports/<file> with `expires` and `signature` (the export's `location`): the
// gzip'd file, or 404 for anything not a live link to a completed export (one answer for every
// failure, so the endpoint tells nothing about which jobs exist).
ApiResponse download_export(store::Store& store, std::string_view file, std::string_view expires,
                            std::string_view signature, std::int64_t now);

}  // namespace gatehouse::mgmt

namespace gatehouse::mgmt::detail {

// The export's download link for `job` (a completed export), valid kDownloadLinkLifetime from `now`.
std::string export_location(const Settings&, const store::Job& job, std::int64_t now);

// Auth0's bulk-import schema for one row: [{code, message, path}], empty when the row is valid.
boost::json::array import_row_errors(const boost::json::value& row);
// The row as the job's errors show it: password hashes replaced by "*****".
boost::json::value masked_import_row(const boost::json::value& row);

// The export's columns when the request names none.
const boost::json::array& default_export_fields();
// One user as a line of the export: NDJSON ({export_as or name: value} for the fields the user has)
// or CSV (every column; strings quoted, `"` doubled and prefixed with `'`, so no cell is read as a
// spreadsheet formula). Both end with "\n". The user is rendered by connections::user_to_json, which
// never holds a password hash.
std::string export_line(const store::User& user, const boost::json::array& fields, bool csv);
std::string export_csv_header(const boost::json::array& fields);

// One gzip member of `data` (members concatenate into one valid gzip stream).
std::string gzip(std::string_view data);

}  // namespace gatehouse::mgmt::detail
