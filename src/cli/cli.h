// Command-line entry: `xinqiao serve|migrate|demo|import|audit|instruments|score ...`.
// Each command group lives in its own *_cmd.cc and registers itself here.
#pragma once

namespace CLI {
class App;
}

namespace xq::cli {

int Main(int argc, char** argv);

// Registration hooks, one per command group. Each adds subcommands to app.
void AddDbCommands(CLI::App& app);           // migrate
void AddServeCommands(CLI::App& app);        // serve, routes
void AddAuditCommands(CLI::App& app);        // audit verify
void AddDemoCommands(CLI::App& app);         // demo, demo accounts
void AddImportCommands(CLI::App& app);       // import roster
void AddInstrumentsCommands(CLI::App& app);  // instruments ..., score
void AddScreeningCommands(CLI::App& app);    // screening import
void AddIndicatorsCommands(CLI::App& app);   // indicators recompute
void AddKeysCommands(CLI::App& app);         // keys init, keys rotate

}  // namespace xq::cli
