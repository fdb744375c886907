#pragma once
// `atlas node [--sim] [flags]`: the standalone node (docs/node.md). Loads the
// options (atlas.toml, environment, then a flag for every key), starts the
// runtime and the node's HTTP API, prints where it listens and a dashboard
// URL, and serves until SIGINT or SIGTERM: then every stream gets its final
// event, the tree stops in OTP order, storage is flushed and it exits 0. A
// second signal exits at once. With --sim it runs against the built-in Fly
// simulator and the stand-in flyctl, with demo apps.
//
// `atlas node token create|list|revoke` manage the API's bearer tokens;
// `atlas node dashboard-url` prints a fresh signed login URL.

#include <CLI/App.hpp>

namespace atlas::cli {

/// Exit statuses of `atlas node`.
enum node_exit : int {
  node_ok = 0,        ///< stopped by a signal, cleanly
  node_failed = 1,    ///< the runtime or the server failed to start or stop
  node_bad_input = 2, ///< a bad option (the message names it)
};

void add_node_command(CLI::App& app, int& exit_code);

} // namespace atlas::cli
