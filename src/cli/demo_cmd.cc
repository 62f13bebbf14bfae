// Placeholder until the demo commands land.
#include "cli/cli.h"

namespace xq::cli {

void AddDemoCommands(CLI::App&) {}

}  // namespace xq::cli
