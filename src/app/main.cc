// xinqiao: the server binary and its command-line tools.
#include <utility>

#include "cli/cli.h"

int main(int argc, char** argv) { return xq::cli::Main(argc, argv); }
