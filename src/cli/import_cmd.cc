// Placeholder until the import commands land.
#include "cli/cli.h"

namespace xq::cli {

void AddImportCommands(CLI::App&) {}

}  // namespace xq::cli
