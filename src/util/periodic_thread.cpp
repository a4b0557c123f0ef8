#include "util/periodic_thread.hpp"

#include <spdlog/spdlog.h>

#include <exception>

namespace gatehouse::util {

PeriodicThread::PeriodicThread(std::string name, std::chrono::milliseconds interval, std::function<void()> body)
    : name_(std::move(name)), interval_(interval), body_(std::move(body)) {}

PeriodicThread::~PeriodicThread() { stop(); }

void PeriodicThread::start() {
    thread_ = std::thread([this] {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            lock.unlock();
            try {
                body_();
            } catch (const std::exception& e) {
                spdlog::error("{}: {}", name_, e.what());
            }
            lock.lock();
            wake_.wait_for(lock, interval_, [this] { return stopping_; });
        }
    });
}

void PeriodicThread::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

bool PeriodicThread::stopping() const {
    std::lock_guard lock(mutex_);
    return stopping_;
}

}  // namespace gatehouse::util
