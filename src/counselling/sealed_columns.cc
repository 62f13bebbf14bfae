#include "counselling/sealed_columns.h"

namespace xq::counselling {

const std::vector<crypto::SealedColumn>& SealedColumns() {
  static const std::vector<crypto::SealedColumn> kColumns = {
      {"counselling_records", "id", "concern_sealed", "counselling_records:"},
      {"counselling_records", "id", "notes_sealed", "counselling_records:"},
      {"counselling_records", "id", "next_steps_sealed", "counselling_records:"},
      {"counselling_shares", "id", "summary_sealed", "counselling_shares:"},
  };
  return kColumns;
}

void RegisterSealedColumns() {
  for (const auto& c : SealedColumns()) crypto::RegisterSealedColumn(c);
}

}  // namespace xq::counselling
