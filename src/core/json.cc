#include "core/json.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

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
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

namespace {

absl::Status MalformedAt(std::string_view text, size_t offset) {
  const size_t off = std::min(offset, text.size());
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

}  // namespace

absl::StatusOr<Json> ParseJson(std::string_view text) {
  if (!IsValidUtf8(text)) return InvalidArgument("body is not valid UTF-8");
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    return MalformedAt(text, e.byte > 0 ? e.byte - 1 : 0);
  } catch (const Json::exception& e) {  // a number out of range (1e999)
    return InvalidArgument("malformed JSON: a number out of range");
  }
}

absl::StatusOr<Json> ParseJsonObject(std::string_view text) {
  XQ_ASSIGN_OR_RETURN(Json j, ParseJson(text));
  if (!j.is_object()) return InvalidArgument("expected a JSON object");
  return j;
}

absl::Status JsonScanner::status() const { return ok() ? absl::OkStatus() : MalformedAt(s_, error_); }

bool JsonScanner::Fail(size_t at) {
  if (ok()) error_ = at;
  return false;
}

void JsonScanner::SkipSpace() {
  while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
}

bool JsonScanner::Expect(char c) {
  if (!ok()) return false;
  SkipSpace();
  if (i_ >= s_.size() || s_[i_] != c) return Fail(i_);
  ++i_;
  return true;
}

bool JsonScanner::Literal(std::string_view word) {
  if (!ok()) return false;
  SkipSpace();
  for (size_t k = 0; k < word.size(); ++k)
    if (i_ + k >= s_.size() || s_[i_ + k] != word[k]) return Fail(i_ + k);
  i_ += word.size();
  return true;
}

JsonScanner::Kind JsonScanner::Peek() {
  if (!ok()) return Kind::kError;
  SkipSpace();
  if (i_ >= s_.size()) {
    Fail(i_);
    return Kind::kError;
  }
  switch (s_[i_]) {
    case 'n':
      return Kind::kNull;
    case 't':
    case 'f':
      return Kind::kBool;
    case '"':
      return Kind::kString;
    case '[':
      return Kind::kArray;
    case '{':
      return Kind::kObject;
    default:
      if (s_[i_] == '-' || (s_[i_] >= '0' && s_[i_] <= '9')) return Kind::kNumber;
      Fail(i_);
      return Kind::kError;
  }
}

bool JsonScanner::BeginObject() {
  if (!Expect('{')) return false;
  open_.push_back({true, true});
  return true;
}

bool JsonScanner::BeginArray() {
  if (!Expect('[')) return false;
  open_.push_back({false, true});
  return true;
}

bool JsonScanner::Next(char close, bool* more) {
  *more = false;
  if (!ok() || open_.empty()) return Fail(i_);
  SkipSpace();
  if (i_ >= s_.size()) return Fail(i_);
  if (s_[i_] == close) {
    ++i_;
    open_.pop_back();
    return true;
  }
  if (!open_.back().first) {
    if (s_[i_] != ',') return Fail(i_);
    ++i_;
  }
  open_.back().first = false;
  *more = true;
  return true;
}

bool JsonScanner::NextKey(std::string* key) {
  bool more = false;
  if (!Next('}', &more) || !more) return false;
  SkipSpace();
  if (i_ >= s_.size() || s_[i_] != '"') return Fail(i_);
  return ReadString(key) && Expect(':');
}

bool JsonScanner::NextElement() {
  bool more = false;
  return Next(']', &more) && more;
}

bool JsonScanner::Hex4(uint32_t* out) {
  uint32_t v = 0;
  for (int k = 0; k < 4; ++k, ++i_) {
    if (i_ >= s_.size()) return Fail(i_);
    const char c = s_[i_];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= c - '0';
    else if (c >= 'a' && c <= 'f')
      v |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v |= c - 'A' + 10;
    else
      return Fail(i_);
  }
  *out = v;
  return true;
}

bool JsonScanner::ReadString(std::string* out) {
  if (!Expect('"')) return false;
  out->clear();
  for (;;) {
    // The plain run up to a quote, a backslash or a control character.
    size_t j = i_;
    while (j < s_.size() && s_[j] != '"' && s_[j] != '\\' && static_cast<unsigned char>(s_[j]) >= 0x20) ++j;
    out->append(s_.data() + i_, j - i_);
    i_ = j;
    if (i_ >= s_.size() || static_cast<unsigned char>(s_[i_]) < 0x20) return Fail(i_);
    if (s_[i_] == '"') {
      ++i_;
      return true;
    }
    ++i_;  // the backslash
    if (i_ >= s_.size()) return Fail(i_);
    const char e = s_[i_++];
    switch (e) {
      case '"':
        *out += '"';
        break;
      case '\\':
        *out += '\\';
        break;
      case '/':
        *out += '/';
        break;
      case 'b':
        *out += '\b';
        break;
      case 'f':
        *out += '\f';
        break;
      case 'n':
        *out += '\n';
        break;
      case 'r':
        *out += '\r';
        break;
      case 't':
        *out += '\t';
        break;
      case 'u': {
        const size_t at = i_ - 2;
        uint32_t cp = 0;
        if (!Hex4(&cp)) return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail(at);  // a low surrogate alone
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t lo = 0;
          if (i_ + 1 >= s_.size() || s_[i_] != '\\' || s_[i_ + 1] != 'u') return Fail(i_);
          i_ += 2;
          if (!Hex4(&lo)) return false;
          if (lo < 0xDC00 || lo > 0xDFFF) return Fail(i_ - 6);
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        if (cp < 0x80) {
          *out += static_cast<char>(cp);
        } else if (cp < 0x800) {
          *out += static_cast<char>(0xC0 | (cp >> 6));
          *out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
          *out += static_cast<char>(0xE0 | (cp >> 12));
          *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          *out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          *out += static_cast<char>(0xF0 | (cp >> 18));
          *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
          *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          *out += static_cast<char>(0x80 | (cp & 0x3F));
        }
        break;
      }
      default:
        return Fail(i_ - 1);
    }
  }
}

bool JsonScanner::ReadNumber(double* out) {
  if (!ok()) return false;
  SkipSpace();
  const size_t start = i_;
  auto digits = [&] {
    const size_t from = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    return i_ > from;
  };
  if (i_ < s_.size() && s_[i_] == '-') ++i_;
  if (i_ < s_.size() && s_[i_] == '0') {
    ++i_;
  } else if (!digits()) {
    return Fail(i_);
  }
  if (i_ < s_.size() && s_[i_] == '.') {
    ++i_;
    if (!digits()) return Fail(i_);
  }
  if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
    ++i_;
    if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
    if (!digits()) return Fail(i_);
  }
  double v = 0;
  auto [end, ec] = std::from_chars(s_.data() + start, s_.data() + i_, v);
  if (ec == std::errc::result_out_of_range) {
    // Too small is read as strtod reads it (as the DOM does); too large fails.
    v = std::strtod(std::string(s_.substr(start, i_ - start)).c_str(), nullptr);
  } else if (ec != std::errc() || end != s_.data() + i_) {
    return Fail(start);
  }
  if (!std::isfinite(v)) return Fail(start);
  *out = v;
  return true;
}

bool JsonScanner::ReadNull() { return Literal("null"); }

bool JsonScanner::ReadBool(bool* out) {
  const Kind k = Peek();
  if (k != Kind::kBool) return Fail(i_);
  *out = s_[i_] == 't';
  return Literal(*out ? "true" : "false");
}

bool JsonScanner::Skip() {
  // Iterative: deep nesting costs no stack.
  const size_t depth = open_.size();
  std::string text;
  bool b = false;
  double d = 0;
  for (;;) {
    switch (Peek()) {
      case Kind::kNull:
        ReadNull();
        break;
      case Kind::kBool:
        ReadBool(&b);
        break;
      case Kind::kNumber:
        ReadNumber(&d);
        break;
      case Kind::kString:
        ReadString(&text);
        break;
      case Kind::kArray:
        BeginArray();
        break;
      case Kind::kObject:
        BeginObject();
        break;
      case Kind::kError:
        return false;
    }
    // Close what ended; stop before the next value of an open container.
    for (;;) {
      if (!ok()) return false;
      if (open_.size() == depth) return true;
      if (open_.back().object ? NextKey(&text) : NextElement()) break;
    }
  }
}

bool JsonScanner::Finish() {
  if (!ok()) return false;
  SkipSpace();
  if (i_ != s_.size()) return Fail(i_);
  return true;
}

JsonReader::JsonReader(const Json& object, std::string prefix) : obj_(object), prefix_(std::move(prefix)) {
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
  if (&obj_ == &owned_)
    *out = std::move(const_cast<Json&>(*v));  // owned_ is not const; read once
  else
    *out = *v;
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
    if (!e.is_string())
      return Fail(InvalidArgument(absl::StrCat(Name(key), " must be an array of strings"), Name(key)));
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
