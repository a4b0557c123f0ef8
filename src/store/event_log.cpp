#include "store/event_log.hpp"

#include "util/util.hpp"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <utility>

namespace gatehouse::store {

namespace {

// new_log_id written into `out`, reusing its capacity.
void assign_new_log_id(std::string& out, std::int64_t date_ms) {
    // The random digits tell apart the ids of processes sharing one store, each counting its sequence
    // from 0 (instances started together, a restart within the same millisecond). Drawn once per
    // process: drawing them per event cost every token request a system call (OpenSSL's generator
    // checks getpid() on each draw).
    static const std::string instance = [] {
        std::string digits;
        for (unsigned char b : util::random_bytes(10)) digits.push_back(static_cast<char>('0' + b % 10));
        return digits;
    }();
    static std::atomic<std::uint64_t> sequence{0};
    auto seq = sequence.fetch_add(1, std::memory_order_relaxed) % 100000000;
    out.clear();
    fmt::format_to(std::back_inserter(out), "{:014}{:08}{}", std::clamp<std::int64_t>(date_ms, 0, kLastLogIdDate), seq,
                   instance);
}

}  // namespace

std::string new_log_id(std::int64_t date_ms) {
    std::string id;
    assign_new_log_id(id, date_ms);
    return id;
}

std::string log_id_floor(std::int64_t date_ms) {
    return fmt::format("{:014}", std::clamp<std::int64_t>(date_ms, 0, kLastLogIdDate));
}

BatchedEventLog::BatchedEventLog(LogStore& store, Options options)
    : store_(store), options_(options), thread_([this] { run(); }) {}

BatchedEventLog::~BatchedEventLog() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

void EventLog::record_borrowed(const LogEventView& e) {
    record(LogEvent{.type = std::string(e.type),
                    .description = std::string(e.description),
                    .client_id = std::string(e.client_id),
                    .client_name = std::string(e.client_name),
                    .ip = std::string(e.ip),
                    .user_id = std::string(e.user_id),
                    .user_name = std::string(e.user_name),
                    .connection = std::string(e.connection),
                    .details = e.details ? *e.details : json::object()});
}

template <class Fill>
void BatchedEventLog::enqueue(std::int64_t date_ms, Fill&& fill) {
    bool full_batch = false;
    {
        std::lock_guard lock(mutex_);
        if (queued_ >= options_.capacity) {
            dropped_.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        if (queued_ == queue_.size()) queue_.emplace_back();
        auto& slot = queue_[queued_];
        fill(slot);
        slot.date_ms = date_ms;
        if (slot.log_id.empty()) assign_new_log_id(slot.log_id, date_ms);
        ++queued_;
        ++queued_total_;
        full_batch = queued_ == options_.batch_size;
    }
    if (full_batch) wake_.notify_one();
}

void BatchedEventLog::record(LogEvent event) {
    auto date = event.date_ms != 0 ? event.date_ms : now_ms();
    enqueue(date, [&](LogEvent& slot) { slot = std::move(event); });
}

void BatchedEventLog::record_borrowed(const LogEventView& e) {
    enqueue(now_ms(), [&](LogEvent& slot) {
        slot.log_id.clear();
        slot.type.assign(e.type);
        slot.description.assign(e.description);
        slot.client_id.assign(e.client_id);
        slot.client_name.assign(e.client_name);
        slot.ip.assign(e.ip);
        slot.user_id.assign(e.user_id);
        slot.user_name.assign(e.user_name);
        slot.connection.assign(e.connection);
        if (e.details)
            slot.details = *e.details;
        else
            slot.details.clear();
    });
}

void BatchedEventLog::flush() {
    std::unique_lock lock(mutex_);
    auto target = queued_total_;
    flush_requested_ = true;
    wake_.notify_one();
    drained_.wait(lock, [&] { return written_total_ >= target || stopping_; });
}

void BatchedEventLog::run() {
    std::vector<LogEvent> batch;
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait_for(lock, options_.flush_interval,
                       [&] { return stopping_ || flush_requested_ || queued_ >= options_.batch_size; });
        if (queued_ == 0) {
            flush_requested_ = false;
            if (stopping_) return;
            continue;
        }
        // The written slots of the last batch go back to record() in exchange.
        batch.swap(queue_);
        auto n = std::exchange(queued_, 0);
        lock.unlock();
        write(std::span<const LogEvent>(batch.data(), n));
        // Beyond one batch of slots (after a burst) the rest are freed here, once.
        if (batch.size() > options_.batch_size) batch.resize(options_.batch_size);
        lock.lock();
        written_total_ += n;
        drained_.notify_all();
    }
}

void BatchedEventLog::write(std::span<const LogEvent> batch) {
    for (std::size_t start = 0; start < batch.size(); start += options_.batch_size) {
        auto n = std::min(options_.batch_size, batch.size() - start);
        if (auto r = store_.append_logs(batch.subspan(start, n)); !r)
            spdlog::error("tenant logs: {} events could not be written: {}", n, r.error().message());
        // A request woken during the transaction runs before the next one: the writer's thread has
        // slept long enough for the scheduler to let it run on for milliseconds otherwise.
        std::this_thread::yield();
    }
    auto dropped = dropped_.load(std::memory_order_relaxed);
    if (dropped != dropped_reported_) {
        spdlog::warn("tenant logs: {} events dropped so far because the queue was full", dropped);
        dropped_reported_ = dropped;
    }
}

}  // namespace gatehouse::store
