#include "records/routes.h"

#include <charconv>

#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "fmt/format.h"
#include "http/params.h"

namespace xq::records {
namespace {

using http::CheckQuery;
using http::PathId;
using http::QueryId;
using http::Request;
using http::Response;

constexpr size_t kMaxFileBytes = 8 * 1024 * 1024;

const policy::Actor& ActorOf(const Request& req) {
  static const policy::Actor kNobody;
  return req.principal ? req.principal->actor : kNobody;
}

Json ValueJson(const FieldSpec& f, const Value& v) {
  switch (f.type) {
    case FieldType::kInt:
      return v.num ? Json(static_cast<int64_t>(*v.num)) : Json(nullptr);
    case FieldType::kNumber:
      return v.num ? Json(*v.num) : Json(nullptr);
    case FieldType::kBool:
      return v.num ? Json(*v.num != 0) : Json(nullptr);
    default:
      return v.text;
  }
}

Json FieldsJson(const KindSpec& kind, const Values& values) {
  Json j = Json::object();
  for (const FieldSpec& f : kind.fields) {
    auto it = values.find(std::string(f.name));
    if (it != values.end()) j[std::string(f.name)] = ValueJson(f, it->second);
  }
  return j;
}

Json RecordJson(const Record& r) {
  const KindSpec* kind = FindKind(r.kind);
  Json j = {{"id", IdToString(r.id)},           {"kind", r.kind},
            {"unit_id", IdToString(r.unit_id)}, {"unit_name", r.unit_name},
            {"school_year", r.school_year},     {"fields", kind ? FieldsJson(*kind, r.values) : Json::object()},
            {"updated_at", r.updated_at}};
  if (r.school_id) j["school_id"] = IdToString(r.school_id);
  return j;
}

Json KindJson(const KindSpec& k) {
  Json fields = Json::array();
  for (const FieldSpec& f : k.fields) {
    Json fj = {{"name", f.name},
               {"label_zh", f.label_zh},
               {"type", FieldTypeName(f.type)},
               {"required", f.required},
               {"help_zh", f.help_zh}};
    if (f.type == FieldType::kInt || f.type == FieldType::kNumber) {
      fj["min"] = f.min;
      fj["max"] = f.max;
    }
    if (f.type == FieldType::kChoice) {
      Json choices = Json::array();
      for (const Choice& c : f.choices) choices.push_back({{"code", c.code}, {"label_zh", c.label_zh}});
      fj["choices"] = choices;
    }
    fields.push_back(fj);
  }
  return {{"name", k.name}, {"label_zh", k.label_zh}, {"level", LevelName(k.level)}, {"fields", fields}};
}

Json ErrorsJson(const std::vector<FieldError>& errors, const std::string& file) {
  Json details = Json::array();
  for (const auto& e : errors) {
    Json d = {{"line", e.row}, {"column", e.column}, {"field", e.field}, {"message", e.message}};
    if (!file.empty()) d["file"] = file;
    details.push_back(d);
  }
  return details;
}

// The form's fields as the text a file cell would hold.
absl::StatusOr<std::map<std::string, std::string>> FieldsFromJson(const Json& fields) {
  if (!fields.is_object()) return InvalidArgument("fields must be an object", "fields");
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : fields.items()) {
    if (v.is_null())
      out[k] = "";
    else if (v.is_string())
      out[k] = v.get<std::string>();
    else if (v.is_boolean())
      out[k] = v.get<bool>() ? "1" : "0";
    else if (v.is_number_integer())
      out[k] = std::to_string(v.get<int64_t>());
    else if (v.is_number())
      out[k] = fmt::format("{}", v.get<double>());
    else
      return InvalidArgument(fmt::format("fields.{} must be text, a number or a bool", k), k);
  }
  return out;
}

absl::StatusOr<int> SchoolYearParam(const Request& req, bool required) {
  auto y = req.Query("school_year");
  if (!y || y->empty()) {
    if (required) return InvalidArgument("school_year is required", "school_year");
    return 0;
  }
  int v = 0;
  auto [p, ec] = std::from_chars(y->data(), y->data() + y->size(), v);
  if (ec != std::errc() || p != y->data() + y->size() || !ValidSchoolYear(v))
    return InvalidArgument("school_year must be a year 2000..2100", "school_year");
  return v;
}

Response Invalid(const absl::Status& st, const std::vector<FieldError>& errs) {
  if (errs.empty()) return Response::Error(st);
  return Response::ErrorWithDetails(st, ErrorsJson(errs, ""));
}

}  // namespace

void RegisterRecordsRoutes(http::Router& router, RecordsService& svc) {
  router.Add("GET", "/api/v1/work-record-kinds", [](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    Json items = Json::array();
    for (const KindSpec& k : Kinds()) items.push_back(KindJson(k));
    Json checklist = Json::array();
    for (const ChecklistItem& c : RoomChecklist()) checklist.push_back({{"field", c.field}, {"at_least", c.at_least}});
    return Response::Json({{"items", items}, {"room_checklist", checklist}});
  });

  router.Add("GET", "/api/v1/work-record-scopes", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto scopes = svc.Scopes(ActorOf(req));
    if (!scopes.ok()) return Response::Error(scopes.status());
    Json items = Json::array();
    for (const Scope& s : *scopes)
      items.push_back(
          {{"unit_id", IdToString(s.unit.id)}, {"name", s.unit.name}, {"kind", s.unit.kind}, {"writable", s.writable}});
    return Response::Json({{"items", items}});
  });

  router.Add("GET", "/api/v1/work-record-kinds/{kind}/template.xlsx", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    const std::string kind = req.params["kind"];
    auto bytes = svc.Template(ActorOf(req), kind);
    if (!bytes.ok()) return Response::Error(bytes.status());
    const KindSpec* k = FindKind(kind);
    return Response::File(std::move(*bytes), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          fmt::format("工作台账-{}.xlsx", k ? k->label_zh : kind));
  });

  router.Add("POST", "/api/v1/work-record-kinds/{kind}/import",
             [&svc](Request& req) {
               if (auto st = CheckQuery(req, {"unit_id", "school_year", "dry_run", "file_name"}); !st.ok())
                 return Response::Error(st);
               ImportRequest r;
               r.kind = req.params["kind"];
               auto unit = QueryId(req, "unit_id");
               if (!unit.ok()) return Response::Error(unit.status());
               if (!*unit) return Response::Error(InvalidArgument("unit_id is required", "unit_id"));
               r.unit_id = **unit;
               auto year = SchoolYearParam(req, true);
               if (!year.ok()) return Response::Error(year.status());
               r.school_year = *year;
               const std::string dry = req.Query("dry_run").value_or("");
               if (dry != "" && dry != "0" && dry != "1" && dry != "true" && dry != "false")
                 return Response::Error(InvalidArgument("dry_run must be 0 or 1", "dry_run"));
               r.dry_run = dry == "1" || dry == "true";
               r.file_name = req.Query("file_name").value_or("").substr(0, 200);
               auto out = svc.Import(ActorOf(req), r, req.body);
               if (!out.ok()) return Response::Error(out.status());
               if (!out->errors.empty()) {
                 const FieldError& first = out->errors.front();
                 absl::Status st = InvalidArgument(
                     fmt::format("{} problem(s) in the file; nothing was imported (first: line {}, column {}: {})",
                                 out->errors.size(), first.row, first.column, first.message),
                     first.field.empty() ? "file" : first.field);
                 return Response::ErrorWithDetails(st, ErrorsJson(out->errors, r.file_name));
               }
               const KindSpec* kind = FindKind(r.kind);
               Json rows = Json::array();
               for (const Values& v : out->rows) rows.push_back(FieldsJson(*kind, v));
               return Response::Json({{"state", out->written ? "succeeded" : "preview"},
                                      {"dry_run", r.dry_run},
                                      {"rows", rows},
                                      {"total", out->rows.size()},
                                      {"replaced", out->replaced}});
             },
             {.max_body = kMaxFileBytes,
              .content_types = {"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                "application/octet-stream"}});

  router.Add("GET", "/api/v1/work-records", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"kind", "unit_id", "school_year", "page_size", "after"}); !st.ok())
      return Response::Error(st);
    ListRequest r;
    r.kind = req.Query("kind").value_or("");
    if (r.kind.empty()) return Response::Error(InvalidArgument("kind is required", "kind"));
    auto unit = QueryId(req, "unit_id");
    if (!unit.ok()) return Response::Error(unit.status());
    r.unit_id = *unit;
    auto year = SchoolYearParam(req, false);
    if (!year.ok()) return Response::Error(year.status());
    r.school_year = *year;
    r.after = req.Query("after").value_or("");
    if (auto ps = req.Query("page_size"); ps && !ps->empty()) {
      int n = 0;
      auto [p, ec] = std::from_chars(ps->data(), ps->data() + ps->size(), n);
      if (ec == std::errc::result_out_of_range && p == ps->data() + ps->size())
        n = kMaxPageSize;
      else if (ec != std::errc() || p != ps->data() + ps->size() || n < 1)
        return Response::Error(InvalidArgument("page_size must be a positive integer", "page_size"));
      r.page_size = n;
    }
    auto list = svc.List(ActorOf(req), r);
    if (!list.ok()) return Response::Error(list.status());
    Json items = Json::array();
    for (const Record& rec : list->items) items.push_back(RecordJson(rec));
    return Response::Json(
        {{"items", items}, {"next", list->next.empty() ? Json(nullptr) : Json(list->next)}, {"total", list->total}});
  });

  router.Add("POST", "/api/v1/work-records", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return Response::Error(body.status());
    JsonReader jr(*body);
    std::string kind, unit_id;
    int64_t year = 0;
    Json fields;
    jr.Required("kind", &kind);
    jr.Required("unit_id", &unit_id);
    jr.Required("school_year", &year);
    jr.Required("fields", &fields);
    if (auto st = jr.Finish(); !st.ok()) return Response::Error(st);
    RecordInput in;
    in.kind = kind;
    auto uid = IdFromString(unit_id);
    if (!uid) return Response::Error(InvalidArgument("unit_id is not an id", "unit_id"));
    in.unit_id = *uid;
    if (year < 2000 || year > 2100)
      return Response::Error(InvalidArgument("school_year must be 2000..2100", "school_year"));
    in.school_year = static_cast<int>(year);
    auto raw = FieldsFromJson(fields);
    if (!raw.ok()) return Response::Error(raw.status());
    in.fields = std::move(*raw);
    std::vector<FieldError> errs;
    auto r = svc.Create(ActorOf(req), in, &errs);
    if (!r.ok()) return Invalid(r.status(), errs);
    return Response::Json(RecordJson(*r), 201);
  });

  router.Add("GET", "/api/v1/work-records/{id}", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto r = svc.Get(ActorOf(req), *id);
    if (!r.ok()) return Response::Error(r.status());
    return Response::Json(RecordJson(*r));
  });

  router.Add("PUT", "/api/v1/work-records/{id}", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return Response::Error(body.status());
    JsonReader jr(*body);
    Json fields;
    jr.Required("fields", &fields);
    if (auto st = jr.Finish(); !st.ok()) return Response::Error(st);
    auto raw = FieldsFromJson(fields);
    if (!raw.ok()) return Response::Error(raw.status());
    std::vector<FieldError> errs;
    auto r = svc.Update(ActorOf(req), *id, *raw, &errs);
    if (!r.ok()) return Invalid(r.status(), errs);
    return Response::Json(RecordJson(*r));
  });

  router.Add("DELETE", "/api/v1/work-records/{id}", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    if (auto st = svc.Delete(ActorOf(req), *id); !st.ok()) return Response::Error(st);
    return Response::NoContent();
  });
}

}  // namespace xq::records
