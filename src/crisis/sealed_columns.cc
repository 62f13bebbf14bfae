#include "crisis/sealed_columns.h"

namespace xq::crisis {

const std::vector<crypto::SealedColumn>& SealedColumns() {
  static const std::vector<crypto::SealedColumn> kColumns = {
      {"crisis_items", "id", "body", "crisis_items:", ""},
      {"crisis_referrals", "id", "summary", "crisis_referrals:", ""},
      {"crisis_referrals", "id", "clinical", "crisis_referrals:", ":clinical"},
      {"crisis_returns", "id", "certificate", "crisis_returns:", ""},
      {"crisis_returns", "id", "assessment", "crisis_returns:", ":assessment"},
  };
  return kColumns;
}

void RegisterSealedColumns() {
  for (const auto& c : SealedColumns()) crypto::RegisterSealedColumn(c);
}

}  // namespace xq::crisis
