// Router, status mapping, request helpers and the middleware chain, all
// without sockets (the server itself is covered by http_test.cc).
#include "http/router.h"

#include <stdexcept>

#include "core/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/pipeline.h"
#include "http/request.h"

namespace xq::http {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

Handler Named(std::string name) {
  return [name](Request& req) {
    nlohmann::json params = nlohmann::json::object();
    for (const auto& [k, v] : req.params) params[k] = v;
    return Response::Json({{"route", name}, {"params", params}});
  };
}

RouteOptions Options(Auth auth, bool csrf = true, std::vector<std::string> types = {}) {
  RouteOptions o;
  o.auth = auth;
  o.csrf = csrf;
  o.content_types = std::move(types);
  return o;
}

nlohmann::json BodyOf(const Response& r) { return nlohmann::json::parse(r.body); }

TEST(RouterTest, MatchesTemplatesAndFillsParams) {
  Router router;
  router.Add("GET", "/api/v1/students/{id}", Named("get"));
  router.Add("GET", "/api/v1/students/{id}/archive/{entry}", Named("entry"));
  std::map<std::string, std::string> params;
  bool path_matched = false;
  const Route* r = router.Match("GET", "/api/v1/students/12", &params, &path_matched);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->path_template, "/api/v1/students/{id}");
  EXPECT_THAT(params, ElementsAre(Pair("id", "12")));
  EXPECT_TRUE(path_matched);

  r = router.Match("GET", "/api/v1/students/7/archive/x9", &params, &path_matched);
  ASSERT_NE(r, nullptr);
  EXPECT_THAT(params, ElementsAre(Pair("entry", "x9"), Pair("id", "7")));
}

TEST(RouterTest, LiteralSegmentsBeatParameters) {
  Router router;
  router.Add("POST", "/api/v1/students/{id}", Named("param"));
  router.Add("POST", "/api/v1/students/import", Named("literal"));
  router.Add("GET", "/api/v1/{kind}/import", Named("late-literal"));
  router.Add("GET", "/api/v1/students/{id}", Named("early-literal"));
  std::map<std::string, std::string> params;
  const Route* r = router.Match("POST", "/api/v1/students/import", &params, nullptr);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->path_template, "/api/v1/students/import");
  EXPECT_TRUE(params.empty());
  r = router.Match("POST", "/api/v1/students/42", &params, nullptr);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->path_template, "/api/v1/students/{id}");
  // Leftmost literal wins: "students" (segment 3) beats "{kind}".
  r = router.Match("GET", "/api/v1/students/import", &params, nullptr);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->path_template, "/api/v1/students/{id}");
  EXPECT_THAT(params, ElementsAre(Pair("id", "import")));
}

TEST(RouterTest, DistinguishesUnknownPathFromWrongMethod) {
  Router router;
  router.Add("GET", "/api/v1/things", Named("list"));
  router.Add("POST", "/api/v1/things", Named("create"));
  router.Add("DELETE", "/api/v1/things/{id}", Named("delete"));
  bool path_matched = true;
  EXPECT_EQ(router.Match("PUT", "/api/v1/things", nullptr, &path_matched), nullptr);
  EXPECT_TRUE(path_matched);
  EXPECT_THAT(router.AllowedMethods("/api/v1/things"), ElementsAre("GET", "POST"));
  EXPECT_EQ(router.Match("GET", "/api/v1/nothing", nullptr, &path_matched), nullptr);
  EXPECT_FALSE(path_matched);
  EXPECT_TRUE(router.AllowedMethods("/api/v1/nothing").empty());
  // Segment counts must agree; empty segments never fill a parameter.
  EXPECT_EQ(router.Match("DELETE", "/api/v1/things/", nullptr, &path_matched), nullptr);
  EXPECT_FALSE(path_matched);
  EXPECT_EQ(router.Match("DELETE", "/api/v1/things/1/2", nullptr, &path_matched), nullptr);
  EXPECT_EQ(router.Match("GET", "/api/v1/things/", nullptr, &path_matched), nullptr);
  EXPECT_EQ(router.Match("GET", "", nullptr, &path_matched), nullptr);
  EXPECT_EQ(router.Match("GET", "api/v1/things", nullptr, &path_matched), nullptr);
}

TEST(HttpStatusOfTest, MapsEveryCanonicalCode) {
  struct Case {
    absl::Status status;
    int http;
    std::string code;
  };
  const Case cases[] = {
      {absl::InvalidArgumentError("x"), 400, "invalid_argument"},
      {absl::OutOfRangeError("x"), 400, "invalid_argument"},
      {absl::FailedPreconditionError("x"), 400, "invalid_argument"},
      {absl::UnauthenticatedError("x"), 401, "unauthenticated"},
      {absl::PermissionDeniedError("x"), 403, "permission_denied"},
      {absl::NotFoundError("x"), 404, "not_found"},
      {absl::AlreadyExistsError("x"), 409, "conflict"},
      {absl::AbortedError("x"), 409, "conflict"},
      {absl::ResourceExhaustedError("x"), 429, "rate_limited"},
      {absl::UnavailableError("x"), 503, "unavailable"},
      {WithCode(absl::UnavailableError("x"), "audit_unavailable"), 503, "audit_unavailable"},
      {absl::InternalError("x"), 500, "internal"},
      {absl::UnknownError("x"), 500, "internal"},
      {absl::DataLossError("x"), 500, "internal"},
      {absl::UnimplementedError("x"), 500, "internal"},
      {absl::DeadlineExceededError("x"), 500, "internal"},
      {absl::CancelledError("x"), 500, "internal"},
      {absl::OkStatus(), 500, "internal"},
      // The core helpers.
      {InvalidArgument("x", "name"), 400, "invalid_argument"},
      {NotFound(), 404, "not_found"},
      {PermissionDenied(), 403, "permission_denied"},
      {Unauthenticated(), 401, "unauthenticated"},
      {Conflict("x"), 409, "conflict"},
      {Internal("x"), 500, "internal"},
      {RateLimited("x"), 429, "rate_limited"},
      {PayloadTooLarge("x"), 413, "payload_too_large"},
      {UnsupportedMediaType("x"), 415, "unsupported_media_type"},
      // A code payload overrides the canonical mapping...
      {WithCode(absl::FailedPreconditionError("x"), "conflict"), 409, "conflict"},
      // ...a more specific code keeps the canonical HTTP status...
      {WithCode(absl::AlreadyExistsError("x"), "duplicate_student_no"), 409, "duplicate_student_no"},
      // ...but never dresses up an internal error.
      {WithCode(absl::InternalError("x"), "oops"), 500, "internal"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.status.ToString());
    auto [http, code] = HttpStatusOf(c.status);
    EXPECT_EQ(http, c.http);
    EXPECT_EQ(code, c.code);
  }
}

TEST(ResponseTest, ErrorBodyShape) {
  Response r = Response::Error(InvalidArgument("must not be empty", "name"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/json; charset=utf-8");
  EXPECT_EQ(BodyOf(r), nlohmann::json::parse(R"({"error":{"code":"invalid_argument","message":"must not be empty",)"
                                             R"("field":"name"}})"));
  // No field key when the status names none.
  r = Response::Error(NotFound("no such student"));
  EXPECT_EQ(r.status, 404);
  EXPECT_FALSE(BodyOf(r)["error"].contains("field"));
}

TEST(ResponseTest, InternalErrorsHideTheirMessage) {
  Response r = Response::Error(Internal("SELECT * FROM students failed: disk I/O error"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(BodyOf(r)["error"]["code"], "internal");
  EXPECT_EQ(r.body.find("SELECT"), std::string::npos);
  r = Response::Error(absl::UnavailableError("postgresql://admin@db:5432 refused"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body.find("postgresql"), std::string::npos);
}

TEST(ResponseTest, ErrorWithDetails) {
  nlohmann::json details =
      nlohmann::json::array({{{"line", 3}, {"column", 2}, {"field", "student_no"}, {"message", "duplicate"}}});
  Response r = Response::ErrorWithDetails(InvalidArgument("3 rows rejected", "file"), details);
  EXPECT_EQ(r.status, 400);
  nlohmann::json err = BodyOf(r)["error"];
  EXPECT_EQ(err["field"], "file");
  EXPECT_EQ(err["details"], details);
}

TEST(ResponseTest, RateLimitedCarriesRetryAfter) {
  absl::Status st = WithRetryAfter(RateLimited("too many sign-in attempts"), 30);
  EXPECT_EQ(RetryAfterOf(st), 30);
  Response r = Response::Error(st);
  EXPECT_EQ(r.status, 429);
  EXPECT_THAT(r.headers, ElementsAre(Pair("Retry-After", "30")));
  EXPECT_TRUE(Response::Error(RateLimited("x")).headers.empty());
  EXPECT_FALSE(RetryAfterOf(WithRetryAfter(RateLimited("x"), 0)).has_value());
  EXPECT_TRUE(WithRetryAfter(absl::OkStatus(), 5).ok());
}

TEST(ResponseTest, JsonNoContentAndFile) {
  Response r = Response::Json({{"a", "心桥"}}, 201);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({"a":"心桥"})");
  // Invalid UTF-8 from stored data is replaced, not thrown.
  r = Response::Json({{"a", std::string("\xff")}});
  EXPECT_EQ(r.status, 200);

  r = Response::NoContent();
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty());
  EXPECT_TRUE(r.content_type.empty());

  r = Response::File("a,b\n", "text/csv; charset=utf-8", "名单 \"1\".csv");
  EXPECT_EQ(r.body, "a,b\n");
  EXPECT_EQ(r.content_type, "text/csv; charset=utf-8");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Content-Disposition");
  EXPECT_EQ(r.headers[0].second,
            "attachment; filename=\"__ _1_.csv\"; "
            "filename*=UTF-8''%E5%90%8D%E5%8D%95%20%221%22.csv");
}

TEST(RequestTest, HeaderCookieQuery) {
  Request req;
  req.headers = {{"content-type", "application/json"}, {"cookie", "theme=dark; xq_session=abc123 ; other=\"q\""}};
  req.query = {{"q", "张"}};
  EXPECT_EQ(req.Header("content-type"), "application/json");
  EXPECT_EQ(req.Header("x-missing"), "");
  EXPECT_EQ(req.Cookie("xq_session"), "abc123");
  EXPECT_EQ(req.Cookie("other"), "q");
  EXPECT_EQ(req.Cookie("xq"), "");
  EXPECT_EQ(req.Query("q"), "张");
  EXPECT_FALSE(req.Query("page").has_value());
}

TEST(ParseTargetTest, DecodesPathAndQuery) {
  Request req;
  ASSERT_TRUE(ParseTarget("/api/v1/students/%E5%BF%83?q=a+b%26c&page_size=50&flag&q=ignored", &req).ok());
  EXPECT_EQ(req.path, "/api/v1/students/心");
  EXPECT_THAT(req.query, ElementsAre(Pair("flag", ""), Pair("page_size", "50"), Pair("q", "a b&c")));
}

TEST(ParseTargetTest, RejectsBadTargets) {
  Request req;
  for (std::string_view bad : {"", "*", "http://example.com/x", "/a%zz", "/a%4", "/a%00b", "/a?x=%G1", "/a?%"}) {
    SCOPED_TRACE(bad);
    absl::Status st = ParseTarget(bad, &req);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(FieldOf(st), "target");
  }
}

// A resolver knowing one session.
class OneSession : public SessionResolver {
 public:
  std::optional<Principal> Resolve(std::string_view token) override {
    if (token != "good") return std::nullopt;
    Principal p;
    p.account_id = 77;
    p.username = "teacher";
    p.csrf_token = "csrf-1";
    return p;
  }
};

class PipelineTest : public ::testing::Test {
 protected:
  PipelineTest() {
    router_.Add("GET", "/api/v1/me", [](Request& req) {
      return Response::Json({{"account_id", req.principal->account_id}});
    });
    router_.Add(
        "GET", "/api/v1/public",
        [](Request& req) {
          return Response::Json({{"signed_in", req.principal != nullptr}});
        },
        Options(Auth::kNone));
    router_.Add("POST", "/api/v1/things", [](Request& req) { return Response::Json({{"got", req.body}}, 201); });
    router_.Add(
        "POST", "/api/v1/imports", [](Request&) { return Response::NoContent(); },
        Options(Auth::kRequired, true, {"text/csv"}));
    router_.Add("POST", "/api/v1/login", [](Request&) { return Response::NoContent(); },
                {.auth = Auth::kNone, .csrf = false});
    router_.Add(
        "GET", "/api/v1/boom", [](Request&) -> Response { throw std::runtime_error("secret detail"); },
        Options(Auth::kNone));
  }

  Response Call(std::string method, std::string path, std::string body = {},
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request req;
    req.method = std::move(method);
    req.path = std::move(path);
    req.body = std::move(body);
    req.headers = std::move(headers);
    Response r = DispatchApi(router_, &sessions_, req);
    EXPECT_EQ(req.principal, nullptr);  // never left dangling
    return r;
  }

  Router router_;
  OneSession sessions_;
};

TEST_F(PipelineTest, NotFoundAndMethodNotAllowed) {
  Response r = Call("GET", "/api/v1/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(BodyOf(r)["error"]["code"], "not_found");
  r = Call("DELETE", "/api/v1/things");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(BodyOf(r)["error"]["code"], "method_not_allowed");
  EXPECT_THAT(r.headers, ElementsAre(Pair("Allow", "POST")));
}

TEST_F(PipelineTest, SessionRequired) {
  Response r = Call("GET", "/api/v1/me");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(BodyOf(r)["error"]["code"], "unauthenticated");
  r = Call("GET", "/api/v1/me", {}, {{"cookie", "xq_session=forged"}});
  EXPECT_EQ(r.status, 401);
  r = Call("GET", "/api/v1/me", {}, {{"cookie", "xq_session=good"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(BodyOf(r)["account_id"], 77);
  // Public routes still see a principal when there is one.
  EXPECT_EQ(BodyOf(Call("GET", "/api/v1/public"))["signed_in"], false);
  EXPECT_EQ(BodyOf(Call("GET", "/api/v1/public", {}, {{"cookie", "xq_session=good"}}))["signed_in"], true);
}

TEST_F(PipelineTest, CsrfTokenRequiredForStateChanges) {
  const std::pair<std::string, std::string> json = {"content-type", "application/json"};
  const std::pair<std::string, std::string> cookie = {"cookie", "xq_session=good"};
  Response r = Call("POST", "/api/v1/things", "{}", {json, cookie});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(BodyOf(r), nlohmann::json::parse(R"({"error":{"code":"permission_denied",)"
                                             R"("message":"CSRF token missing or wrong","field":"X-CSRF-Token"}})"));
  r = Call("POST", "/api/v1/things", "{}", {json, cookie, {"x-csrf-token", "csrf-2"}});
  EXPECT_EQ(r.status, 403);
  r = Call("POST", "/api/v1/things", "{}", {json, cookie, {"x-csrf-token", "csrf-1"}});
  EXPECT_EQ(r.status, 201);
  // Login is exempt (no session yet, csrf=false).
  EXPECT_EQ(Call("POST", "/api/v1/login", "{}", {json, cookie}).status, 204);
}

TEST_F(PipelineTest, ContentTypeChecked) {
  const std::vector<std::pair<std::string, std::string>> base = {{"cookie", "xq_session=good"},
                                                                 {"x-csrf-token", "csrf-1"}};
  auto with = [&](std::string type) {
    auto h = base;
    if (!type.empty()) h.emplace_back("content-type", type);
    return h;
  };
  Response r = Call("POST", "/api/v1/things", "a,b", with("text/csv"));
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(BodyOf(r)["error"]["code"], "unsupported_media_type");
  EXPECT_EQ(Call("POST", "/api/v1/things", "{}", with("")).status, 415);
  EXPECT_EQ(Call("POST", "/api/v1/things", "{}", with("Application/JSON; charset=utf-8")).status, 201);
  // No body, nothing to check.
  EXPECT_EQ(Call("POST", "/api/v1/things", "", with("")).status, 201);
  EXPECT_EQ(Call("POST", "/api/v1/imports", "a,b", with("text/csv; charset=utf-8")).status, 204);
  EXPECT_EQ(Call("POST", "/api/v1/imports", "{}", with("application/json")).status, 415);
}

TEST_F(PipelineTest, ThrowingHandlerBecomesInternalError) {
  Response r = Call("GET", "/api/v1/boom");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(BodyOf(r)["error"]["code"], "internal");
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
}

TEST(SecretsEqualTest, ComparesContentAndLength) {
  EXPECT_TRUE(SecretsEqual("abc", "abc"));
  EXPECT_FALSE(SecretsEqual("abc", "abd"));
  EXPECT_FALSE(SecretsEqual("abc", "abcd"));
  EXPECT_TRUE(SecretsEqual("", ""));
}

}  // namespace
}  // namespace xq::http
