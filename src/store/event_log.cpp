#include "store/event_log.hpp"

#include "util/util.hpp"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace gatehouse::store {

std::string new_log_id(std::int64_t date_ms) {
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
    return fmt::format("{}{:08}{}", log_id_floor(date_ms), seq, instance);
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

void BatchedEventLog::record(LogEvent event) {
    if (event.date_ms == 0)
        event.date_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
    if (event.log_id.empty()) event.log_id = new_log_id(event.date_ms);
    bool full_batch = false;
    {
        std::lock_guard lock(mutex_);
        if (queued_ >= options_.capacity) {
            dropped_.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        if (queued_ < queue_.size())
            queue_[queued_] = std::move(event);
        else
            queue_.push_back(std::move(event));
        ++queued_;
        ++queued_total_;
        full_batch = queued_ == options_.batch_size;
    }
    if (full_batch) wake_.notify_one();
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
