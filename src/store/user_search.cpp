#include "store/user_search.hpp"

namespace gatehouse::store {

UserFieldType user_field_type(UserField f) noexcept {
    switch (f) {
        case UserField::user_id:
        case UserField::connection:
        case UserField::username:
        case UserField::phone_number:
            return UserFieldType::text;
        case UserField::email:
        case UserField::email_domain:
        case UserField::name:
        case UserField::nickname:
        case UserField::given_name:
        case UserField::family_name:
            return UserFieldType::folded;
        case UserField::email_verified:
        case UserField::phone_verified:
        case UserField::blocked:
            return UserFieldType::boolean;
        case UserField::logins_count:
            return UserFieldType::integer;
        case UserField::created_at:
        case UserField::updated_at:
            return UserFieldType::epoch;
        case UserField::last_login:
            return UserFieldType::timestamp;
        case UserField::metadata:
            return UserFieldType::metadata;
    }
    return UserFieldType::text;
}

}  // namespace gatehouse::store
