// The condition and value language of indicator definitions: numbers, fact
// names, + - * /, comparisons (>= <= > < == !=), && || !, parentheses and
// the functions max, min, ceil, floor. A missing fact or a division by zero
// makes the value unknown (nullopt, shown as 无数据), never 0. Pure;
// thread-safe once parsed.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace xq::indicators {

class Expr {
 public:
  struct Node;
  // InvalidArgument naming the position (1-based column) and what was
  // expected, e.g. "at 14: expected ')' after the arguments of max".
  static absl::StatusOr<Expr> Parse(std::string_view text);

  std::optional<double> Eval(const std::map<std::string, double>& facts) const;
  // Fact names the expression reads.
  const std::set<std::string>& facts() const { return facts_; }
  const std::string& text() const { return text_; }

 private:
  std::shared_ptr<const Node> root_;
  std::set<std::string> facts_;
  std::string text_;
};

}  // namespace xq::indicators
