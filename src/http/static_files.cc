#include "http/static_files.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <system_error>
#include <utility>

#include "core/status.h"

namespace xq::http {

namespace {

namespace fs = std::filesystem;

struct TypeOf {
  std::string_view ext;
  std::string_view type;
};
constexpr TypeOf kTypes[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".webp", "image/webp"},
    {".gif", "image/gif"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".ttf", "font/ttf"},
    {".json", "application/json; charset=utf-8"},
    {".map", "application/json; charset=utf-8"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
    {".xml", "application/xml"},
    {".pdf", "application/pdf"},
};

bool ReadFile(const fs::path& p, std::string* out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

bool IsRegularFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

// True when `p` resolves (through symlinks) to somewhere inside `root`.
bool Within(const fs::path& root, const fs::path& p) {
  std::error_code ec;
  fs::path rc = fs::weakly_canonical(root, ec);
  if (ec) return false;
  fs::path pc = fs::weakly_canonical(p, ec);
  if (ec) return false;
  auto [rit, pit] = std::mismatch(rc.begin(), rc.end(), pc.begin(), pc.end());
  return rit == rc.end();
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The q-value the Accept-Encoding header gives `coding` ("br", "gzip"):
// its own entry, else "*", else 0. Malformed q-values count as 0.
double AcceptQ(std::string_view accept, std::string_view coding) {
  std::optional<double> own;
  std::optional<double> star;
  while (!accept.empty()) {
    size_t comma = accept.find(',');
    std::string_view entry = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    size_t semi = entry.find(';');
    std::string_view name = Trim(entry.substr(0, semi));
    double q = 1.0;
    if (semi != std::string_view::npos) {
      std::string_view param = Trim(entry.substr(semi + 1));
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        std::string_view v = param.substr(2);
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), q);
        if (ec != std::errc() || end != v.data() + v.size() || q < 0 || q > 1) q = 0;
      }
    }
    if (EqualsIgnoreCase(name, coding)) {
      own = q;
    } else if (name == "*") {
      star = q;
    }
  }
  if (own) return *own;
  return star.value_or(0);
}

// The precompressed copy of `p` to send (name.br or name.gz beside it, inside
// the root), preferring brotli when the client takes both equally.
struct Encoded {
  fs::path path;
  std::string_view coding;  // "" = send `p` as it is
};
Encoded ChooseEncoding(const fs::path& root, const fs::path& p, std::string_view accept) {
  if (accept.empty()) return {p, ""};
  const double br = AcceptQ(accept, "br");
  const double gz = AcceptQ(accept, "gzip");
  struct Option {
    std::string_view coding;
    std::string_view suffix;
    double q;
  };
  Option options[] = {{"br", ".br", br}, {"gzip", ".gz", gz}};
  if (gz > br) std::swap(options[0], options[1]);
  for (const Option& o : options) {
    if (o.q <= 0) continue;
    fs::path candidate = p;
    candidate += std::string(o.suffix);
    if (IsRegularFile(candidate) && Within(root, candidate)) return {candidate, o.coding};
  }
  return {p, ""};
}

Response FileResponse(const fs::path& root, const fs::path& p, const Request& req, std::string cache_control) {
  Encoded enc = ChooseEncoding(root, p, req.Header("accept-encoding"));
  Response r;
  if (!ReadFile(enc.path, &r.body)) return Response::Error(NotFound("no such file"));
  r.content_type = ContentTypeFor(p.filename().string());
  r.headers.emplace_back("Cache-Control", std::move(cache_control));
  if (!enc.coding.empty()) r.headers.emplace_back("Content-Encoding", std::string(enc.coding));
  // Caches must key on Accept-Encoding whenever the answer could differ.
  r.headers.emplace_back("Vary", "Accept-Encoding");
  return r;
}

}  // namespace

std::string ContentTypeFor(std::string_view filename) {
  size_t dot = filename.rfind('.');
  if (dot != std::string_view::npos) {
    std::string ext(filename.substr(dot));
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const TypeOf& t : kTypes) {
      if (t.ext == ext) return std::string(t.type);
    }
  }
  return "application/octet-stream";
}

Response ServeStatic(const std::string& web_root, const Request& req) {
  const fs::path root(web_root);
  std::string_view path = req.path;
  if (path.empty() || path.front() != '/') return Response::Error(InvalidArgument("bad path"));
  // Walk the segments: refuse traversal outright, hide dot-files.
  fs::path rel;
  std::string_view rest = path.substr(1);
  std::string_view last;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (seg == "..") return Response::Error(InvalidArgument("path traversal refused", "path"));
    if (seg.find('\\') != std::string_view::npos || seg.find('\0') != std::string_view::npos) {
      return Response::Error(InvalidArgument("bad path", "path"));
    }
    if (seg.empty() || seg == ".") continue;
    if (seg.front() == '.') return Response::Error(NotFound("no such file"));
    rel /= fs::path(std::string(seg));
    last = seg;
  }
  const bool is_asset = path.starts_with("/assets/");
  if (!rel.empty()) {
    fs::path p = root / rel;
    if (IsRegularFile(p) && Within(root, p)) {
      return FileResponse(root, p, req, is_asset ? "public, max-age=31536000, immutable" : "no-cache");
    }
    // A client-side route (/students/12) has no extension; a missing
    // asset (/assets/app.123.js) must stay a 404, not become HTML.
    if (last.find('.') != std::string_view::npos || is_asset) {
      return Response::Error(NotFound("no such file"));
    }
  }
  fs::path index = root / "index.html";
  if (!IsRegularFile(index)) return Response::Error(NotFound("no such file"));
  return FileResponse(root, index, req, "no-cache");
}

}  // namespace xq::http
