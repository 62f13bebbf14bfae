// Schools' licences for scales that ship disabled (school_instrument_licences,
// migration 024).
#include <string>

#include "screening/soci_screening_store.h"

#include "core/status.h"
#include "db/row.h"

namespace xq::screening {

absl::StatusOr<std::vector<InstrumentLicence>> SociScreeningStore::InstrumentLicencesOf(
    const std::vector<int64_t>& school_ids) {
  std::vector<InstrumentLicence> out;
  for (int64_t school : school_ids) {
    XQ_RETURN_IF_ERROR(
        db_.Query("SELECT instrument_id, licence_ref, enabled_by, enabled_at "
                  "FROM school_instrument_licences WHERE school_id = :s ORDER BY instrument_id",
                  {static_cast<long long>(school)}, [&](const soci::row& r) {
                    out.push_back({school, db::GetStr(r, 0), db::GetStr(r, 1), db::GetInt(r, 2), db::GetInt(r, 3)});
                  }));
  }
  return out;
}

absl::Status SociScreeningStore::PutInstrumentLicence(const InstrumentLicence& l) {
  return db_.InTransaction([&](soci::session& s) {
    long long school = l.school_id, by = l.enabled_by, at = l.enabled_at;
    s << "DELETE FROM school_instrument_licences WHERE school_id = :s AND instrument_id = :i", soci::use(school),
        soci::use(l.instrument_id);
    s << "INSERT INTO school_instrument_licences (school_id, instrument_id, licence_ref, enabled_by, enabled_at) "
         "VALUES (:a, :b, :c, :d, :e)",
        soci::use(school), soci::use(l.instrument_id), soci::use(l.licence_ref), soci::use(by), soci::use(at);
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> SociScreeningStore::DeleteInstrumentLicence(int64_t school_id, std::string_view instrument_id) {
  bool found = false;
  XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
    long long school = school_id;
    std::string id(instrument_id);
    long long n = 0;
    s << "SELECT COUNT(*) FROM school_instrument_licences WHERE school_id = :s AND instrument_id = :i", soci::into(n),
        soci::use(school), soci::use(id);
    found = n > 0;
    s << "DELETE FROM school_instrument_licences WHERE school_id = :s AND instrument_id = :i", soci::use(school),
        soci::use(id);
    return absl::OkStatus();
  }));
  return found;
}

}  // namespace xq::screening
