#include "core/json.h"

#include "absl/strings/str_cat.h"
#include "core/status.h"

namespace xq {

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (int k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

absl::StatusOr<Json> ParseJson(std::string_view text) {
  if (!IsValidUtf8(text)) return InvalidArgument("body is not valid UTF-8");
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    // Compute line and column from the byte offset.
    size_t off = std::min<size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
    size_t line = 1, col = 1;
    for (size_t i = 0; i < off; ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return InvalidArgument(absl::StrCat("malformed JSON at line ", line, ", column ", col));
  }
}

absl::StatusOr<Json> ParseJsonObject(std::string_view text) {
  XQ_ASSIGN_OR_RETURN(Json j, ParseJson(text));
  if (!j.is_object()) return InvalidArgument("expected a JSON object");
  return j;
}

JsonReader::JsonReader(const Json& object, std::string prefix)
    : obj_(object), prefix_(std::move(prefix)) {
  if (!obj_.is_object()) status_ = InvalidArgument("expected a JSON object", prefix_);
}

JsonReader::JsonReader(Json&& object, std::string prefix)
    : owned_(std::move(object)), obj_(owned_), prefix_(std::move(prefix)) {
  if (!obj_.is_object()) status_ = InvalidArgument("expected a JSON object", prefix_);
}

void JsonReader::Fail(absl::Status s) {
  if (status_.ok()) status_ = std::move(s);
}

const Json* JsonReader::Find(std::string_view key, bool required) {
  if (!status_.ok()) return nullptr;
  seen_.emplace(key);
  auto it = obj_.find(key);
  if (it == obj_.end() || (!required && it->is_null())) {
    if (required) Fail(InvalidArgument(absl::StrCat(Name(key), " is required"), Name(key)));
    return nullptr;
  }
  return &*it;
}

void JsonReader::Required(std::string_view key, std::string* out) {
  const Json* v = Find(key, true);
  if (!v) return;
  if (!v->is_string()) return Fail(InvalidArgument(absl::StrCat(Name(key), " must be a string"), Name(key)));
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > max_len_) return Fail(InvalidArgument(absl::StrCat(Name(key), " is too long"), Name(key)));
  *out = s;
}

void JsonReader::Required(std::string_view key, int64_t* out) {
  const Json* v = Find(key, true);
  if (!v) return;
  if (!v->is_number_integer()) return Fail(InvalidArgument(absl::StrCat(Name(key), " must be an integer"), Name(key)));
  *out = v->get<int64_t>();
}

void JsonReader::Required(std::string_view key, bool* out) {
  const Json* v = Find(key, true);
  if (!v) return;
  if (!v->is_boolean()) return Fail(InvalidArgument(absl::StrCat(Name(key), " must be a boolean"), Name(key)));
  *out = v->get<bool>();
}

void JsonReader::Required(std::string_view key, Json* out) {
  const Json* v = Find(key, true);
  if (!v) return;
  if (&obj_ == &owned_) *out = std::move(const_cast<Json&>(*v));  // owned_ is not const; read once
  else *out = *v;
}

void JsonReader::Optional(std::string_view key, std::optional<std::string>* out) {
  const Json* v = Find(key, false);
  if (!v) return;
  std::string s;
  Required(key, &s);
  if (status_.ok()) *out = std::move(s);
}

void JsonReader::Optional(std::string_view key, std::optional<int64_t>* out) {
  const Json* v = Find(key, false);
  if (!v) return;
  int64_t x = 0;
  Required(key, &x);
  if (status_.ok()) *out = x;
}

void JsonReader::Optional(std::string_view key, std::optional<bool>* out) {
  const Json* v = Find(key, false);
  if (!v) return;
  bool x = false;
  Required(key, &x);
  if (status_.ok()) *out = x;
}

void JsonReader::Optional(std::string_view key, std::optional<Json>* out) {
  const Json* v = Find(key, false);
  if (v) *out = *v;
}

void JsonReader::Optional(std::string_view key, std::vector<std::string>* out) {
  const Json* v = Find(key, false);
  if (!v) return;
  if (!v->is_array()) return Fail(InvalidArgument(absl::StrCat(Name(key), " must be an array of strings"), Name(key)));
  std::vector<std::string> r;
  for (const auto& e : *v) {
    if (!e.is_string()) return Fail(InvalidArgument(absl::StrCat(Name(key), " must be an array of strings"), Name(key)));
    r.push_back(e.get<std::string>());
  }
  *out = std::move(r);
}

absl::Status JsonReader::Finish() {
  if (!status_.ok()) return status_;
  for (auto it = obj_.begin(); it != obj_.end(); ++it) {
    if (!seen_.contains(it.key()))
      return InvalidArgument(absl::StrCat("unknown field ", Name(it.key())), Name(it.key()));
  }
  return absl::OkStatus();
}

namespace {

// Bytes [i, i + n) of s are one well-formed UTF-8 sequence (no overlong
// form, surrogate or code point past U+10FFFF); returns n, or 0.
size_t Utf8Sequence(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  auto cont = [](unsigned c) { return c >= 0x80 && c <= 0xBF; };
  const unsigned c = at(0);
  if (c >= 0xC2 && c <= 0xDF) return cont(at(1)) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return at(1) >= lo && at(1) <= hi && cont(at(2)) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return at(1) >= lo && at(1) <= hi && cont(at(2)) && cont(at(3)) ? 4 : 0;
  }
  return 0;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  // Printable ASCII and well-formed UTF-8 go out as they are (the DOM's
  // writer, with ensure_ascii off, does the same); from the first byte that
  // needs an escape or a replacement on, the DOM's writer does the rest.
  size_t plain = 0;
  while (plain < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[plain]);
    if (c < 0x80) {
      if (c < 0x20 || c == '"' || c == '\\') break;
      ++plain;
    } else if (size_t n = Utf8Sequence(s, plain)) {
      plain += n;
    } else {
      break;
    }
  }
  out.append(s.substr(0, plain));
  if (plain < s.size()) {
    const std::string rest = Json(s.substr(plain)).dump(-1, ' ', false, Json::error_handler_t::replace);
    out.append(rest, 1, rest.size() - 2);  // without its quotes
  }
  out += '"';
}

JsonObjectWriter& JsonObjectWriter::Key(std::string_view key) {
  if (!first_) out_ += ',';
  first_ = false;
  out_ += '"';
  out_ += key;
  out_ += "\":";
  return *this;
}

JsonObjectWriter& JsonObjectWriter::Str(std::string_view key, std::string_view value) {
  Key(key);
  AppendJsonString(out_, value);
  return *this;
}

JsonObjectWriter& JsonObjectWriter::Raw(std::string_view key, std::string_view json) {
  Key(key);
  out_ += json;
  return *this;
}

}  // namespace xq
