// Placeholder until the audit commands land.
#include "cli/cli.h"

namespace xq::cli {

void AddAuditCommands(CLI::App&) {}

}  // namespace xq::cli
