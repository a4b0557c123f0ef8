#include "store/errc.hpp"

#include <string>

namespace gatehouse::store {

namespace {

class store_category_impl final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "gatehouse.store"; }

    std::string message(int ev) const override {
        switch (static_cast<store_errc>(ev)) {
            case store_errc::not_found:
                return "not found";
            case store_errc::already_exists:
                return "already exists";
            case store_errc::conflict:
                return "version conflict";
            case store_errc::backend:
                return "storage backend failure";
        }
        return "unknown store error";
    }
};

}  // namespace

const boost::system::error_category& store_category() noexcept {
    static const store_category_impl instance;
    return instance;
}

}  // namespace gatehouse::store
