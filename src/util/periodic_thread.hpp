// A background thread that runs a body at once and then every interval until stopped: the loop of
// the mail queue's and the bulk jobs' workers. stop() wakes it at once and joins; a body that works
// through several units asks stopping() between them, so a shutdown does not wait for the backlog.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace gatehouse::util {

class PeriodicThread {
  public:
    // `name` prefixes the log line of an exception the body throws; the loop goes on after it.
    PeriodicThread(std::string name, std::chrono::milliseconds interval, std::function<void()> body);
    ~PeriodicThread();
    PeriodicThread(const PeriodicThread&) = delete;
    PeriodicThread& operator=(const PeriodicThread&) = delete;

    void start();
    void stop();
    bool stopping() const;

  private:
    std::string name_;
    std::chrono::milliseconds interval_;
    std::function<void()> body_;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
};

}  // namespace gatehouse::util
