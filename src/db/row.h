// Reading soci::row values the same way on SQLite and PostgreSQL (their
// drivers report integer columns with different C++ types).
#pragma once

#include <cstdint>
#include <string>

#include "soci/soci.h"

namespace xq::db {

// Integer column by name or position; NULL → 0.
int64_t GetInt(const soci::row& r, const std::string& name);
int64_t GetInt(const soci::row& r, std::size_t pos);
// Text column; NULL → "".
std::string GetStr(const soci::row& r, const std::string& name);
std::string GetStr(const soci::row& r, std::size_t pos);
bool IsNull(const soci::row& r, const std::string& name);

}  // namespace xq::db
