#include "crypto/reseal.h"

#include <algorithm>
#include <mutex>
#include <utility>

#include "core/status.h"
#include "db/row.h"
#include "fmt/format.h"
#include "soci/soci.h"

namespace xq::crypto {
namespace {

std::mutex& RegistryMu() {
  static std::mutex mu;
  return mu;
}
std::vector<SealedColumn>& Registry() {
  static std::vector<SealedColumn> columns;
  return columns;
}

bool SafeName(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

}  // namespace

void RegisterSealedColumn(SealedColumn column) {
  std::lock_guard lock(RegistryMu());
  for (const SealedColumn& c : Registry())
    if (c.table == column.table && c.column == column.column) return;
  Registry().push_back(std::move(column));
}

std::vector<SealedColumn> RegisteredSealedColumns() {
  std::lock_guard lock(RegistryMu());
  return Registry();
}

absl::StatusOr<ResealReport> Reseal(db::Database& db, const KeyRing& ring, const std::vector<SealedColumn>& columns,
                                    const ResealOptions& options) {
  ResealReport report;
  const uint32_t current = ring.current_id();
  if (current == 0) return absl::FailedPreconditionError("the key ring is empty");
  const int batch = std::clamp(options.batch_rows, 1, 100000);
  for (const SealedColumn& col : columns) {
    if (!SafeName(col.table) || !SafeName(col.id_column) || !SafeName(col.column))
      return absl::InvalidArgumentError(fmt::format("bad sealed column {}.{}", col.table, col.column));
    const std::string select = fmt::format(
        "SELECT {0}, {1} FROM {2} WHERE {0} > :after AND {1} IS NOT NULL AND {1} <> '' ORDER BY {0} LIMIT {3}",
        col.id_column, col.column, col.table, batch);
    const std::string update =
        fmt::format("UPDATE {0} SET {1} = :new WHERE {2} = :id AND {1} = :old", col.table, col.column, col.id_column);
    long long after = 0;
    for (;;) {
      if (options.max_batches > 0 && report.batches >= options.max_batches) {
        report.complete = false;
        return report;
      }
      int64_t rows = 0, resealed = 0;
      long long last = after;
      XQ_RETURN_IF_ERROR(db.InTransaction([&](soci::session& s) -> absl::Status {
        rows = resealed = 0;
        std::vector<std::pair<long long, std::string>> todo;
        {
          soci::rowset<soci::row> rs = (s.prepare << select, soci::use(after));
          for (const soci::row& r : rs) {
            long long id = db::GetInt(r, std::size_t{0});
            std::string value = db::GetStr(r, std::size_t{1});
            ++rows;
            last = id;
            absl::StatusOr<uint32_t> kid = SealedKeyId(value);
            if (kid.ok() && *kid == current) continue;
            todo.emplace_back(id, std::move(value));
          }
        }
        for (auto& [id, old] : todo) {
          std::string ad = col.ad_prefix + std::to_string(id) + col.ad_suffix;
          absl::StatusOr<std::string> plain =
              col.seal_plaintext && !LooksSealed(old) ? absl::StatusOr<std::string>(old) : ring.Open(old, ad);
          if (!plain.ok())
            return absl::DataLossError(fmt::format("{}.{} of {} does not open: {}", col.table, col.column, id,
                                                   std::string(plain.status().message())));
          XQ_ASSIGN_OR_RETURN(std::string fresh, ring.Seal(*plain, ad));
          s << update, soci::use(fresh), soci::use(id), soci::use(old);
          ++resealed;
        }
        return absl::OkStatus();
      }));
      if (rows == 0) break;
      after = last;
      ++report.batches;
      report.scanned += rows;
      report.resealed += resealed;
      report.current += rows - resealed;
      if (options.progress)
        options.progress(
            fmt::format("{}.{}: up to id {}: {} read, {} re-sealed", col.table, col.column, last, rows, resealed));
    }
  }
  return report;
}

}  // namespace xq::crypto
