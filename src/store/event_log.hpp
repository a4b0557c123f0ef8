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
#include <thread>
#include <vector>

namespace gatehouse::store {

// Where events go. One call per event; never blocks on the store, never throws.
class EventLog {
  public:
    virtual ~EventLog() = default;
    // Fills log_id and date_ms when empty. The event must hold no secret (see LogEvent).
    virtual void record(LogEvent event) = 0;
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
        // Events per transaction. A transaction holds SQLite's one connection, and the core when
        // the server has one, for its whole length (500 events, 4 ms before migration 14, tripled a
        // lone caller's p99 latency); each commit also writes every B-tree's edge pages to the WAL
        // again, one system call per frame. 250 take about 0.7 ms of CPU on SQLite, 2.7 µs per
        // event against 3.1 µs in transactions of 100 (bench/log_writer_bench.cpp, medians of 5).
        std::size_t batch_size = 250;
        std::chrono::milliseconds flush_interval{200};
    };

    BatchedEventLog(LogStore& store, Options options);
    ~BatchedEventLog() override;  // writes what is queued, then stops the thread
    BatchedEventLog(const BatchedEventLog&) = delete;
    BatchedEventLog& operator=(const BatchedEventLog&) = delete;

    void record(LogEvent event) override;
    // Writes everything queued so far before returning (shutdown, tests).
    void flush();
    std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

  private:
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
