// Contract of RecordsStore and the facts on every backend: insert, keyset
// paging within a scope path, values of every type (NULL numbers, text,
// decimals), update, delete, the all-or-nothing replace of an import, and
// SchoolFacts/UnitFacts reading the same rows.
#include <map>
#include <set>

#include "contract/fixture.h"
#include "core/ids.h"
#include "core/status.h"
#include "gmock/gmock.h"
#include "records/facts.h"
#include "records/records_store.h"

namespace xq::testing {
namespace {

using records::Record;
using records::Value;

void Unit(db::Database& db, long long id, long long parent, std::string kind, std::string path, long long school) {
  ASSERT_TRUE(db.Run([&](soci::session& s) {
                  long long p = parent;
                  soci::indicator pi = parent ? soci::i_ok : soci::i_null;
                  std::string name = kind + std::to_string(id), sk = kind == "school" ? "junior" : "";
                  s << "INSERT INTO org_units (id, parent_id, kind, name, school_kind, school_id, path, created_at) "
                       "VALUES (:id, :p, :k, :n, :sk, :s, :path, 0)",
                      soci::use(id), soci::use(p, pi), soci::use(kind), soci::use(name), soci::use(sk),
                      soci::use(school), soci::use(path);
                  return absl::OkStatus();
                }).ok());
}

Record Rec(std::string kind, int64_t unit, std::string path, int64_t school, records::Values v, int year = 2026) {
  Record r;
  r.id = NewId();
  r.kind = std::move(kind);
  r.unit_id = unit;
  r.unit_path = std::move(path);
  r.school_id = school;
  r.school_year = year;
  r.values = std::move(v);
  r.created_by = 7;
  r.created_at = r.updated_at = 1000;
  return r;
}

TEST_P(ContractTest, RecordsStoreRoundTripsPagesAndReplaces) {
  Unit(Db(), 1, 0, "city", "/1/", 0);
  Unit(Db(), 2, 1, "district", "/1/2/", 0);
  Unit(Db(), 3, 2, "school", "/1/2/3/", 3);
  Unit(Db(), 4, 2, "school", "/1/2/4/", 4);
  auto store = records::NewSociRecordsStore(Db());
  int events = 0;
  auto then = [&](soci::session&) {
    ++events;
    return absl::OkStatus();
  };
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    Record r = Rec("funding", i < 3 ? 3 : 4, i < 3 ? "/1/2/3/" : "/1/2/4/", i < 3 ? 3 : 4,
                   {{"amount_yuan", Value{1000.5 + i, ""}}, {"source", Value{std::nullopt, "专项"}}});
    ASSERT_TRUE(store->Insert(r, then).ok());
    ids.push_back(r.id);
  }
  EXPECT_EQ(events, 5);
  // Paging within the district, then within one school.
  std::set<int64_t> seen;
  int64_t after = 0;
  for (int n = 0; n < 10; ++n) {
    auto page =
        store->List({.kind = "funding", .school_year = 2026, .scope_path = "/1/2/", .page_size = 2, .after_id = after});
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->total, 5);
    for (const Record& r : page->items) EXPECT_TRUE(seen.insert(r.id).second);
    if (!page->next_after) break;
    after = page->next_after;
  }
  EXPECT_EQ(seen.size(), 5u);
  auto school = store->List({.kind = "funding", .school_year = 0, .scope_path = "/1/2/3/", .page_size = 50});
  ASSERT_TRUE(school.ok());
  ASSERT_EQ(school->items.size(), 3u);
  EXPECT_EQ(school->items[0].values["amount_yuan"].num, 1000.5);
  EXPECT_EQ(school->items[0].values["source"].text, "专项");
  EXPECT_FALSE(school->items[0].values["source"].num.has_value());
  EXPECT_EQ(school->items[0].unit_name, "school3");
  EXPECT_EQ(store->List({.kind = "funding", .school_year = 2025, .scope_path = "/1/"})->total, 0);
  // Update and delete.
  Record r = *store->Get(ids[0]).value();
  r.values = {{"amount_yuan", Value{5, ""}}};
  r.updated_at = 2000;
  ASSERT_TRUE(store->Update(r, then).ok());
  auto got = store->Get(ids[0]);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->values.size(), 1u);
  EXPECT_EQ((*got)->values["amount_yuan"].num, 5);
  ASSERT_TRUE(store->Delete(ids[1], then).ok());
  EXPECT_FALSE(store->Get(ids[1])->has_value());
  // A failing `then` rolls the replace back whole.
  std::vector<Record> fresh = {Rec("funding", 3, "/1/2/3/", 3, {{"amount_yuan", Value{1, ""}}})};
  auto failed = store->Replace("funding", 3, 2026, fresh, [](soci::session&) { return Internal("boom"); });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(*store->Count("funding", 3, 2026), 2);
  auto replaced = store->Replace("funding", 3, 2026, fresh, then);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ(*replaced, 2);
  EXPECT_EQ(*store->Count("funding", 3, 2026), 1);
  EXPECT_EQ(*store->Count("funding", 4, 2026), 2);
  // The facts read the same rows on this backend.
  ASSERT_TRUE(Db().Run([&](soci::session& s) {
                    auto f = records::SchoolFacts(s, 3, 2026);
                    EXPECT_TRUE(f.ok()) << f.status();
                    EXPECT_EQ(*f, (std::map<std::string, double>{{"funding_yuan", 1}}));
                    auto g = records::SchoolFacts(s, 4, 2026);
                    EXPECT_EQ(*g, (std::map<std::string, double>{{"funding_yuan", 1003.5 + 1004.5}}));
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(
      store
          ->Insert(Rec("research", 2, "/1/2/", 0, {{"name", Value{std::nullopt, "a"}}, {"full_time", Value{1, ""}}}),
                   then)
          .ok());
  ASSERT_TRUE(Db().Run([&](soci::session& s) {
                    auto f = records::UnitFacts(s, 2, 2026);
                    EXPECT_TRUE(f.ok()) << f.status();
                    EXPECT_EQ(*f, (std::map<std::string, double>{{"research_psych_staff", 1}}));
                    return absl::OkStatus();
                  })
                  .ok());
}

}  // namespace
}  // namespace xq::testing
