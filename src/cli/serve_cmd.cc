// Placeholder until the serve commands land.
#include "cli/cli.h"

namespace xq::cli {

void AddServeCommands(CLI::App&) {}

}  // namespace xq::cli
