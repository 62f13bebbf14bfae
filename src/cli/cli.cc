#include "cli/cli.h"

#include <cstdio>

#include "CLI/CLI.hpp"
#include "spdlog/spdlog.h"

namespace xq::cli {

int Main(int argc, char** argv) {
  CLI::App app{"xinqiao (心桥): student mental-health work platform"};
  app.require_subcommand(1);
  AddDbCommands(app);
  AddServeCommands(app);
  AddAuditCommands(app);
  AddDemoCommands(app);
  AddImportCommands(app);
  AddInstrumentsCommands(app);
  AddScreeningCommands(app);
  AddIndicatorsCommands(app);
  AddKeysCommands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}

}  // namespace xq::cli
