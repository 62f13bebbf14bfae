#include "records/records_service.h"

#include <algorithm>
#include <charconv>

#include "audit/audited.h"
#include "core/ids.h"
#include "core/status.h"
#include "fmt/format.h"
#include "policy/policy.h"
#include "records/events.h"
#include "records/table_file.h"

namespace xq::records {
namespace {

constexpr int kMaxImportRows = 20000;

std::string RoleOf(const policy::Decision& d) { return d.via ? std::string(policy::RoleName(*d.via)) : std::string(); }

std::string TrimCell(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

void FirstErrorOut(const std::vector<FieldError>& errs, std::vector<FieldError>* out) {
  if (out) *out = errs;
}

absl::Status ErrorsStatus(const std::vector<FieldError>& errs) {
  return InvalidArgument(errs.front().message, errs.front().field);
}

}  // namespace

std::string EncodeCursor(int64_t after_id) { return fmt::format("{:x}", after_id); }

std::optional<int64_t> DecodeCursor(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

absl::Status RecordsService::Deny(const policy::Actor& actor, std::string_view object_type, int64_t object_id,
                                  int64_t school_id, std::string_view reason, absl::Status answer) {
  audit::Event e;
  e.actor_id = actor.account_id;
  e.action = "denied";
  e.object_type = std::string(object_type);
  e.object_id = object_id ? std::to_string(object_id) : "";
  e.school_id = school_id;
  e.outcome = "denied";
  e.detail = std::string(reason).substr(0, 500);
  XQ_RETURN_IF_ERROR(audit::Record(audit_, e));
  return answer;
}

absl::StatusOr<const KindSpec*> RecordsService::KindOf(std::string_view kind) {
  const KindSpec* k = FindKind(kind);
  if (!k) return InvalidArgument(fmt::format("unknown record kind '{}'", kind), "kind");
  return k;
}

absl::StatusOr<UnitInfo> RecordsService::UnitFor(const policy::Actor& actor, int64_t unit_id, policy::Action action) {
  if (policy::UnitRecordScopes(actor).empty()) {
    return Deny(actor, "work_records", unit_id, 0, "no work-record access",
                PermissionDenied("work records are for a school's psychology staff, leaders and data admins, and "
                                 "for district and city administrators"));
  }
  XQ_ASSIGN_OR_RETURN(std::optional<UnitInfo> unit, store_.GetUnit(unit_id));
  if (!unit) return NotFound("unit not found");
  const policy::Decision read = policy::DecideUnitRecord(actor, policy::Action::kRead, unit->path);
  if (!read) return Deny(actor, "work_records", unit_id, unit->school_id, read.reason, NotFound("unit not found"));
  if (action == policy::Action::kWrite) {
    const policy::Decision write = policy::DecideUnitRecord(actor, policy::Action::kWrite, unit->path);
    if (!write) {
      return Deny(actor, "work_records", unit_id, unit->school_id, write.reason,
                  PermissionDenied(fmt::format("you may read but not change the records of {}", unit->name)));
    }
  }
  return *unit;
}

absl::StatusOr<std::vector<Scope>> RecordsService::Scopes(const policy::Actor& actor) {
  std::vector<policy::Grant> grants = policy::UnitRecordScopes(actor);
  if (grants.empty()) {
    return Deny(actor, "work_records", 0, 0, "no work-record access",
                PermissionDenied("work records are for a school's psychology staff, leaders and data admins, and "
                                 "for district and city administrators"));
  }
  std::vector<Scope> out;
  for (const policy::Grant& g : grants) {
    XQ_ASSIGN_OR_RETURN(std::optional<UnitInfo> unit, store_.GetUnit(g.unit_id));
    if (!unit) continue;
    Scope sc;
    sc.unit = *unit;
    sc.writable = policy::DecideUnitRecord(actor, policy::Action::kWrite, unit->path).allowed;
    out.push_back(std::move(sc));
  }
  return out;
}

absl::StatusOr<RecordList> RecordsService::List(const policy::Actor& actor, const ListRequest& req) {
  XQ_RETURN_IF_ERROR(KindOf(req.kind).status());
  if (req.school_year != 0 && !ValidSchoolYear(req.school_year))
    return InvalidArgument("school_year must be 2000..2100", "school_year");
  if (req.page_size < 1) return InvalidArgument("page_size must be at least 1", "page_size");
  ListQuery q;
  q.kind = req.kind;
  q.school_year = req.school_year;
  q.page_size = std::min(req.page_size, kMaxPageSize);
  if (!req.after.empty()) {
    auto after = DecodeCursor(req.after);
    if (!after) return InvalidArgument("malformed cursor", "after");
    q.after_id = *after;
  }
  if (req.unit_id) {
    XQ_ASSIGN_OR_RETURN(UnitInfo unit, UnitFor(actor, *req.unit_id, policy::Action::kRead));
    q.scope_path = unit.path;
  } else {
    std::vector<policy::Grant> scopes = policy::UnitRecordScopes(actor);
    if (scopes.empty()) XQ_RETURN_IF_ERROR(Scopes(actor).status());
    // The widest scope; a caller with several unrelated scopes names one.
    if (scopes.size() > 1)
      return InvalidArgument("you keep records in several units: name one with unit_id", "unit_id");
    q.scope_path = scopes.front().unit_path;
  }
  XQ_ASSIGN_OR_RETURN(RecordPage page, store_.List(q));
  RecordList out;
  out.items = std::move(page.items);
  out.total = page.total;
  if (page.next_after) out.next = EncodeCursor(page.next_after);
  return out;
}

absl::StatusOr<Record> RecordsService::Get(const policy::Actor& actor, int64_t id) {
  XQ_ASSIGN_OR_RETURN(std::optional<Record> r, store_.Get(id));
  if (!r) return NotFound("record not found");
  XQ_RETURN_IF_ERROR(UnitFor(actor, r->unit_id, policy::Action::kRead).status());
  return *r;
}

audit::InTransaction RecordsService::AfterWrite(const policy::Actor& actor, std::string action, const Record& r,
                                                std::string detail) {
  audit::Event e;
  e.actor_id = actor.account_id;
  const policy::Decision d = policy::DecideUnitRecord(actor, policy::Action::kWrite, r.unit_path);
  e.actor_role = RoleOf(d);
  e.action = std::move(action);
  e.object_type = "work_record";
  e.object_id = std::to_string(r.id);
  e.school_id = r.school_id;
  e.detail = std::move(detail);
  audit::InTransaction audit_in = audit::RecordingIn(audit_, std::move(e));
  const Changed changed{r.school_id, r.unit_id, r.kind, r.school_year};
  const int64_t now = clock_.NowMicros();
  return [audit_in, changed, now](soci::session& s) -> absl::Status {
    XQ_RETURN_IF_ERROR(audit_in(s));
    return PublishChanged(s, changed, now);
  };
}

absl::StatusOr<Record> RecordsService::Create(const policy::Actor& actor, const RecordInput& in,
                                              std::vector<FieldError>* errors) {
  XQ_ASSIGN_OR_RETURN(const KindSpec* kind, KindOf(in.kind));
  if (!ValidSchoolYear(in.school_year)) return InvalidArgument("school_year must be 2000..2100", "school_year");
  XQ_ASSIGN_OR_RETURN(UnitInfo unit, UnitFor(actor, in.unit_id, policy::Action::kWrite));
  if (!KindFitsUnit(*kind, unit.kind)) {
    return InvalidArgument(fmt::format("「{}」不能记在{}（{}）", kind->label_zh, unit.name, unit.kind), "unit_id");
  }
  std::vector<FieldError> errs;
  Values values = ParseValues(*kind, in.fields, 0, errs);
  if (!errs.empty()) {
    FirstErrorOut(errs, errors);
    return ErrorsStatus(errs);
  }
  Record r;
  r.id = NewId();
  r.kind = std::string(kind->name);
  r.unit_id = unit.id;
  r.unit_path = unit.path;
  r.unit_name = unit.name;
  r.school_id = unit.kind == "school" ? unit.id : 0;
  r.school_year = in.school_year;
  r.values = std::move(values);
  r.created_by = actor.account_id;
  r.created_at = r.updated_at = clock_.NowMicros();
  XQ_RETURN_IF_ERROR(store_.Insert(r, AfterWrite(actor, "work_record.create", r, r.kind)));
  return r;
}

absl::StatusOr<Record> RecordsService::Update(const policy::Actor& actor, int64_t id,
                                              const std::map<std::string, std::string>& fields,
                                              std::vector<FieldError>* errors) {
  XQ_ASSIGN_OR_RETURN(std::optional<Record> existing, store_.Get(id));
  if (!existing) return NotFound("record not found");
  XQ_RETURN_IF_ERROR(UnitFor(actor, existing->unit_id, policy::Action::kWrite).status());
  XQ_ASSIGN_OR_RETURN(const KindSpec* kind, KindOf(existing->kind));
  std::vector<FieldError> errs;
  Values values = ParseValues(*kind, fields, 0, errs);
  if (!errs.empty()) {
    FirstErrorOut(errs, errors);
    return ErrorsStatus(errs);
  }
  Record r = *existing;
  r.values = std::move(values);
  r.created_by = actor.account_id;  // the store writes it as updated_by
  r.updated_at = clock_.NowMicros();
  XQ_RETURN_IF_ERROR(store_.Update(r, AfterWrite(actor, "work_record.update", r, r.kind)));
  r.created_by = existing->created_by;
  return r;
}

absl::Status RecordsService::Delete(const policy::Actor& actor, int64_t id) {
  XQ_ASSIGN_OR_RETURN(std::optional<Record> existing, store_.Get(id));
  if (!existing) return NotFound("record not found");
  XQ_RETURN_IF_ERROR(UnitFor(actor, existing->unit_id, policy::Action::kWrite).status());
  return store_.Delete(id, AfterWrite(actor, "work_record.delete", *existing, existing->kind));
}

absl::StatusOr<std::string> RecordsService::Template(const policy::Actor& actor, std::string_view kind_name) {
  XQ_ASSIGN_OR_RETURN(const KindSpec* kind, KindOf(kind_name));
  XQ_RETURN_IF_ERROR(Scopes(actor).status());
  return WriteTemplate(*kind);
}

absl::StatusOr<ImportOutcome> RecordsService::Import(const policy::Actor& actor, const ImportRequest& req,
                                                     std::string_view file) {
  XQ_ASSIGN_OR_RETURN(const KindSpec* kind, KindOf(req.kind));
  if (!ValidSchoolYear(req.school_year)) return InvalidArgument("school_year must be 2000..2100", "school_year");
  XQ_ASSIGN_OR_RETURN(UnitInfo unit, UnitFor(actor, req.unit_id, policy::Action::kWrite));
  if (!KindFitsUnit(*kind, unit.kind)) {
    return InvalidArgument(fmt::format("「{}」不能记在{}（{}）", kind->label_zh, unit.name, unit.kind), "unit_id");
  }
  XQ_ASSIGN_OR_RETURN(std::vector<TableRow> table, ReadTable(file));
  ImportOutcome out;
  auto error = [&](int line, std::string column, std::string field, std::string message) {
    out.errors.push_back({line, std::move(column), std::move(field), std::move(message)});
  };
  if (table.empty()) {
    error(1, "", "", "文件是空的：第一行应为列名");
    return out;
  }
  // Header: each column by its Chinese label (or field name).
  std::vector<const FieldSpec*> columns;
  const TableRow& header = table.front();
  for (size_t c = 0; c < header.cells.size(); ++c) {
    const std::string h = TrimCell(header.cells[c]);
    const FieldSpec* f = nullptr;
    for (const FieldSpec& spec : kind->fields)
      if (spec.label_zh == h || spec.name == h) f = &spec;
    if (!f && !h.empty()) error(header.line, h, "", fmt::format("未知的列「{}」（见模板的「填写说明」）", h));
    if (f && std::find(columns.begin(), columns.end(), f) != columns.end()) {
      error(header.line, h, std::string(f->name), fmt::format("列「{}」重复", h));
      f = nullptr;
    }
    columns.push_back(f);
  }
  for (const FieldSpec& spec : kind->fields) {
    if (spec.required && std::find(columns.begin(), columns.end(), &spec) == columns.end())
      error(header.line, std::string(spec.label_zh), std::string(spec.name),
            fmt::format("缺少必填列「{}」", spec.label_zh));
  }
  if (!out.errors.empty()) return out;
  for (size_t i = 1; i < table.size(); ++i) {
    const TableRow& row = table[i];
    std::map<std::string, std::string> raw;
    bool any = false;
    for (size_t c = 0; c < row.cells.size(); ++c) {
      if (TrimCell(row.cells[c]).empty()) continue;
      if (c >= columns.size() || !columns[c]) {
        error(row.line, fmt::format("第 {} 列", c + 1), "", "此列没有列名，值无法导入");
        any = true;
        continue;
      }
      any = true;
      std::string cell = row.cells[c];
      if (columns[c]->type == FieldType::kDate && c < row.numeric.size() && row.numeric[c]) {
        std::string d = ExcelSerialToDate(std::atof(cell.c_str()));
        if (!d.empty()) cell = d;
      }
      raw[std::string(columns[c]->name)] = cell;
    }
    if (!any) continue;  // blank line
    if (static_cast<int>(out.rows.size()) >= kMaxImportRows) {
      error(row.line, "", "", fmt::format("一次最多导入 {} 行", kMaxImportRows));
      break;
    }
    out.rows.push_back(ParseValues(*kind, raw, row.line, out.errors));
  }
  if (!out.errors.empty()) {
    out.rows.clear();
    return out;
  }
  if (out.rows.empty()) {
    error(2, "", "", "文件没有数据行");
    return out;
  }
  XQ_ASSIGN_OR_RETURN(out.replaced, store_.Count(std::string(kind->name), unit.id, req.school_year));
  if (req.dry_run) return out;
  const int64_t now = clock_.NowMicros();
  std::vector<Record> records;
  for (const Values& v : out.rows) {
    Record r;
    r.id = NewId();
    r.kind = std::string(kind->name);
    r.unit_id = unit.id;
    r.unit_path = unit.path;
    r.school_id = unit.kind == "school" ? unit.id : 0;
    r.school_year = req.school_year;
    r.values = v;
    r.created_by = actor.account_id;
    r.created_at = r.updated_at = now;
    records.push_back(std::move(r));
  }
  Record summary = records.front();
  summary.id = unit.id;
  XQ_ASSIGN_OR_RETURN(
      out.replaced,
      store_.Replace(std::string(kind->name), unit.id, req.school_year, records,
                     AfterWrite(actor, "work_record.import", summary,
                                fmt::format("{} rows of {} for {}", records.size(), kind->name, req.school_year))));
  out.written = true;
  return out;
}

}  // namespace xq::records
