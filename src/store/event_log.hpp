// Tenant log events (GET /api/v2/logs) written off the request path. record() only appends to a
// bounded in-memory queue and returns; a background thread writes whatever has queued up in one
// transaction per batch every flush interval, or sooner once a batch is full, stepping aside
// between transactions for the requests that arrived meanwhile. When the queue is full (the
// store is down, or slower than the traffic) new events are counted and dropped rather than make
// a request wait: a login must never fail or stall because its log line could not be written.
#pragma once

#include "store/store.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

namespace gatehouse::store {

// An event's fields, borrowed for the length of a record_borrowed() call (the token path's events: it builds
// no strings of its own for them).
struct LogEventView {
    std::string_view type = {};
    std::string_view description = {};
    std::string_view client_id = {};
    std::string_view client_name = {};
    std::string_view ip = {};
    std::string_view user_id = {};
    std::string_view user_name = {};
    std::string_view connection = {};
    const json::object* details = nullptr;  // none when null
};

// Where events go. One call per event; never blocks on the store, never throws.
class EventLog {
  public:
    virtual ~EventLog() = default;
    // Fills log_id and date_ms when empty. The event must hold no secret (see LogEvent).
    virtual void record(LogEvent event) = 0;
    // The same for an event whose fields the caller keeps; copied before it returns.
    virtual void record_borrowed(const LogEventView& event);
};

// A new log_id for an event dated `date_ms`: 14 digits of date, 8 of a per-process sequence,
// 10 random digits. Fixed width, so text order is date order.
std::string new_log_id(std::int64_t date_ms);
// The date in 14 digits that begins the log_id of an event dated `date_ms` (clamped to 0 ..
// kLastLogIdDate): every event dated earlier has a smaller log_id, every other one a larger. Date
// ranges and the retention purge are log_id ranges through it.
inline constexpr std::int64_t kLastLogIdDate = 99'999'999'999'999;
std::string log_id_floor(std::int64_t date_ms);

class BatchedEventLog final : public EventLog {
  public:
    struct Options {
        std::size_t capacity = 20000;  // queued events at most; beyond, new ones are dropped
        // Events per transaction. Each commit writes every B-tree's edge pages to the WAL again,
        // one system call per frame, and a batch's runs close with it (append_logs), so larger
        // transactions cost less per event: on SQLite's log file, one client's client-credentials
        // events cost 0.70 µs of CPU each in transactions of 250, 0.55 µs in 1,000 or 2,000
        // (bench/log_writer_bench.cpp; 2.3 and 1.7 µs as one row per event); 1,000 keeps each burst
        // of the writer on a shared core under 1 ms. On SQLite they hold only the log file's
        // connection (migration 15), never the one the token path uses: GET /api/v2/logs and the
        // retention purge are all they can delay.
        std::size_t batch_size = 1000;
        std::chrono::milliseconds flush_interval{200};
    };

    BatchedEventLog(LogStore& store, Options options);
    ~BatchedEventLog() override;  // writes what is queued, then stops the thread
    BatchedEventLog(const BatchedEventLog&) = delete;
    BatchedEventLog& operator=(const BatchedEventLog&) = delete;

    void record(LogEvent event) override;
    // Copies the fields into a queue slot whose strings kept their capacity from the event written
    // there before: a request allocates nothing for its event (allocations and frees were a third
    // of what an event cost the token path).
    void record_borrowed(const LogEventView& event) override;
    // Writes everything queued so far before returning (shutdown, tests).
    void flush();
    std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

  private:
    // Stamps `event` (date_ms, log_id when empty) and moves or copies it (`fill`) into the next slot.
    template <class Fill>
    void enqueue(std::int64_t date_ms, Fill&& fill);
    void run();
    void write(std::span<const LogEvent> batch);

    LogStore& store_;
    Options options_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable drained_;
    // Slots: the first queued_ hold pending events; the rest are written ones, kept so the next
    // events are moved into them. Their memory is then released on the request thread that made it,
    // never by the writer (a free from another thread took glibc's arena lock: 3% of the server's
    // CPU at 14,000 tokens/s).
    std::vector<LogEvent> queue_;
    std::size_t queued_ = 0;
    std::uint64_t queued_total_ = 0;   // events ever queued
    std::uint64_t written_total_ = 0;  // events ever taken by the writer (written or failed)
    bool stopping_ = false;
    bool flush_requested_ = false;
    std::atomic<std::uint64_t> dropped_{0};
    std::uint64_t dropped_reported_ = 0;
    std::thread thread_;
};

}  // namespace gatehouse::store
