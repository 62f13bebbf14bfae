#include "http/wire.h"

#include <array>
#include <charconv>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>

namespace xq::http {

namespace {

constexpr std::string_view kSecurityHeaders =
    "Content-Security-Policy: default-src 'self'; img-src 'self' data:; style-src 'self' "
    "'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action "
    "'self'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Referrer-Policy: no-referrer\r\n"
    "X-Frame-Options: DENY\r\n";

bool IEquals(std::string_view a, std::string_view b) {
  return boost::beast::iequals(boost::beast::string_view(a.data(), a.size()),
                               boost::beast::string_view(b.data(), b.size()));
}

// Headers only the server writes.
constexpr std::array<std::string_view, 10> kServerOwned = {
    "content-type",    "content-security-policy", "x-content-type-options",
    "referrer-policy", "x-frame-options",         "x-request-id",
    "connection",      "content-length",          "transfer-encoding",
    "cache-control"};

bool ServerOwned(std::string_view name, bool is_api) {
  for (std::string_view owned : kServerOwned) {
    // Static files set their own Cache-Control; /api answers never cache.
    if (owned == "cache-control" && !is_api) continue;
    if (IEquals(name, owned)) return true;
  }
  return false;
}

bool HasCrLf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

void AppendNumber(std::string& out, size_t n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

}  // namespace

void AppendResponseHead(std::string& out, const Response& res, const HeadOptions& o) {
  out += o.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  AppendNumber(out, static_cast<size_t>(res.status));
  out += ' ';
  auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(res.status));
  out.append(reason.data(), reason.size());
  out += "\r\n";
  if (!res.content_type.empty() && !HasCrLf(res.content_type)) {
    out += "Content-Type: ";
    out += res.content_type;
    out += "\r\n";
  }
  for (const auto& [name, value] : res.headers) {
    if (name.empty() || HasCrLf(name) || HasCrLf(value) || name.find(':') != std::string::npos ||
        ServerOwned(name, o.is_api)) {
      continue;
    }
    out += name;
    out += ": ";
    out += value;
    if (o.secure_cookies && IEquals(name, "set-cookie") && value.find("Secure") == std::string::npos) {
      out += "; Secure";
    }
    out += "\r\n";
  }
  out += kSecurityHeaders;
  if (o.is_api) out += "Cache-Control: no-store\r\n";
  if (!o.request_id.empty() && !HasCrLf(o.request_id)) {
    out += "X-Request-Id: ";
    out += o.request_id;
    out += "\r\n";
  }
  if (o.version == 10) {
    if (o.keep_alive) out += "Connection: keep-alive\r\n";
  } else if (!o.keep_alive) {
    out += "Connection: close\r\n";
  }
  // 1xx, 204 and 304 have no body and no length.
  if (res.status >= 200 && res.status != 204 && res.status != 304) {
    out += "Content-Length: ";
    AppendNumber(out, res.body.size());
    out += "\r\n";
  }
  out += "\r\n";
}

}  // namespace xq::http
