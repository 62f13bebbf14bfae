// GET /api/v1/todos: the signed-in account's home-page to-dos.
#include "http/params.h"
#include "screening/json.h"
#include "screening/routes.h"
#include "screening/todos.h"

namespace xq::screening {

void RegisterTodoRoutes(http::Router& router, TodoService& svc) {
  router.Add("GET", "/api/v1/todos", [&svc](http::Request& req) {
    if (auto st = http::CheckQuery(req, {}); !st.ok()) return http::Response::Error(st);
    auto out = svc.ForHome(*req.principal);
    return out.ok() ? http::Response::Json(TodosToJson(*out)) : http::Response::Error(out.status());
  });
}

}  // namespace xq::screening
