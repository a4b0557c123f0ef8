// Params: the parameters of one OAuth request (query string, form body or flat JSON body) after
// the wire has been parsed. Parsers reject repeated names (RFC 6749 §3.1) before building one, so
// every name here is unique and get() is unambiguous.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse::util {

class Params {
  public:
    Params() = default;
    explicit Params(std::vector<std::pair<std::string, std::string>> items) : items_(std::move(items)) {}

    // The value, or nullopt when absent. An empty value (`a=`) is present and empty.
    std::optional<std::string_view> find(std::string_view name) const {
        for (const auto& [k, v] : items_)
            if (k == name) return std::string_view(v);
        return std::nullopt;
    }
    // The value, or "" when absent: for parameters where absent and empty mean the same.
    std::string get(std::string_view name) const {
        auto v = find(name);
        return v ? std::string(*v) : std::string();
    }
    bool has(std::string_view name) const { return find(name).has_value(); }
    void set(std::string name, std::string value) {
        for (auto& [k, v] : items_)
            if (k == name) {
                v = std::move(value);
                return;
            }
        items_.emplace_back(std::move(name), std::move(value));
    }
    const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
    bool empty() const { return items_.empty(); }

  private:
    std::vector<std::pair<std::string, std::string>> items_;
};

}  // namespace gatehouse::util
