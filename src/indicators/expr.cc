#include "indicators/expr.h"

#include <cctype>
#include <cmath>
#include <vector>

#include "core/status.h"
#include "fmt/format.h"

namespace xq::indicators {

struct Expr::Node {
  enum class Op {
    kNum,
    kFact,
    kNeg,
    kNot,
    kAdd,
    kSub,
    kMul,
    kDiv,
    kGe,
    kLe,
    kGt,
    kLt,
    kEq,
    kNe,
    kAnd,
    kOr,
    kMax,
    kMin,
    kCeil,
    kFloor
  };
  Op op = Op::kNum;
  double num = 0;
  std::string fact;
  std::vector<std::shared_ptr<const Node>> args;
};

namespace {

using Node = Expr::Node;
using Op = Node::Op;
using NodeP = std::shared_ptr<const Node>;

class Parser {
 public:
  Parser(std::string_view s, std::set<std::string>* facts) : s_(s), facts_(facts) {}

  absl::StatusOr<NodeP> All() {
    auto n = Or();
    if (!n.ok()) return n;
    Space();
    if (i_ < s_.size()) return Error(fmt::format("unexpected '{}'", s_[i_]));
    return n;
  }

 private:
  absl::Status Error(const std::string& what) const {
    return InvalidArgument(fmt::format("at {}: {}", i_ + 1, what), "expression");
  }
  void Space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool Eat(std::string_view tok) {
    Space();
    if (s_.substr(i_, tok.size()) != tok) return false;
    i_ += tok.size();
    return true;
  }
  static NodeP Make(Op op, std::vector<NodeP> args) {
    auto n = std::make_shared<Node>();
    n->op = op;
    n->args = std::move(args);
    return n;
  }

  absl::StatusOr<NodeP> Or() {
    XQ_ASSIGN_OR_RETURN(NodeP l, And());
    while (Eat("||")) {
      XQ_ASSIGN_OR_RETURN(NodeP r, And());
      l = Make(Op::kOr, {l, r});
    }
    return l;
  }
  absl::StatusOr<NodeP> And() {
    XQ_ASSIGN_OR_RETURN(NodeP l, Cmp());
    while (Eat("&&")) {
      XQ_ASSIGN_OR_RETURN(NodeP r, Cmp());
      l = Make(Op::kAnd, {l, r});
    }
    return l;
  }
  absl::StatusOr<NodeP> Cmp() {
    XQ_ASSIGN_OR_RETURN(NodeP l, Add());
    static constexpr std::pair<std::string_view, Op> kOps[] = {{">=", Op::kGe}, {"<=", Op::kLe}, {"==", Op::kEq},
                                                               {"!=", Op::kNe}, {">", Op::kGt},  {"<", Op::kLt}};
    for (const auto& [tok, op] : kOps) {
      if (Eat(tok)) {
        XQ_ASSIGN_OR_RETURN(NodeP r, Add());
        Space();
        for (const auto& [t2, op2] : kOps) {
          (void)op2;
          if (s_.substr(i_, t2.size()) == t2) return Error("comparisons do not chain; use && between them");
        }
        return Make(op, {l, r});
      }
    }
    return l;
  }
  absl::StatusOr<NodeP> Add() {
    XQ_ASSIGN_OR_RETURN(NodeP l, Mul());
    for (;;) {
      if (Eat("+")) {
        XQ_ASSIGN_OR_RETURN(NodeP r, Mul());
        l = Make(Op::kAdd, {l, r});
      } else if (Eat("-")) {
        XQ_ASSIGN_OR_RETURN(NodeP r, Mul());
        l = Make(Op::kSub, {l, r});
      } else {
        return l;
      }
    }
  }
  absl::StatusOr<NodeP> Mul() {
    XQ_ASSIGN_OR_RETURN(NodeP l, Unary());
    for (;;) {
      if (Eat("*")) {
        XQ_ASSIGN_OR_RETURN(NodeP r, Unary());
        l = Make(Op::kMul, {l, r});
      } else if (Eat("/")) {
        XQ_ASSIGN_OR_RETURN(NodeP r, Unary());
        l = Make(Op::kDiv, {l, r});
      } else {
        return l;
      }
    }
  }
  absl::StatusOr<NodeP> Unary() {
    if (Eat("-")) {
      XQ_ASSIGN_OR_RETURN(NodeP a, Unary());
      return Make(Op::kNeg, {a});
    }
    Space();
    if (i_ < s_.size() && s_[i_] == '!' && s_.substr(i_, 2) != "!=") {
      ++i_;
      XQ_ASSIGN_OR_RETURN(NodeP a, Unary());
      return Make(Op::kNot, {a});
    }
    return Primary();
  }
  absl::StatusOr<NodeP> Primary() {
    Space();
    if (i_ >= s_.size()) return Error("expected a number, a fact name or '(' but the expression ends");
    const char c = s_[i_];
    if (c == '(') {
      ++i_;
      XQ_ASSIGN_OR_RETURN(NodeP n, Or());
      if (!Eat(")")) return Error("expected ')'");
      return n;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      size_t start = i_;
      bool dot = false;
      while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.')) {
        if (s_[i_] == '.') {
          if (dot) return Error("a number has one decimal point");
          dot = true;
        }
        ++i_;
      }
      std::string text(s_.substr(start, i_ - start));
      if (text == ".") {
        i_ = start;
        return Error("expected digits");
      }
      auto n = std::make_shared<Node>();
      n->op = Op::kNum;
      n->num = std::stod(text);
      return NodeP(n);
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t start = i_;
      while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_')) ++i_;
      std::string name(s_.substr(start, i_ - start));
      Space();
      if (i_ < s_.size() && s_[i_] == '(') {
        static const std::map<std::string, std::pair<Op, int>> kFns = {
            {"max", {Op::kMax, 2}}, {"min", {Op::kMin, 2}}, {"ceil", {Op::kCeil, 1}}, {"floor", {Op::kFloor, 1}}};
        auto fn = kFns.find(name);
        if (fn == kFns.end()) {
          i_ = start;
          return Error(fmt::format("unknown function '{}' (max, min, ceil, floor)", name));
        }
        ++i_;
        std::vector<NodeP> args;
        if (!Eat(")")) {
          for (;;) {
            XQ_ASSIGN_OR_RETURN(NodeP a, Or());
            args.push_back(a);
            if (Eat(")")) break;
            if (!Eat(",")) return Error(fmt::format("expected ',' or ')' in the arguments of {}", name));
          }
        }
        if (static_cast<int>(args.size()) != fn->second.second)
          return Error(fmt::format("{} takes {} argument{}, not {}", name, fn->second.second,
                                   fn->second.second == 1 ? "" : "s", args.size()));
        return Make(fn->second.first, std::move(args));
      }
      facts_->insert(name);
      auto n = std::make_shared<Node>();
      n->op = Op::kFact;
      n->fact = name;
      return NodeP(n);
    }
    return Error(fmt::format("unexpected '{}'", c));
  }

  std::string_view s_;
  size_t i_ = 0;
  std::set<std::string>* facts_;
};

std::optional<double> Eval(const Node& n, const std::map<std::string, double>& f) {
  auto arg = [&](int k) { return Eval(*n.args[static_cast<size_t>(k)], f); };
  auto b = [](bool v) { return std::optional<double>(v ? 1.0 : 0.0); };
  switch (n.op) {
    case Op::kNum:
      return n.num;
    case Op::kFact: {
      auto it = f.find(n.fact);
      if (it == f.end()) return std::nullopt;
      return it->second;
    }
    case Op::kNeg: {
      auto a = arg(0);
      if (!a) return std::nullopt;
      return -*a;
    }
    case Op::kNot: {
      auto a = arg(0);
      if (!a) return std::nullopt;
      return b(*a == 0);
    }
    case Op::kCeil: {
      auto a = arg(0);
      if (!a) return std::nullopt;
      return std::ceil(*a);
    }
    case Op::kFloor: {
      auto a = arg(0);
      if (!a) return std::nullopt;
      return std::floor(*a);
    }
    case Op::kAnd: {
      auto a = arg(0);
      if (a && *a == 0) return 0.0;  // false whatever the other side
      auto c = arg(1);
      if (c && *c == 0) return 0.0;
      if (!a || !c) return std::nullopt;
      return 1.0;
    }
    case Op::kOr: {
      auto a = arg(0);
      if (a && *a != 0) return 1.0;
      auto c = arg(1);
      if (c && *c != 0) return 1.0;
      if (!a || !c) return std::nullopt;
      return 0.0;
    }
    default:
      break;
  }
  auto a = arg(0), c = arg(1);
  if (!a || !c) return std::nullopt;
  constexpr double kEps = 1e-9;  // 0.1 * 3 >= 0.3 holds
  switch (n.op) {
    case Op::kAdd:
      return *a + *c;
    case Op::kSub:
      return *a - *c;
    case Op::kMul:
      return *a * *c;
    case Op::kDiv:
      if (*c == 0) return std::nullopt;
      return *a / *c;
    case Op::kGe:
      return b(*a >= *c - kEps);
    case Op::kLe:
      return b(*a <= *c + kEps);
    case Op::kGt:
      return b(*a > *c + kEps);
    case Op::kLt:
      return b(*a < *c - kEps);
    case Op::kEq:
      return b(std::fabs(*a - *c) <= kEps);
    case Op::kNe:
      return b(std::fabs(*a - *c) > kEps);
    case Op::kMax:
      return std::max(*a, *c);
    case Op::kMin:
      return std::min(*a, *c);
    default:
      return std::nullopt;
  }
}

}  // namespace

absl::StatusOr<Expr> Expr::Parse(std::string_view text) {
  Expr e;
  e.text_ = std::string(text);
  Parser p(text, &e.facts_);
  XQ_ASSIGN_OR_RETURN(e.root_, p.All());
  return e;
}

std::optional<double> Expr::Eval(const std::map<std::string, double>& facts) const {
  if (!root_) return std::nullopt;
  return indicators::Eval(*root_, facts);
}

}  // namespace xq::indicators
