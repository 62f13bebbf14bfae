// HTTP ↔ ScreeningService.
#include "screening/routes.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/json.h"
#include "http/params.h"
#include "core/status.h"
#include "policy/neutral_words.h"
#include "screening/json.h"
#include "screening/report_json.h"

namespace xq::screening {
namespace {

using http::CheckQuery;
using http::PathId;
using http::QueryId;
using http::Request;
using http::Response;

absl::StatusOr<Json> Body(const Request& req) { return ParseJsonObject(req.body); }

// A model the service returned, rendered by `to_json` (screening/json.h).
template <class T, class ToJson>
Response Reply(const absl::StatusOr<T>& v, ToJson to_json, int status = 200) {
  return v.ok() ? Response::Json(to_json(*v), status) : Response::Error(v.status());
}

// "sex,grade" -> {"sex", "grade"} (empty parts dropped).
std::vector<std::string> SplitList(std::string_view list) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : std::string(list) + ",") {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

// A unit id given as a JSON string in a body.
absl::StatusOr<int64_t> BodyUnitId(const std::string& s) {
  auto id = IdFromString(s);
  if (!id) return InvalidArgument("unit_id must be an id", "unit_id");
  return *id;
}

// GET /campaigns/{id}/...?unit_id=: the campaign and the optional unit.
struct CampaignUnit {
  int64_t campaign_id = 0;
  std::optional<int64_t> unit_id;
};

absl::StatusOr<CampaignUnit> ParseCampaignUnit(const Request& req) {
  XQ_RETURN_IF_ERROR(CheckQuery(req, {"unit_id"}));
  CampaignUnit out;
  XQ_ASSIGN_OR_RETURN(out.campaign_id, PathId(req));
  XQ_ASSIGN_OR_RETURN(out.unit_id, QueryId(req, "unit_id"));
  return out;
}

absl::StatusOr<AggregateQuery> ParseAggregateQuery(const Request& req) {
  AggregateQuery q;
  XQ_ASSIGN_OR_RETURN(q.unit_id, QueryId(req, "unit_id"));
  if (auto by = req.Query("by")) q.by = SplitList(*by);
  q.instrument_id = req.Query("instrument_id").value_or("");
  if (auto k = req.Query("k")) {
    char* end = nullptr;
    long v = std::strtol(k->c_str(), &end, 10);
    if (k->empty() || *end != '\0') return InvalidArgument("k must be an integer", "k");
    q.k = static_cast<int>(std::clamp<long>(v, -1, 100000));
  }
  return q;
}

// GET /campaigns/{id}/results?unit_id=&class_id=&band=&sort=&page_size=&after=
absl::StatusOr<ResultsQuery> ParseResultsQuery(const Request& req) {
  XQ_RETURN_IF_ERROR(CheckQuery(req, {"unit_id", "class_id", "band", "sort", "page_size", "after"}));
  ResultsQuery q;
  XQ_ASSIGN_OR_RETURN(q.unit_id, QueryId(req, "unit_id"));
  XQ_ASSIGN_OR_RETURN(q.class_id, QueryId(req, "class_id"));
  q.band = req.Query("band").value_or("");
  q.sort = req.Query("sort").value_or("");
  q.after = req.Query("after").value_or("");
  if (auto ps = req.Query("page_size"); ps && !ps->empty()) {
    char* end = nullptr;
    long v = std::strtol(ps->c_str(), &end, 10);
    if (*end != '\0') return InvalidArgument("page_size must be a number", "page_size");
    q.page_size = static_cast<int>(std::clamp<long>(v, -1, 100000));
  }
  return q;
}

}  // namespace

// Read as ParseJsonObject and JsonReader would (same errors, in the same
// order: submission_id, answers, unknown fields, elapsed_seconds), but in
// one pass without a DOM: this is the body of every submission.
absl::StatusOr<SubmitInput> ParseSubmitInput(std::string_view body) {
  if (!IsValidUtf8(body)) return InvalidArgument("body is not valid UTF-8");
  using Kind = JsonScanner::Kind;
  JsonScanner j(body);
  if (j.Peek() != Kind::kObject) {
    if (j.Skip() && j.Finish()) return InvalidArgument("expected a JSON object");
    return j.status();
  }
  SubmitInput in;
  // The kind of each known field as last given; kError: absent.
  Kind id_kind = Kind::kError, answers_kind = Kind::kError, elapsed_kind = Kind::kError;
  std::optional<std::string> unknown;  // the first in byte order, as JsonReader::Finish names it
  std::string key;
  double elapsed = 0;
  j.BeginObject();
  while (j.NextKey(&key)) {
    const Kind k = j.Peek();
    if (key == "submission_id") {
      id_kind = k;
      if (k == Kind::kString)
        j.ReadString(&in.submission_id);
      else
        j.Skip();
    } else if (key == "answers") {
      answers_kind = k;
      in.answers.clear();
      in.answers.reserve(32);
      if (k != Kind::kObject) {
        j.Skip();
        continue;
      }
      j.BeginObject();
      for (std::string item; j.NextKey(&item);) {
        GivenAnswer a;
        switch (j.Peek()) {
          case Kind::kNull:
            j.ReadNull();
            break;
          case Kind::kString:
            a.kind = GivenAnswer::Kind::kString;
            j.ReadString(&a.text);
            break;
          case Kind::kArray:
            a.kind = GivenAnswer::Kind::kArray;
            j.BeginArray();
            while (j.NextElement()) {
              if (j.Peek() == Kind::kString) {
                std::string code;
                j.ReadString(&code);
                a.codes.emplace_back(std::move(code));
              } else {
                j.Skip();
                a.codes.emplace_back(std::nullopt);
              }
            }
            break;
          default:
            a.kind = GivenAnswer::Kind::kOther;
            j.Skip();
        }
        in.answers.emplace_back(std::move(item), std::move(a));
      }
    } else if (key == "elapsed_seconds") {
      elapsed_kind = k;
      if (k == Kind::kNumber)
        j.ReadNumber(&elapsed);
      else
        j.Skip();
    } else {
      if (!unknown || key < *unknown) unknown = key;
      j.Skip();
    }
  }
  j.Finish();
  XQ_RETURN_IF_ERROR(j.status());
  if (id_kind == Kind::kError) return InvalidArgument("submission_id is required", "submission_id");
  if (id_kind != Kind::kString) return InvalidArgument("submission_id must be a string", "submission_id");
  if (in.submission_id.size() > 10000) return InvalidArgument("submission_id is too long", "submission_id");
  if (answers_kind == Kind::kError) return InvalidArgument("answers is required", "answers");
  if (unknown) return InvalidArgument("unknown field " + *unknown, *unknown);
  if (elapsed_kind != Kind::kError && elapsed_kind != Kind::kNull) {
    if (elapsed_kind != Kind::kNumber) return InvalidArgument("elapsed_seconds must be a number", "elapsed_seconds");
    in.elapsed_seconds = elapsed;
  }
  if (answers_kind != Kind::kObject) return InvalidArgument("answers must be an object", "answers");
  SortGivenAnswers(in.answers);
  return in;
}

std::string SubmitAnswer(const SubmitOutcome& out) {
  std::string b;
  b.reserve(1024);
  JsonObjectWriter o(b);  // keys in the DOM's (sorted) order
  o.Str("assignment_id", IdToString(out.submission.assignment_id)).Key("feedback");
  b += '[';
  for (size_t i = 0; i < out.feedback.size(); ++i) {
    if (i) b += ',';
    AppendJsonString(b, out.feedback[i]);
  }
  b += ']';
  if (out.hotlines)
    o.Raw("hotlines", out.hotlines->json);  // as held, not copied
  else
    o.Raw("hotlines", counselling::HotlinesJsonText(counselling::CityHotlines()));
  if (out.reach_out_now) o.Raw("reach_out_now", "true");
  o.Str("submission_id", out.submission.client_key).Str("submitted_at", FormatRfc3339(out.submission.submitted_at));
  o.End();
  return b;
}

void RegisterScreeningRoutes(http::Router& router, ScreeningService& svc) {
  RegisterInstrumentRoutes(router, svc);
  router.Add("GET", "/api/v1/screening-templates", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    return Reply(svc.ListTemplatesFor(*req.principal), TemplatesToJson);
  });

  router.Add("GET", "/api/v1/campaigns", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto list = svc.ListCampaigns(*req.principal);
    if (!list.ok()) return Response::Error(list.status());
    Json items = Json::array();
    for (const auto& c : *list) {
      Json j = {{"id", IdToString(c.id)},
                {"name", c.name},
                {"template", c.template_id},
                {"opens_on", c.opens_on},
                {"closes_on", c.closes_on},
                {"state", c.state},
                {"owner_unit_id", IdToString(c.owner_unit_id)}};
      // Titles as the policy's view for this caller has them (CampaignToJson).
      const Json detail = CampaignToJson(c);
      j["scales"] = detail["scales"];
      j["grades"] = c.grades;
      if (!c.owner_name.empty()) j["owner_unit_name"] = c.owner_name;
      items.push_back(std::move(j));
    }
    return Response::Json({{"items", items}, {"next", nullptr}, {"total", items.size()}});
  });

  router.Add("POST", "/api/v1/campaigns", [&svc](Request& req) {
    auto body = Body(req);
    if (!body.ok()) return Response::Error(body.status());
    auto in = CampaignInputOf(*body);
    if (!in.ok()) return Response::Error(in.status());
    auto c = svc.CreateCampaign(*req.principal, *in);
    if (!c.ok()) return Response::Error(c.status());
    auto full = svc.GetCampaign(*req.principal, c->id);
    if (!full.ok()) return Response::Error(full.status());
    full->assignments = c->assignments;
    return Response::Json(CampaignToJson(*full), 201);
  });

  router.Add("GET", "/api/v1/campaigns/{id}", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto c = svc.GetCampaign(*req.principal, *id);
    return c.ok() ? Response::Json(CampaignToJson(*c)) : Response::Error(c.status());
  });

  router.Add("POST", "/api/v1/campaigns/{id}/closure", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto c = svc.CloseCampaign(*req.principal, *id);
    return c.ok() ? Response::Json(CampaignToJson(*c)) : Response::Error(c.status());
  });

  router.Add("POST", "/api/v1/campaigns/{id}/consents", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto body = Body(req);
    if (!body.ok()) return Response::Error(body.status());
    JsonReader r(*body);
    std::string student, decision;
    r.Required("student_id", &student);
    r.Required("decision", &decision);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    auto sid = IdFromString(student);
    if (!sid) return Response::Error(InvalidArgument("student_id must be an id", "student_id"));
    auto c = svc.RecordConsent(*req.principal, *id, *sid, decision);
    if (!c.ok()) return Response::Error(c.status());
    return Response::Json({{"campaign_id", IdToString(c->campaign_id)},
                           {"student_id", IdToString(c->student_id)},
                           {"decision", c->decision},
                           {"source", c->source},
                           {"recorded_at", FormatRfc3339(c->recorded_at)}},
                          201);
  });

  router.Add("GET", "/api/v1/consent-requests", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    return Reply(svc.ConsentRequests(*req.principal), ConsentRequestsToJson);
  });

  router.Add("GET", "/api/v1/campaigns/{id}/progress", [&svc](Request& req) {
    auto cu = ParseCampaignUnit(req);
    if (!cu.ok()) return Response::Error(cu.status());
    return Reply(svc.Progress(*req.principal, cu->campaign_id, cu->unit_id), ProgressToJson);
  });

  router.Add("GET", "/api/v1/campaigns/{id}/non-respondents", [&svc](Request& req) {
    auto cu = ParseCampaignUnit(req);
    if (!cu.ok()) return Response::Error(cu.status());
    if (!cu->unit_id) return Response::Error(InvalidArgument("unit_id is required", "unit_id"));
    return Reply(svc.NonRespondents(*req.principal, cu->campaign_id, *cu->unit_id), NonRespondentsToJson);
  });

  router.Add("POST", "/api/v1/campaigns/{id}/reminders", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto body = Body(req);
    if (!body.ok()) return Response::Error(body.status());
    JsonReader r(*body);
    std::string unit;
    r.Required("unit_id", &unit);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    auto uid = BodyUnitId(unit);
    if (!uid.ok()) return Response::Error(uid.status());
    return Reply(svc.Remind(*req.principal, *id, *uid), ReminderToJson, 201);
  });

  router.Add("GET", "/api/v1/campaigns/{id}/results", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto q = ParseResultsQuery(req);
    if (!q.ok()) return Response::Error(q.status());
    return Reply(svc.ResultsPage(*req.principal, *id, *q), ResultsPageToJson);
  });

  router.Add("GET", "/api/v1/settings/suppression", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    return Reply(svc.SuppressionSetting(*req.principal), SuppressionToJson);
  });

  router.Add("PUT", "/api/v1/settings/suppression", [&svc](Request& req) {
    auto body = Body(req);
    if (!body.ok()) return Response::Error(body.status());
    JsonReader r(*body);
    int64_t k = 0;
    r.Required("k", &k);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    return Reply(svc.SetSuppressionSetting(*req.principal, static_cast<int>(std::clamp<int64_t>(k, -1, 100000))),
                 SuppressionToJson);
  });

  router.Add("GET", "/api/v1/diagnostic-words", [](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    Json items = Json::array();
    for (auto w : policy::DiagnosticWords()) items.push_back(std::string(w));
    return Response::Json({{"items", items}});
  });

  router.Add("GET", "/api/v1/campaigns/{id}/aggregates", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"unit_id", "by", "instrument_id", "k"}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto q = ParseAggregateQuery(req);
    if (!q.ok()) return Response::Error(q.status());
    return Reply(svc.Aggregates(*req.principal, *id, *q), AggregatesToJson);
  });

  router.Add("POST", "/api/v1/campaigns/{id}/exports", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto body = Body(req);
    if (!body.ok()) return Response::Error(body.status());
    JsonReader r(*body);
    std::string kind;
    std::optional<std::string> reason, unit, by, instrument;
    std::optional<int64_t> k;
    r.Required("kind", &kind);
    r.Optional("reason", &reason);
    r.Optional("unit_id", &unit);
    r.Optional("by", &by);
    r.Optional("instrument_id", &instrument);
    r.Optional("k", &k);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    AggregateQuery q;
    if (unit) {
      auto uid = BodyUnitId(*unit);
      if (!uid.ok()) return Response::Error(uid.status());
      q.unit_id = *uid;
    }
    if (by) q.by = SplitList(*by);
    q.instrument_id = instrument.value_or("");
    if (k) q.k = static_cast<int>(std::clamp<int64_t>(*k, -1, 100000));
    auto file = svc.ExportXlsx(*req.principal, *id, kind, reason.value_or(""), q);
    if (!file.ok()) return Response::Error(file.status());
    return Response::File(std::move(file->body), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          file->filename);
  });

  router.Add("GET", "/api/v1/students/{id}/screening-results", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    return Reply(svc.StudentHistory(*req.principal, *id), StudentHistoryToJson);
  });

  router.Add("GET", "/api/v1/assignments", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    return Reply(svc.ListAssignments(*req.principal), AssignmentsToJson);
  });

  router.Add("GET", "/api/v1/assignments/{id}", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    return Reply(svc.GetAssignment(*req.principal, *id), AssignmentToJson);
  });

  router.Add("PUT", "/api/v1/assignments/{id}/draft", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto body = Body(req);
    if (!body.ok()) return Response::Error(body.status());
    JsonReader r(std::move(*body));
    Json answers;
    std::optional<int64_t> position;
    r.Required("answers", &answers);
    r.Optional("position", &position);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    auto given = GivenAnswersOf(answers);
    if (!given.ok()) return Response::Error(given.status());
    int pos = static_cast<int>(std::clamp<int64_t>(position.value_or(0), -1, 100000));
    auto st = svc.SaveDraft(*req.principal, *id, *given, pos);
    return st.ok() ? Response::NoContent() : Response::Error(st);
  });

  router.Add("POST", "/api/v1/assignments/{id}/submission", [&svc](Request& req) {
    auto id = PathId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto in = ParseSubmitInput(req.body);
    if (!in.ok()) return Response::Error(in.status());
    // Answered after the commit, without holding a handler thread meanwhile;
    // the response is made on the connection's I/O thread.
    auto later = std::make_shared<http::Deferred>();
    svc.SubmitAsync(*req.principal, *id, *in, [later](absl::StatusOr<SubmitOutcome> out) {
      later->Complete([out = std::move(out)] {
        if (!out.ok()) return Response::Error(out.status());
        return Response::JsonText(SubmitAnswer(*out), out->repeat ? 200 : 201);
      });
    });
    return Response::Later(later);
  });
}

}  // namespace xq::screening
