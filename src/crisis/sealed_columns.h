// The sealed columns of crisis cases, for `xinqiao keys rotate`
// (crypto/reseal.h): the body of every case item — step records, notes,
// guardian notices, the scanned 告知书 — ("crisis_items:<id>"), a
// referral's summary ("crisis_referrals:<id>") and the hospital's clinical
// summary ("crisis_referrals:<id>:clinical"), and a return to school's
// certificate file ("crisis_returns:<id>") and assessment
// ("crisis_returns:<id>:assessment").
#pragma once

#include <vector>

#include "crypto/reseal.h"

namespace xq::crisis {

const std::vector<crypto::SealedColumn>& SealedColumns();
// Registers SealedColumns() with crypto::RegisterSealedColumn.
void RegisterSealedColumns();

}  // namespace xq::crisis
