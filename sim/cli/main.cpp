// cxsim command-line entry point: parses the subcommand and maps typed errors
// to exit codes (the only place that does).
#include <cstdio>
int main() { std::puts("cxsim (under construction)"); return 0; }
