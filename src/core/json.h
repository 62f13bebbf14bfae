// Strict JSON input helpers (API.md: unknown fields are an error naming the
// field; wrong types are invalid_argument naming the field).
//
//   XQ_ASSIGN_OR_RETURN(auto body, ParseJsonObject(text));
//   JsonReader r(body);
//   std::string name; std::optional<int64_t> size;
//   r.Required("name", &name);
//   r.Optional("size", &size);
//   XQ_RETURN_IF_ERROR(r.Finish());   // first error, or unknown field
//
// Not thread-safe; one reader per request.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace xq {

using Json = nlohmann::json;

// Parses text as JSON (UTF-8 checked); the top level must be an object.
absl::StatusOr<Json> ParseJsonObject(std::string_view text);
// Parses any JSON value; errors carry "line L, column C".
absl::StatusOr<Json> ParseJson(std::string_view text);
// True if s is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);
// Appends s as a JSON string, quotes included; invalid UTF-8 is replaced
// (U+FFFD), as Json::dump with error_handler_t::replace does. For answers
// written without a Json DOM on hot paths.
void AppendJsonString(std::string& out, std::string_view s);

// Writes a JSON object into `out` field by field, without a DOM (hot
// paths: the access log, the answer to a submission). Keys are written as
// given (plain ASCII names); values are escaped as AppendJsonString does.
//   JsonObjectWriter o(out);
//   o.Str("id", id).Raw("count", "3");
//   o.Key("items"); out += "[...]";
//   o.End();
class JsonObjectWriter {
 public:
  explicit JsonObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  // Starts a field; the caller writes its value.
  JsonObjectWriter& Key(std::string_view key);
  JsonObjectWriter& Str(std::string_view key, std::string_view value);
  // A value that is already JSON (a number, an array written by the caller).
  JsonObjectWriter& Raw(std::string_view key, std::string_view json);
  void End() { out_ += '}'; }

 private:
  std::string& out_;
  bool first_ = true;
};

// Reads a JSON text value by value, without a DOM (hot paths: the body of
// a submission). As strict as ParseJson: RFC 8259, no comments, no
// trailing commas; errors are "malformed JSON at line L, column C". The
// text must be valid UTF-8 (check IsValidUtf8 first, as ParseJson does).
// After the first error every call returns false / Kind::kError.
//   JsonScanner j(text);
//   if (j.BeginObject())
//     for (std::string key; j.NextKey(&key);)
//       if (key == "name") j.ReadString(&name); else j.Skip();
//   j.Finish();   // only whitespace may follow
//   XQ_RETURN_IF_ERROR(j.status());
class JsonScanner {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject, kError };
  explicit JsonScanner(std::string_view text) : s_(text) {}

  // The kind of the next value (whitespace skipped); kError on an error or
  // at the end of the text.
  Kind Peek();
  // An object: BeginObject(), then read a value after each NextKey() that
  // returns true; NextKey() returns false at the closing brace.
  bool BeginObject();
  bool NextKey(std::string* key);
  // An array: BeginArray(), then read a value after each NextElement()
  // that returns true; false at the closing bracket.
  bool BeginArray();
  bool NextElement();
  bool ReadString(std::string* out);
  // Any number; one that does not fit a double is an error.
  bool ReadNumber(double* out);
  bool ReadNull();
  bool ReadBool(bool* out);
  // Passes over the next value, whatever it is.
  bool Skip();
  // Only whitespace may be left.
  bool Finish();

  bool ok() const { return error_ == std::string_view::npos; }
  absl::Status status() const;

 private:
  void SkipSpace();
  bool Fail(size_t at);
  bool Expect(char c);
  bool Literal(std::string_view word);
  bool Hex4(uint32_t* out);
  // Past the innermost container's closing delimiter (*more false), or
  // before its next value (*more true).
  bool Next(char close, bool* more);

  std::string_view s_;
  size_t i_ = 0;
  size_t error_ = std::string_view::npos;
  struct Open {
    bool object = false;
    bool first = true;  // nothing read in it yet
  };
  std::vector<Open> open_;
};

class JsonReader {
 public:
  // prefix is prepended to field names in errors, e.g. "items[2].".
  explicit JsonReader(const Json& object, std::string prefix = "");
  // Owns the object: Required(key, Json*) moves the value out instead of
  // copying it (a request body read once).
  explicit JsonReader(Json&& object, std::string prefix = "");

  void Required(std::string_view key, std::string* out);
  void Required(std::string_view key, int64_t* out);
  void Required(std::string_view key, bool* out);
  void Required(std::string_view key, Json* out);
  void Optional(std::string_view key, std::optional<std::string>* out);
  void Optional(std::string_view key, std::optional<int64_t>* out);
  void Optional(std::string_view key, std::optional<bool>* out);
  void Optional(std::string_view key, std::optional<Json>* out);
  void Optional(std::string_view key, std::vector<std::string>* out);
  // Bounds for the next string read (bytes); default 10,000.
  void MaxLength(size_t n) { max_len_ = n; }

  // Records a caller-detected error if none is recorded yet.
  void Fail(absl::Status s);
  bool ok() const { return status_.ok(); }
  // The first error, else invalid_argument for the first unknown field.
  absl::Status Finish();

 private:
  const Json* Find(std::string_view key, bool required);
  std::string Name(std::string_view key) const { return prefix_ + std::string(key); }

  Json owned_;  // the object, when the reader owns it (obj_ then refers to it)
  const Json& obj_;
  std::string prefix_;
  std::set<std::string, std::less<>> seen_;
  absl::Status status_;
  size_t max_len_ = 10000;
};

}  // namespace xq
