#include "db/row.h"

namespace xq::db {
namespace {

template <typename Key>
int64_t IntAt(const soci::row& r, Key key) {
  if (r.get_indicator(key) == soci::i_null) return 0;
  switch (r.get_properties(key).get_data_type()) {
    case soci::dt_long_long:
      return r.template get<long long>(key);
    case soci::dt_unsigned_long_long:
      return static_cast<int64_t>(r.template get<unsigned long long>(key));
    case soci::dt_integer:
      return r.template get<int>(key);
    case soci::dt_double:
      return static_cast<int64_t>(r.template get<double>(key));
    case soci::dt_string:
      return std::stoll(r.template get<std::string>(key));
    default:
      return 0;
  }
}

template <typename Key>
std::string StrAt(const soci::row& r, Key key) {
  if (r.get_indicator(key) == soci::i_null) return {};
  switch (r.get_properties(key).get_data_type()) {
    case soci::dt_string:
      return r.template get<std::string>(key);
    case soci::dt_long_long:
      return std::to_string(r.template get<long long>(key));
    case soci::dt_integer:
      return std::to_string(r.template get<int>(key));
    default:
      return {};
  }
}

}  // namespace

int64_t GetInt(const soci::row& r, const std::string& name) { return IntAt(r, name); }
int64_t GetInt(const soci::row& r, std::size_t pos) { return IntAt(r, pos); }
std::string GetStr(const soci::row& r, const std::string& name) { return StrAt(r, name); }
std::string GetStr(const soci::row& r, std::size_t pos) { return StrAt(r, pos); }
bool IsNull(const soci::row& r, const std::string& name) { return r.get_indicator(name) == soci::i_null; }

}  // namespace xq::db
