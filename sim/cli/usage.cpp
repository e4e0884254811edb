// Unknown subcommands and options, found before CLI11 parses: CLI11 alone
// reports `cxsim rnu` as "A subcommand is required" and `run --custmers 5 x`
// as a problem with the file '5'. Here each gets its own message, with a
// did-you-mean, or the list of subcommands.
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "commands.h"
#include "cxsim/core/strings.h"

namespace cxsim::cli {

namespace {

bool is_number(std::string_view t) {
  return t.size() > 1 && t[0] == '-' && (std::isdigit(static_cast<unsigned char>(t[1])) || t[1] == '.');
}

// "--customers", "-n", ... of one (sub)command, for suggestions.
std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::Option* o : app.get_options()) {
    for (const auto& l : o->get_lnames()) out.push_back("--" + l);
    for (const auto& s : o->get_snames()) out.push_back("-" + s);
  }
  return out;
}

// The option `token` names in `app` (token "--name", "--name=value", "-x" or "-xVALUE"), or null.
const CLI::Option* find_option(const CLI::App& app, std::string_view token) {
  const bool is_long = token.substr(0, 2) == "--";
  std::string_view name = token.substr(is_long ? 2 : 1);
  if (is_long) name = name.substr(0, name.find('='));
  else name = name.substr(0, 1);
  for (const CLI::Option* o : app.get_options()) {
    const auto& names = is_long ? o->get_lnames() : o->get_snames();
    for (const auto& n : names)
      if (n == name) return o;
  }
  return nullptr;
}

std::string unknown_option(const CLI::App& app, const std::string& command, std::string_view token) {
  const std::string name(token.substr(0, token.find('=')));
  // A one-letter option is close to every other one: suggest long names only.
  const std::string sug = name.substr(0, 2) == "--" ? core::did_you_mean(name, option_names(app)) : std::string();
  return fmt::format("{}unknown option '{}'{}; see '{} --help'", command.empty() ? "" : command + ": ", name,
                     sug.empty() ? "" : " (did you mean '" + sug + "'?)",
                     command.empty() ? "cxsim" : "cxsim " + command);
}

}  // namespace

std::string unknown_argument(CLI::App& app, int argc, const char* const* argv) {
  int i = 1;
  // Options before the subcommand: only the top level's own (--help, --version).
  for (; i < argc && argv[i][0] == '-' && std::string_view(argv[i]) != "--"; ++i)
    if (!find_option(app, argv[i])) return unknown_option(app, "", argv[i]);
  if (i >= argc || std::string_view(argv[i]) == "--") return {};
  const std::string word = argv[i];
  std::vector<std::string> names;
  const CLI::App* sub = nullptr;
  for (const CLI::App* s : app.get_subcommands({})) {
    names.push_back(s->get_name());
    if (s->get_name() == word) sub = s;
  }
  if (!sub) {
    const std::string sug = core::did_you_mean(word, names);
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    return fmt::format("unknown subcommand '{}'{}; the subcommands are {} (see 'cxsim --help')", word,
                       sug.empty() ? "" : " (did you mean '" + sug + "'?)", list);
  }
  for (++i; i < argc; ++i) {
    const std::string_view t = argv[i];
    if (t == "--") break;  // everything after is positional
    if (t.size() < 2 || t[0] != '-' || is_number(t)) continue;
    const CLI::Option* o = find_option(*sub, t);
    if (!o) return unknown_option(*sub, word, t);
    // An option that takes a value given as the next word ("-o x", "--seed 3"): skip the value.
    const bool inline_value = t.substr(0, 2) == "--" ? t.find('=') != std::string_view::npos : t.size() > 2;
    if (o->get_items_expected_min() > 0 && !inline_value) ++i;
  }
  return {};
}

}  // namespace cxsim::cli
