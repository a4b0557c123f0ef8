#include "store/sql/connection.hpp"

#include <charconv>
#include <stdexcept>

namespace gatehouse::store::sql {

std::string row::text(std::size_t i) const {
    const auto& c = cells.at(i);
    if (auto s = std::get_if<std::string>(&c)) return *s;
    if (auto n = std::get_if<std::int64_t>(&c)) return std::to_string(*n);
    return {};
}

std::int64_t row::int64(std::size_t i) const {
    const auto& c = cells.at(i);
    if (auto n = std::get_if<std::int64_t>(&c)) return *n;
    std::int64_t v = 0;
    if (auto s = std::get_if<std::string>(&c)) std::from_chars(s->data(), s->data() + s->size(), v);
    return v;
}

pool::pool(std::vector<std::unique_ptr<connection>> conns) : free_(std::move(conns)) {
    if (free_.empty()) throw std::invalid_argument("store: a connection pool needs at least one connection");
    dialect_ = free_.front()->dialect();
}

pool::lease::~lease() {
    if (conn_) pool_->release(std::move(conn_));
}

pool::lease pool::acquire() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [&] { return !free_.empty(); });
    auto c = std::move(free_.back());
    free_.pop_back();
    return lease(*this, std::move(c));
}

void pool::release(std::unique_ptr<connection> c) {
    {
        std::lock_guard lock(mutex_);
        free_.push_back(std::move(c));
    }
    available_.notify_one();
}

}  // namespace gatehouse::store::sql
