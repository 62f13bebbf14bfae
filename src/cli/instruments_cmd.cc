// Placeholder until the instruments commands land.
#include "cli/cli.h"

namespace xq::cli {

void AddInstrumentsCommands(CLI::App&) {}

}  // namespace xq::cli
