#include "http/router.h"

#include <algorithm>
#include <cassert>

#include "absl/container/inlined_vector.h"

namespace xq::http {

namespace {

// Paths have a few segments: no allocation per request.
using Parts = absl::InlinedVector<std::string_view, 8>;

Parts SplitPath(std::string_view path) {
  Parts out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  for (;;) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// A template's segments against a path's, as many of each: a literal
// equal, a parameter not empty.
template <typename Segments>
bool SegmentsMatch(const Segments& segs, const Parts& parts) {
  for (size_t k = 0; k < segs.size(); ++k)
    if (segs[k].param ? parts[k].empty() : segs[k].text != parts[k]) return false;
  return true;
}

}  // namespace

void Router::Add(std::string method, std::string path_template, Handler handler, RouteOptions options) {
  assert(!path_template.empty() && path_template.front() == '/');
  std::vector<Segment> segs;
  for (std::string_view s : SplitPath(path_template)) {
    if (s.size() >= 2 && s.front() == '{' && s.back() == '}') {
      segs.push_back({std::string(s.substr(1, s.size() - 2)), true});
    } else {
      segs.push_back({std::string(s), false});
    }
  }
  if (by_count_.size() <= segs.size()) by_count_.resize(segs.size() + 1);
  by_count_[segs.size()].push_back(routes_.size());
  segments_.push_back(std::move(segs));
  routes_.push_back(std::make_unique<Route>(
      Route{std::move(method), std::move(path_template), std::move(handler), std::move(options)}));
}

template <typename MethodOk>
const Route* Router::Best(std::string_view path, MethodOk method_ok, std::map<std::string, std::string>* params) const {
  const Parts parts = SplitPath(path);
  if (parts.empty() || parts.size() >= by_count_.size()) return nullptr;
  size_t best = routes_.size();
  for (size_t i : by_count_[parts.size()]) {  // in the order added
    const auto& segs = segments_[i];
    if (!method_ok(routes_[i]->method) || !SegmentsMatch(segs, parts)) continue;
    if (best == routes_.size()) {
      best = i;
      continue;
    }
    // At the first position where one is literal and the other a
    // parameter, the literal one is more specific.
    const auto& cur = segments_[best];
    for (size_t k = 0; k < segs.size(); ++k) {
      if (segs[k].param != cur[k].param) {
        if (!segs[k].param) best = i;
        break;
      }
    }
  }
  if (best == routes_.size()) return nullptr;
  if (params) {
    params->clear();
    const auto& segs = segments_[best];
    for (size_t k = 0; k < segs.size(); ++k) {
      if (segs[k].param) (*params)[segs[k].text] = std::string(parts[k]);
    }
  }
  return routes_[best].get();
}

const Route* Router::Match(std::string_view method, std::string_view path, std::map<std::string, std::string>* params,
                           bool* path_matched) const {
  const Route* r = Best(
      path, [&](const std::string& m) { return m == method; }, params);
  if (path_matched) {
    *path_matched = r != nullptr || Best(
                                        path, [](const std::string&) { return true; }, nullptr) != nullptr;
  }
  return r;
}

std::vector<std::string> Router::AllowedMethods(std::string_view path) const {
  std::vector<std::string> out;
  const Parts parts = SplitPath(path);
  if (parts.empty() || parts.size() >= by_count_.size()) return out;
  for (size_t i : by_count_[parts.size()])
    if (SegmentsMatch(segments_[i], parts)) out.push_back(routes_[i]->method);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace xq::http
