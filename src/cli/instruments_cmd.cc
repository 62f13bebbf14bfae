// `xinqiao instruments list|show|validate|import-fhir|export-fhir` and
// `xinqiao score`: thin wrappers over the instruments library (file I/O and
// printing only; parsing, validation and scoring live in src/instruments).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/cli.h"
#include "instruments/csv_scoring.h"
#include "instruments/definition.h"
#include "instruments/fhir.h"
#include "instruments/registry.h"
#include "instruments/scoring.h"

namespace xq::cli {

namespace {

namespace ins = xq::instruments;

[[noreturn]] void Fail(const std::string& cmd, std::string_view msg, int code) {
  std::fprintf(stderr, "xinqiao %s: %.*s\n", cmd.c_str(), static_cast<int>(msg.size()), msg.data());
  throw CLI::RuntimeError(code);
}

std::string ReadFileOrFail(const std::string& cmd, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail(cmd, "cannot read " + path, 2);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool LooksLikeFile(const std::string& ref) { return ref.find('/') != std::string::npos || ref.ends_with(".json"); }

// A bundled id (optionally id@version) or a definition file.
ins::Definition LoadDefinition(const std::string& cmd, const std::string& ref) {
  if (LooksLikeFile(ref)) {
    auto def = ins::ParseDefinition(ReadFileOrFail(cmd, ref));
    if (!def.ok()) Fail(cmd, ref + ": " + std::string(def.status().message()), 1);
    return *std::move(def);
  }
  std::string id = ref, version;
  if (auto at = ref.find('@'); at != std::string::npos) {
    id = ref.substr(0, at);
    version = ref.substr(at + 1);
  }
  const auto* e = ins::BundledDefinitions().Find(id, version);
  if (!e) Fail(cmd, "no bundled instrument \"" + ref + "\" (see `xinqiao instruments list`)", 1);
  return e->definition;
}

std::string TextOf(const ins::Text& t) {
  for (const char* lang : {"zh-CN", "en"})
    if (auto it = t.find(lang); it != t.end()) return it->second;
  return t.empty() ? "" : t.begin()->second;
}

}  // namespace

void AddInstrumentsCommands(CLI::App& app) {
  auto* group =
      app.add_subcommand("instruments", "Screening instruments (量表): bundled definitions, validation, FHIR");
  group->require_subcommand(1);

  auto* list = group->add_subcommand("list", "List the bundled instruments");
  auto list_json = std::make_shared<bool>(false);
  list->add_flag("--json", *list_json, "Print JSON instead of a table");
  list->callback([list_json] {
    const auto& reg = ins::BundledDefinitions();
    for (const auto& [path, err] : reg.errors()) std::fprintf(stderr, "warning: %s: %s\n", path.c_str(), err.c_str());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : reg.entries()) {
      const auto& d = e.definition;
      if (*list_json) {
        nlohmann::json sets = nlohmann::json::array();
        for (const auto& ns : d.norm_sets) sets.push_back(ns.id);
        out.push_back({{"id", d.id},
                       {"version", d.version},
                       {"title", d.title},
                       {"items", d.items.size()},
                       {"languages", d.languages},
                       {"wording_status", d.provenance.wording_status},
                       {"licence",
                        {{"holder", d.provenance.licence.holder},
                         {"terms", d.provenance.licence.terms},
                         {"requires_licence", d.provenance.licence.requires_licence}}},
                       {"enabled_by_default", d.enabled_by_default()},
                       {"norm_sets", sets},
                       {"default_norm_set", d.default_norm_set}});
      } else {
        std::printf("%-14s %-7s %3zu items  %-13s %-9s %s\n", d.id.c_str(), d.version.c_str(), d.items.size(),
                    d.provenance.wording_status.c_str(), d.enabled_by_default() ? "free" : "licensed",
                    TextOf(d.title).c_str());
      }
    }
    if (*list_json) std::printf("%s\n", out.dump(2).c_str());
  });

  auto* show = group->add_subcommand("show", "Print a bundled definition (ID or ID@VERSION) as JSON");
  auto show_ref = std::make_shared<std::string>();
  show->add_option("ID", *show_ref, "Instrument id")->required();
  auto show_summary = std::make_shared<bool>(false);
  show->add_flag("--summary", *show_summary, "Print licence, wording and norm sets instead of the JSON");
  show->callback([show_ref, show_summary] {
    auto def = LoadDefinition("instruments show", *show_ref);
    if (!*show_summary) {
      std::printf("%s\n", def.source.dump(2).c_str());
      return;
    }
    const auto& p = def.provenance;
    std::printf("%s %s  %s\n", def.id.c_str(), def.version.c_str(), TextOf(def.title).c_str());
    std::printf("source:           %s\n", p.citation.c_str());
    std::printf("licence holder:   %s\n", p.licence.holder.c_str());
    std::printf("licence terms:    %s\n", p.licence.terms.c_str());
    std::printf("enabled:          %s\n",
                def.enabled_by_default() ? "by default" : "no: a school enables it under its own licence");
    std::printf("wording status:   %s\n", p.wording_status.c_str());
    std::printf("wording source:   %s\n", p.wording_source.c_str());
    if (!p.wording_citation.empty()) std::printf("wording citation: %s\n", p.wording_citation.c_str());
    if (!p.validation.empty()) std::printf("validation:       %s\n", p.validation.c_str());
    for (const auto& ns : def.norm_sets)
      std::printf("norm set:         %s%s  %s — %s\n", ns.id.c_str(), ns.id == def.default_norm_set ? " (default)" : "",
                  TextOf(ns.population).c_str(), ns.citation.c_str());
    if (!p.notes.empty()) std::printf("notes:            %s\n", p.notes.c_str());
  });

  auto* validate = group->add_subcommand("validate", "Check a definition file; exit 0 when valid");
  auto validate_file = std::make_shared<std::string>();
  validate->add_option("FILE", *validate_file, "Definition JSON file")->required();
  validate->callback([validate_file] {
    const std::string cmd = "instruments validate";
    auto def = ins::ParseDefinition(ReadFileOrFail(cmd, *validate_file));
    if (!def.ok()) Fail(cmd, *validate_file + ": " + std::string(def.status().message()), 1);
    auto plan = ins::Compile(*def);
    if (!plan.ok()) Fail(cmd, *validate_file + ": " + std::string(plan.status().message()), 1);
    std::printf("%s: valid (%s %s, %zu items, %zu scores)\n", validate_file->c_str(), def->id.c_str(),
                def->version.c_str(), def->items.size(), def->scores.size());
  });

  auto* import_cmd =
      group->add_subcommand("import-fhir", "Convert a FHIR R4 Questionnaire into a definition (printed)");
  auto import_file = std::make_shared<std::string>();
  import_cmd->add_option("FILE", *import_file, "Questionnaire JSON file")->required();
  import_cmd->callback([import_file] {
    const std::string cmd = "instruments import-fhir";
    auto def = ins::ImportQuestionnaire(ReadFileOrFail(cmd, *import_file));
    if (!def.ok()) Fail(cmd, *import_file + ": " + std::string(def.status().message()), 1);
    std::printf("%s\n", ins::DefinitionToJson(*def).dump(2).c_str());
  });

  auto* exp = group->add_subcommand("export-fhir", "Print a definition (ID or FILE) as a FHIR R4 Questionnaire");
  auto export_ref = std::make_shared<std::string>();
  auto export_lang = std::make_shared<std::string>();
  exp->add_option("ID_OR_FILE", *export_ref, "Instrument id or definition file")->required();
  exp->add_option("--lang", *export_lang, "Questionnaire language (default: the definition's first)");
  exp->callback([export_ref, export_lang] {
    auto def = LoadDefinition("instruments export-fhir", *export_ref);
    if (!export_lang->empty() &&
        std::find(def.languages.begin(), def.languages.end(), *export_lang) == def.languages.end())
      Fail("instruments export-fhir", "the definition has no language " + *export_lang, 1);
    std::printf("%s\n", ins::ExportQuestionnaire(def, *export_lang).dump(2).c_str());
  });

  auto* score = app.add_subcommand("score", "Score a CSV of responses with an instrument");
  auto instrument = std::make_shared<std::string>();
  auto input = std::make_shared<std::string>();
  auto by_value = std::make_shared<bool>(false);
  auto format = std::make_shared<std::string>("jsonl");
  score->add_option("--instrument", *instrument, "Instrument id or definition file")->required();
  score->add_option("--input", *input, "CSV: respondent_id plus one column per item id")->required();
  score->add_flag("--by-value", *by_value, "Cells hold option values instead of option codes");
  score->add_option("--format", *format, "Output format")
      ->check(CLI::IsMember({"csv", "jsonl"}))
      ->capture_default_str();
  auto norm_set = std::make_shared<std::string>();
  score->add_option("--norm-set", *norm_set, "Norm set whose cut-offs classify (default: the definition's)");
  score->callback([instrument, input, by_value, format, norm_set] {
    const std::string cmd = "score";
    auto def = LoadDefinition(cmd, *instrument);
    auto plan = ins::Compile(def, *norm_set);
    if (!plan.ok()) Fail(cmd, std::string(plan.status().message()), 1);
    ins::CsvScoreOptions opt{*by_value, *format == "csv" ? ins::OutputFormat::kCsv : ins::OutputFormat::kJsonl};
    auto out = ins::ScoreCsv(*plan, ReadFileOrFail(cmd, *input), opt);
    if (!out.ok()) Fail(cmd, *input + ": " + std::string(out.status().message()), 2);
    std::fwrite(out->output.data(), 1, out->output.size(), stdout);
    std::fflush(stdout);
    for (const auto& e : out->errors) std::fprintf(stderr, "%s: %s\n", input->c_str(), e.c_str());
    if (!out->errors.empty()) {
      std::fprintf(stderr, "xinqiao score: %zu of %zu rows failed\n", out->errors.size(), out->rows);
      throw CLI::RuntimeError(1);
    }
  });
}  // namespace xq::cli

}  // namespace xq::cli
