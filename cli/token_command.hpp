#pragma once
// `atlas token get|invalidate|refresh|set-manual APP`: the token facade from
// a shell. The token goes to stdout only (for `$(atlas token get app)`), its
// source to stderr; set-manual reads the token from stdin, never from argv,
// where every user of the machine could see it.

#include <CLI/App.hpp>

namespace atlas::cli {

/// Exit statuses of `atlas token` (docs/tokens.md).
enum token_exit : int {
  token_ok = 0,
  token_failed = 1,       ///< anything not listed below
  token_bad_input = 2,    ///< bad configuration, app name or token shape
  token_none = 3,         ///< errc::no_token_available
  token_storage = 4,      ///< errc::persist_failed or errc::storage_corrupt
  token_timeout = 5,      ///< errc::timeout
};

/// Adds `token` and its subcommands to `app`.
void add_token_command(CLI::App& app, int& exit_code);

} // namespace atlas::cli
