// The service's frame (construction, the campaign cache, audit) and
// answering: assignments, drafts, scoring and submission. Templates and
// campaigns are in screening_campaigns.cc, reporting in
// screening_reporting.cc, paper import in screening_import.cc.
#include "screening/screening_service.h"

#include <algorithm>
#include <future>
#include <set>

#include "audit/audited.h"
#include "core/ids.h"
#include "core/status.h"
#include "fmt/format.h"
#include "instruments/registry.h"
#include "instruments/scoring.h"
#include "screening/screening_internal.h"

namespace xq::screening {
using namespace internal;  // NOLINT: the service's own helpers

namespace {

constexpr std::string_view kReachOutNowText =
    "谢谢你如实说出自己的感受，这需要勇气。你现在的感受很重要，你不是一个人在面对。"
    "请现在就找人说一说：拨打这里列出的热线（有人会认真听你说），或者马上告诉一位你信任的老师、家长或学校心理老师。"
    "如果你此刻觉得可能会伤害自己，请立即拨打热线或 120，并请身边的人陪着你。学校心理老师也会尽快来关心你。";

// The plan that classifies with the campaign scale's norm set (its
// definition's default when the campaign predates norm sets).
const instruments::ScoringPlan& PlanOf(const instruments::Registry::Entry& e, const CampaignScale& s) {
  const instruments::ScoringPlan* p = e.PlanFor(s.norm_set);
  return p ? *p : e.plan;
}

struct ParsedAnswers {
  instruments::Response response;
  std::string stored;  // the answers given (nulls left out), as JSON
};

// Answers → scoring response. Codes are option codes (strings); multi
// items take an array of codes; text items take free text (stored, not
// scored); null = unanswered. The stored text is the answers object
// without its nulls, written as Json::dump would (keys sorted, as given
// answers are). Keys are written unescaped: only item ids of the scale get
// there, and a definition's ids are plain ([A-Za-z0-9_./-]).
absl::StatusOr<ParsedAnswers> ParseAnswers(const instruments::ScoringPlan& plan, const GivenAnswers& answers) {
  ParsedAnswers out;
  out.response = plan.NewResponse();
  out.stored.reserve(16 * answers.size() + 2);
  JsonObjectWriter stored(out.stored);
  const auto& def = plan.definition();
  using Kind = GivenAnswer::Kind;
  for (const auto& [key, value] : answers) {
    int idx = plan.ItemIndex(key);
    if (idx < 0) return InvalidArgument(fmt::format("unknown item '{}'", key), "answers." + key);
    if (value.kind == Kind::kNull) continue;
    const auto& item = def.items[idx];
    if (item.type == instruments::ItemType::kText) {
      if (value.kind != Kind::kString || value.text.size() > 2000)
        return InvalidArgument("a text answer must be a string of at most 2000 bytes", "answers." + key);
      stored.Str(key, value.text);
      continue;
    }
    if (item.type == instruments::ItemType::kMulti) {
      if (value.kind != Kind::kArray)
        return InvalidArgument("a multiple-choice answer is an array of codes", "answers." + key);
      int32_t mask = 0;
      stored.Key(key);
      out.stored += '[';
      for (const auto& code : value.codes) {
        auto opt = code ? plan.OptionByCode(idx, *code) : std::nullopt;
        if (!opt) return InvalidArgument(fmt::format("unknown option for item '{}'", key), "answers." + key);
        mask |= int32_t{1} << *opt;
        if (out.stored.back() != '[') out.stored += ',';
        AppendJsonString(out.stored, *code);
      }
      out.stored += ']';
      out.response.answers[idx] = mask;
      continue;
    }
    std::optional<int32_t> opt;
    if (value.kind == Kind::kString) opt = plan.OptionByCode(idx, value.text);
    if (!opt) return InvalidArgument(fmt::format("unknown option for item '{}'", key), "answers." + key);
    out.response.answers[idx] = *opt;
    stored.Str(key, value.text);
  }
  stored.End();
  return out;
}

instruments::Sex SexOf(std::string_view s) {
  if (s == "M") return instruments::Sex::kMale;
  if (s == "F") return instruments::Sex::kFemale;
  return instruments::Sex::kUnknown;
}

}  // namespace

void SortGivenAnswers(GivenAnswers& answers) {
  auto before = [](const auto& a, const auto& b) { return a.first < b.first; };
  auto not_before = [&](const auto& a, const auto& b) { return !before(a, b); };
  if (std::adjacent_find(answers.begin(), answers.end(), not_before) == answers.end())
    return;  // in order already, no key twice (as clients send them)
  std::stable_sort(answers.begin(), answers.end(), before);
  // Of equal keys (adjacent now, in document order) the last one stays.
  size_t out = 0;
  for (size_t i = 0; i < answers.size(); ++i) {
    if (i + 1 < answers.size() && answers[i + 1].first == answers[i].first) continue;
    if (out != i) answers[out] = std::move(answers[i]);
    ++out;
  }
  answers.resize(out);
}

absl::StatusOr<GivenAnswers> GivenAnswersOf(const Json& answers) {
  if (!answers.is_object()) return InvalidArgument("answers must be an object", "answers");
  GivenAnswers out;
  out.reserve(answers.size());
  for (const auto& [key, value] : answers.items()) {  // in key order, unique
    GivenAnswer a;
    if (value.is_null()) {
      a.kind = GivenAnswer::Kind::kNull;
    } else if (value.is_string()) {
      a.kind = GivenAnswer::Kind::kString;
      a.text = value.get<std::string>();
    } else if (value.is_array()) {
      a.kind = GivenAnswer::Kind::kArray;
      for (const auto& v : value)
        a.codes.push_back(v.is_string() ? std::optional<std::string>(v.get<std::string>()) : std::nullopt);
    } else {
      a.kind = GivenAnswer::Kind::kOther;
    }
    out.emplace_back(key, std::move(a));
  }
  return out;
}

// ---------------------------------------------------------------- positivity

bool IsPositive(const instruments::ScoringPlan& plan, const instruments::Result& r) {
  static const std::set<std::string, std::less<>> kBands = {"moderate", "moderately_severe", "severe",
                                                            "high",     "very_high",         "at_or_above_cutoff"};
  static const std::set<std::string, std::less<>> kLevels = {"I", "high", "moderate"};
  if (!r.critical.empty()) return true;
  const auto& d = plan.definition();
  const auto& refs = plan.band_sets();
  for (size_t k = 0; k < r.bands.size() && k < refs.size(); ++k) {
    if (r.bands[k] < 0 || !d.scores[refs[k].score].report || refs[k].name.find('.') != std::string::npos) continue;
    if (kBands.contains(d.scores[refs[k].score].band_sets[refs[k].set].bands[r.bands[k]].id)) return true;
  }
  for (size_t c = 0; c < r.classes.size() && c < d.classes.size(); ++c)
    if (r.classes[c] >= 0 && kLevels.contains(d.classes[c].levels[r.classes[c]].id)) return true;
  return false;
}

// ---------------------------------------------------------------- suppression

Suppression Suppress(const std::vector<std::vector<int64_t>>& counts, int k) {
  Suppression s;
  const size_t rows = counts.size(), cols = rows ? counts[0].size() : 0;
  s.cell.assign(rows, std::vector<bool>(cols, false));
  s.row_total.assign(rows, false);
  s.col_total.assign(cols, false);
  std::vector<int64_t> row_sum(rows, 0), col_sum(cols, 0);
  int64_t grand = 0;
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c) {
      row_sum[r] += counts[r][c];
      col_sum[c] += counts[r][c];
      grand += counts[r][c];
      if (counts[r][c] > 0 && counts[r][c] < k) s.cell[r][c] = true;
    }
  const bool show_row_totals = cols > 1;
  for (size_t r = 0; r < rows; ++r) s.row_total[r] = !show_row_totals || (row_sum[r] > 0 && row_sum[r] < k);
  for (size_t c = 0; c < cols; ++c) s.col_total[c] = col_sum[c] > 0 && col_sum[c] < k;
  s.grand_total = grand > 0 && grand < k;
  // A line (its cells plus its shown total) must not have exactly one
  // hidden cell; hide the smallest other cell, or the total if none is left.
  auto fix_line = [&](std::vector<std::pair<size_t, size_t>> line, bool& total_hidden) {
    if (total_hidden) return false;
    int hidden = 0;
    for (auto [r, c] : line) hidden += s.cell[r][c] ? 1 : 0;
    if (hidden != 1) return false;
    std::optional<std::pair<size_t, size_t>> best;
    for (auto [r, c] : line) {
      if (s.cell[r][c]) continue;
      if (!best || counts[r][c] < counts[best->first][best->second]) best = {r, c};
    }
    if (best) {
      s.cell[best->first][best->second] = true;
    } else {
      total_hidden = true;
    }
    return true;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t r = 0; r < rows; ++r) {
      std::vector<std::pair<size_t, size_t>> line;
      for (size_t c = 0; c < cols; ++c) line.emplace_back(r, c);
      bool hidden = s.row_total[r];
      if (fix_line(line, hidden)) changed = true;
      s.row_total[r] = hidden;
    }
    for (size_t c = 0; c < cols; ++c) {
      std::vector<std::pair<size_t, size_t>> line;
      for (size_t r = 0; r < rows; ++r) line.emplace_back(r, c);
      bool hidden = s.col_total[c];
      if (fix_line(line, hidden)) changed = true;
      s.col_total[c] = hidden;
    }
    // Totals: exactly one hidden column total beside a shown grand total
    // is recoverable too.
    std::vector<std::pair<size_t, size_t>> none;
    int hidden_cols = 0;
    for (size_t c = 0; c < cols; ++c) hidden_cols += s.col_total[c] ? 1 : 0;
    if (hidden_cols == 1 && !s.grand_total) {
      s.grand_total = true;
      changed = true;
    }
    int hidden_rows = 0;
    for (size_t r = 0; r < rows; ++r) hidden_rows += (show_row_totals && s.row_total[r]) ? 1 : 0;
    if (hidden_rows == 1 && !s.grand_total) {
      s.grand_total = true;
      changed = true;
    }
  }
  return s;
}

// ---------------------------------------------------------------- cache

ScreeningService::ScreeningService(db::Database& db, ScreeningStore& store, SubmissionWriter& writer,
                                   audit::AuditLog& audit, counselling::HotlineService& hotlines, const Clock& clock)
    : db_(db),
      store_(store),
      writer_(writer),
      audit_(audit),
      hotlines_(hotlines),
      clock_(clock),
      tallies_(db, clock, [](int consent_age, const std::string& birth, const std::string& today) {
        const int age = AgeOn(birth, today);
        return age < 0 || age < consent_age;
      }) {}

absl::StatusOr<std::shared_ptr<const Campaign>> ScreeningService::CampaignById(int64_t id) {
  {
    std::lock_guard lk(cache_mu_);
    if (auto it = campaigns_.find(id); it != campaigns_.end()) return it->second;
  }
  XQ_ASSIGN_OR_RETURN(auto c, store_.GetCampaign(id));
  if (!c) return std::shared_ptr<const Campaign>();
  auto held = std::make_shared<const Campaign>(std::move(*c));
  std::lock_guard lk(cache_mu_);
  if (campaigns_.size() > 10000) campaigns_.clear();
  campaigns_[id] = held;
  return held;
}

// ---------------------------------------------------------------- audit

absl::Status ScreeningService::Audit(const policy::Principal* p, std::string action, std::string object_type,
                                     std::string object_id, int64_t student_id, std::string outcome, std::string detail,
                                     std::string purpose) {
  audit::Event e;
  e.actor_id = p ? p->account_id : 0;
  e.actor_role = p ? policy::PrimaryRole(p->actor) : "system";
  e.action = std::move(action);
  e.object_type = std::move(object_type);
  e.object_id = std::move(object_id);
  e.student_id = student_id;
  e.outcome = std::move(outcome);
  e.detail = std::move(detail);
  e.purpose = std::move(purpose);
  return audit::Record(audit_, e);  // a failed audit write fails the request
}

// ---------------------------------------------------------------- answering

absl::StatusOr<bool> ScreeningService::MayAnswer(const Campaign& c, const StudentInfo& s, std::string* why) {
  XQ_ASSIGN_OR_RETURN(auto consent, store_.GetConsent(c.id, s.id));
  return MayAnswer(c, s, consent, why);
}

bool ScreeningService::MayAnswer(const Campaign& c, const StudentInfo& s, const std::optional<Consent>& consent,
                                 std::string* why) const {
  const std::string today = FormatDate(clock_.NowMicros());
  if (c.state != "open" || today > c.closes_on) {
    *why = "closed";
    return false;
  }
  if (today < c.opens_on) {
    *why = "not_open";
    return false;
  }
  if (consent && consent->decision == "decline") {
    *why = "declined";
    return false;
  }
  if (NeedsConsent(c, s) && !(consent && consent->decision == "consent")) {
    *why = "awaiting_consent";
    return false;
  }
  return true;
}

bool ScreeningService::NeedsConsent(const Campaign& c, const StudentInfo& s) const {
  const int age = AgeOn(s.birth_date, FormatDate(clock_.NowMicros()));
  return age < 0 || age < c.consent_age;
}

bool ScreeningService::AwaitsConsent(const Campaign& c, const ProgressRow& r) const {
  if (r.consent == "consent" || r.consent == "decline") return false;
  const int age = AgeOn(r.birth_date, FormatDate(clock_.NowMicros()));
  return age < 0 || age < c.consent_age;
}

absl::Status ScreeningService::HoldContextsOf(int64_t student_id, int64_t now) {
  if (contexts_.StudentHeld(student_id, now)) return absl::OkStatus();
  XQ_ASSIGN_OR_RETURN(auto mine, store_.UnsubmittedContextsOf(student_id));
  contexts_.PutStudent(student_id, std::move(mine), now);
  return absl::OkStatus();
}

absl::StatusOr<size_t> ScreeningService::HoldOpenAssessments(const std::vector<int64_t>& student_ids) {
  constexpr size_t kChunk = 500;  // students per query
  for (size_t i = 0; i < student_ids.size(); i += kChunk) {
    std::vector<int64_t> chunk(
        student_ids.begin() + static_cast<std::ptrdiff_t>(i),
        student_ids.begin() + static_cast<std::ptrdiff_t>(std::min(i + kChunk, student_ids.size())));
    const int64_t now = clock_.NowMicros();  // before the read: never held longer than read
    XQ_ASSIGN_OR_RETURN(auto contexts, store_.UnsubmittedContextsOf(chunk));
    contexts_.PutStudents(chunk, std::move(contexts), now);
  }
  return contexts_.size();
}

absl::StatusOr<std::vector<AssignmentSummary>> ScreeningService::ListAssignments(const policy::Principal& p) {
  if (p.actor.student_id == 0) return PermissionDenied("only students have assessments to answer");
  XQ_ASSIGN_OR_RETURN(auto s, store_.GetStudent(p.actor.student_id));
  if (!s) return NotFound("student not found");
  // Answering follows the list: its submissions then read nothing.
  XQ_RETURN_IF_ERROR(HoldContextsOf(s->id, clock_.NowMicros()));
  XQ_ASSIGN_OR_RETURN(auto assignments, store_.AssignmentsOfStudent(s->id));
  std::map<int64_t, std::shared_ptr<const Campaign>> campaigns;
  std::vector<AssignmentSummary> out;
  for (const auto& a : assignments) {
    if (!campaigns.count(a.campaign_id)) {
      XQ_ASSIGN_OR_RETURN(campaigns[a.campaign_id], CampaignById(a.campaign_id));
    }
    const auto& c = campaigns[a.campaign_id];
    if (!c || a.position >= static_cast<int>(c->scales.size())) continue;
    const auto* e = FindScale(c->scales[a.position]);
    std::string state = a.state;
    if (state == "pending") {
      std::string why;
      XQ_ASSIGN_OR_RETURN(bool ok, MayAnswer(*c, *s, &why));
      if (!ok) {
        state = why;
      } else {
        XQ_ASSIGN_OR_RETURN(auto draft, store_.GetDraft(a.id));
        if (draft) state = "in_progress";
      }
    }
    if (state == "closed" || state == "not_open") continue;
    out.push_back({a.id, c->id, c->name, c->scales[a.position].instrument_id, a.position,
                   e ? e->definition.items.size() : 0, std::move(state), c->closes_on});
  }
  return out;
}

absl::StatusOr<AssignmentDetail> ScreeningService::GetAssignment(const policy::Principal& p, int64_t id) {
  XQ_ASSIGN_OR_RETURN(auto a, store_.GetAssignment(id));
  if (!a || p.actor.student_id == 0 || a->student_id != p.actor.student_id) return NotFound("assessment not found");
  XQ_ASSIGN_OR_RETURN(auto c, CampaignById(a->campaign_id));
  XQ_ASSIGN_OR_RETURN(auto s, store_.GetStudent(a->student_id));
  if (!c || !s || a->position >= static_cast<int>(c->scales.size())) return NotFound("assessment not found");
  const auto* e = FindScale(c->scales[a->position]);
  if (!e) return Internal("the campaign's scale version is not available");
  AssignmentDetail out{a->id, a->state, c, a->position, e, std::nullopt};
  if (out.state == "pending") {
    std::string why;
    XQ_ASSIGN_OR_RETURN(bool ok, MayAnswer(*c, *s, &why));
    if (!ok) out.state = why;
  }
  // Own answers are visible until submitted (D2).
  auto d = policy::Decide(p.actor, Action::kRead, [&] {
    auto r = StudentRes(DataClass::kRawAnswers, a->student_id, a->unit_path);
    r.submitted = a->state == "submitted";
    return r;
  }());
  if (d.allowed) {
    XQ_ASSIGN_OR_RETURN(out.draft, store_.GetDraft(a->id));
  }
  return out;
}

absl::Status ScreeningService::SaveDraft(const policy::Principal& p, int64_t id, const GivenAnswers& answers,
                                         int position) {
  XQ_ASSIGN_OR_RETURN(auto a, store_.GetAssignment(id));
  if (!a || p.actor.student_id == 0 || a->student_id != p.actor.student_id) return NotFound("assessment not found");
  auto r = StudentRes(DataClass::kRawAnswers, a->student_id, a->unit_path);
  r.submitted = a->state == "submitted";
  auto d = policy::Decide(p.actor, Action::kWrite, r);
  if (!d.allowed) return Conflict("the answers are already submitted");
  XQ_ASSIGN_OR_RETURN(auto c, CampaignById(a->campaign_id));
  XQ_ASSIGN_OR_RETURN(auto s, store_.GetStudent(a->student_id));
  if (!c || !s) return NotFound("assessment not found");
  std::string why;
  XQ_ASSIGN_OR_RETURN(bool ok, MayAnswer(*c, *s, &why));
  if (!ok) return PermissionDenied("this assessment cannot be answered now: " + why);
  const auto* e = FindScale(c->scales[a->position]);
  if (!e) return Internal("the campaign's scale version is not available");
  if (position < 0 || position > static_cast<int>(e->definition.items.size()))
    return InvalidArgument("position is outside the scale", "position");
  XQ_ASSIGN_OR_RETURN(auto parsed, ParseAnswers(e->plan, answers));
  return store_.PutDraft(id, Draft{std::move(parsed.stored), position, clock_.NowMicros()});
}

absl::StatusOr<WriteRequest> ScreeningService::Score(const Campaign& c, const Assignment& a, const StudentInfo& s,
                                                     const GivenAnswers& answers, std::optional<double> elapsed,
                                                     std::string client_key, std::string source,
                                                     std::vector<std::string>* feedback_keys) {
  const auto* e = FindScale(c.scales[a.position]);
  if (!e) return Internal("the campaign's scale version is not available");
  const instruments::ScoringPlan& plan = PlanOf(*e, c.scales[a.position]);
  XQ_ASSIGN_OR_RETURN(auto parsed, ParseAnswers(plan, answers));
  parsed.response.elapsed_seconds = elapsed;
  parsed.response.sex = SexOf(s.sex);
  int age = AgeOn(s.birth_date, FormatDate(clock_.NowMicros()));
  if (age >= 0) parsed.response.age = age;
  if (s.grade_year >= 1 && s.grade_year <= 12) parsed.response.grade = s.grade_year;
  auto scored = plan.Score(parsed.response);
  if (!scored.ok()) {
    auto field = FieldOf(scored.status());
    std::string f = field ? *field : "answers";
    if (field && plan.ItemIndex(*field) >= 0) f = "answers." + *field;
    return InvalidArgument(std::string(scored.status().message()), f);
  }
  const auto& def = e->definition;
  WriteRequest w;
  Submission& x = w.submission;
  x.id = NewId();
  x.assignment_id = a.id;
  x.client_key = std::move(client_key);
  x.campaign_id = c.id;
  x.student_id = s.id;
  x.school_id = s.school_id;
  x.unit_path = a.unit_path;
  x.instrument_id = def.id;
  x.version = def.version;
  x.answers = std::move(parsed.stored);
  x.result = instruments::ResultJsonText(plan, *scored);  // names the norm set
  x.positive = IsPositive(plan, *scored);
  x.critical = !scored->critical.empty();
  x.valid = scored->valid;
  if (feedback_keys)
    for (int f : scored->feedback) feedback_keys->push_back(def.feedback[f].key);
  x.source = std::move(source);
  x.sex = s.sex;
  x.grade_year = s.grade_year;
  x.school_kind = s.school_kind;
  x.submitted_at = clock_.NowMicros();
  // The urgent warnings and the follow-up are the warning module's: it
  // raises them from the submissions log (screening/events.h).
  w.urgent_warnings = static_cast<int>(scored->critical.size());
  return w;
}

std::vector<std::string> ScreeningService::FeedbackTexts(const policy::Actor& actor, const Submission& x) const {
  std::vector<std::string> keys;
  auto result = ParseJson(x.result);
  if (result.ok() && result->contains("feedback"))
    for (const auto& key : (*result)["feedback"])
      if (key.is_string()) keys.push_back(key.get<std::string>());
  return FeedbackTexts(actor, x, keys);
}

std::vector<std::string> ScreeningService::FeedbackTexts(const policy::Actor& actor, const Submission& x,
                                                         const std::vector<std::string>& keys) const {
  std::vector<std::string> out;
  // After a critical answer the student reads one caring text that urges
  // reaching out now (the hotlines follow at once), not the scale's
  // everyday advice; it names no condition and no score.
  if (x.critical) return {std::string(kReachOutNowText)};
  const auto* e = instruments::BundledDefinitions().Find(x.instrument_id, x.version);
  // D3 for a student: the neutral feedback text only, and only if the scale
  // has feedback written for students.
  policy::Resource r = StudentRes(DataClass::kResults, x.student_id, x.unit_path);
  if (e) {
    for (const auto& f : e->definition.feedback)
      r.feedback_allowed = r.feedback_allowed || f.audience == instruments::Audience::kStudent;
  }
  auto d = policy::Decide(actor, Action::kRead, r);
  if (d.allowed && d.view == policy::View::kFeedbackOnly && e) {
    for (const auto& key : keys) {
      for (const auto& f : e->definition.feedback) {
        if (f.key == key && f.audience == instruments::Audience::kStudent) out.push_back(TextOf(f.text));
      }
    }
  }
  if (out.empty()) out.push_back("谢谢你认真完成这份问卷。如果想找人聊聊，可以随时联系学校心理老师或拨打下方热线。");
  return out;
}

absl::StatusOr<ScreeningService::PreparedSubmit> ScreeningService::PrepareSubmit(const policy::Principal& p, int64_t id,
                                                                                 const SubmitInput& in) {
  if (in.submission_id.empty() || in.submission_id.size() > 100)
    return InvalidArgument("submission_id is required (at most 100 characters)", "submission_id");
  if (in.elapsed_seconds && (*in.elapsed_seconds < 0 || *in.elapsed_seconds > 86400))
    return InvalidArgument("elapsed_seconds must be 0..86400", "elapsed_seconds");
  if (p.actor.student_id == 0) return NotFound("assessment not found");
  const int64_t now = clock_.NowMicros();
  std::optional<SubmitContext> ctx = contexts_.Find(id, now);
  if (!ctx) {
    // The student's other scales are likely to follow: read all of the
    // student's open assignments at once (unless held already).
    XQ_RETURN_IF_ERROR(HoldContextsOf(p.actor.student_id, now));
    ctx = contexts_.Find(id, now);
  }
  bool from_memory = ctx.has_value();
  // Submitted, someone else's or no such assignment: as stored.
  if (!ctx) {
    XQ_ASSIGN_OR_RETURN(ctx, store_.GetSubmitContext(id));
  }
  if (!ctx || ctx->assignment.student_id != p.actor.student_id) return NotFound("assessment not found");
  const Assignment* a = &ctx->assignment;
  const StudentInfo* s = ctx->student.get();
  const std::optional<Submission>& existing = ctx->submission;
  PreparedSubmit prep;
  SubmitOutcome& out = prep.out;
  XQ_ASSIGN_OR_RETURN(out.hotlines, hotlines_.ForUnit(s->unit_path));
  if (existing) {
    if (existing->client_key != in.submission_id) return Conflict("the answers are already submitted", "submission_id");
    out.submission = *existing;
    out.repeat = true;
    out.reach_out_now = existing->critical;
    out.feedback = FeedbackTexts(p.actor, *existing);
    return prep;
  }
  auto r = StudentRes(DataClass::kRawAnswers, a->student_id, a->unit_path);
  if (!policy::Decide(p.actor, Action::kWrite, r).allowed) return NotFound("assessment not found");
  XQ_ASSIGN_OR_RETURN(auto c, CampaignById(a->campaign_id));
  if (!c || a->position >= static_cast<int>(c->scales.size())) return NotFound("assessment not found");
  std::string why;
  if (!MayAnswer(*c, *s, ctx->consent, &why) && from_memory) {
    // A consent recorded on another server since the read: decide again as stored.
    contexts_.ForgetStudent(a->student_id);
    XQ_ASSIGN_OR_RETURN(ctx, store_.GetSubmitContext(id));
    if (!ctx || ctx->assignment.student_id != p.actor.student_id) return NotFound("assessment not found");
    if (ctx->submission) return PrepareSubmit(p, id, in);  // submitted meanwhile: a repeat or a conflict
    a = &ctx->assignment;
    s = ctx->student.get();
    from_memory = false;
  }
  if (!from_memory && !MayAnswer(*c, *s, ctx->consent, &why))
    return PermissionDenied("this assessment cannot be answered now: " + why);
  std::vector<std::string> feedback_keys;
  XQ_ASSIGN_OR_RETURN(auto w,
                      Score(*c, *a, *s, in.answers, in.elapsed_seconds, in.submission_id, "online", &feedback_keys));
  // Worked out here, not on the writer thread after the commit.
  out.feedback = FeedbackTexts(p.actor, w.submission, feedback_keys);
  out.reach_out_now = w.submission.critical;
  // out.submission is the stored row, given when the write completes.
  // Checked again by the writer's claim, in the committing transaction.
  w.needs_consent = NeedsConsent(*c, *s);
  prep.write = std::move(w);
  return prep;
}

void ScreeningService::SubmitAsync(const policy::Principal& p, int64_t id, const SubmitInput& in, SubmitDone done) {
  auto prep = PrepareSubmit(p, id, in);
  if (!prep.ok()) return done(prep.status());
  if (!prep->write) return done(std::move(prep->out));
  const int64_t fresh_id = prep->write->submission.id;
  writer_.WriteAsync(std::move(*prep->write), [this, out = std::move(prep->out), actor = p.actor, fresh_id, id,
                                               done = std::move(done)](absl::StatusOr<Submission> stored) mutable {
    contexts_.Forget(id);  // submitted, or to be read again
    tallies_.Touch();
    if (stored.status().code() == absl::StatusCode::kPermissionDenied) contexts_.ForgetStudent(actor.student_id);
    if (!stored.ok()) return done(stored.status());
    out.repeat = stored->id != fresh_id;  // a concurrent repeat committed first
    if (out.repeat) out.feedback = FeedbackTexts(actor, *stored);
    if (out.repeat) out.reach_out_now = stored->critical;
    out.submission = std::move(*stored);
    done(std::move(out));
  });
}

absl::StatusOr<SubmitOutcome> ScreeningService::Submit(const policy::Principal& p, int64_t id, const SubmitInput& in) {
  std::promise<absl::StatusOr<SubmitOutcome>> promise;
  auto fut = promise.get_future();
  SubmitAsync(p, id, in, [&promise](absl::StatusOr<SubmitOutcome> out) { promise.set_value(std::move(out)); });
  return fut.get();
}

}  // namespace xq::screening
