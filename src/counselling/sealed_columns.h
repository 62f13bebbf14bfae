// The sealed columns of counselling, for `xinqiao keys rotate`
// (crypto/reseal.h): the three texts of a session record (associated data
// "counselling_records:<id>") and the summary of a share
// ("counselling_shares:<id>").
#pragma once

#include <vector>

#include "crypto/reseal.h"

namespace xq::counselling {

const std::vector<crypto::SealedColumn>& SealedColumns();
// Registers SealedColumns() with crypto::RegisterSealedColumn.
void RegisterSealedColumns();

}  // namespace xq::counselling
