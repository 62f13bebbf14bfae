#include "http/static_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

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

Response FileResponse(const fs::path& p, std::string cache_control) {
  Response r;
  if (!ReadFile(p, &r.body)) return Response::Error(NotFound("no such file"));
  r.content_type = ContentTypeFor(p.filename().string());
  r.headers.emplace_back("Cache-Control", std::move(cache_control));
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
      return FileResponse(p, is_asset ? "public, max-age=31536000, immutable" : "no-cache");
    }
    // A client-side route (/students/12) has no extension; a missing
    // asset (/assets/app.123.js) must stay a 404, not become HTML.
    if (last.find('.') != std::string_view::npos || is_asset) {
      return Response::Error(NotFound("no such file"));
    }
  }
  fs::path index = root / "index.html";
  if (!IsRegularFile(index)) return Response::Error(NotFound("no such file"));
  return FileResponse(index, "no-cache");
}

}  // namespace xq::http
