#pragma once
// `GET /` of the node: the dashboard as a complete HTML page, every table
// rendered on the server (so it reads without JavaScript), plus
// /assets/app.js, which takes the page over and makes it live (SSE logs,
// deploy output, polling of /v1/apps, /v1/tree, /v1/compute, /metrics).
//
// The node fills a dashboard_snapshot from what it has at hand when the
// request comes (the facades, runtime::tree(), the metrics registry) and
// answers render_dashboard_page(snapshot) as text/html. Every string is
// HTML-escaped here; the caller passes plain text. Secrets never belong in
// a snapshot (token *values* have no field).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atlas {

struct tree_node; // <atlas/api/runtime.hpp>

/// A row of the Apps table: an app and the status of its token.
struct dashboard_app {
  std::string name; ///< the Fly app's name
  std::string dir{};              ///< where its fly.toml is; "" when only the token tree knows it
  std::string token_source{};     ///< "cache", "env", ... ; "" or "none": no token yet
  std::string token_expires_at{}; ///< ISO 8601; "" when unknown or never
};

/// One buffered log line, as the Live logs view shows it.
struct dashboard_log_line {
  std::string timestamp; ///< ISO 8601
  std::string region{};   ///< Fly region code of the machine that logged it
  std::string instance{}; ///< the machine (instance) id
  std::string level{};    ///< "info", "error", ... as Fly gave it
  std::string message{};  ///< the line's text
};

/// The recent log lines of one app.
struct dashboard_app_logs {
  std::string app; ///< the Fly app's name
  std::vector<dashboard_log_line> lines; ///< oldest first; the node keeps the last few per app
};

/// A row of the Deploys table (the deploy board's entry).
struct dashboard_deploy {
  std::string ticket; ///< the deploy's id on the board (GET /v1/deploys/{ticket}/sse)
  std::string app{};  ///< the app deployed
  std::string dir{};  ///< the directory `fly deploy` ran in
  std::string state{};      ///< "running", "finished", ...
  std::string started_at{}; ///< ISO 8601
  std::string result{};     ///< "ok", "exit_status 1", "timeout (activity (5m))"...; "" while running
};

/// One node of the supervision tree, flattened: depth 0 is the root.
struct dashboard_tree_row {
  int depth = 0;       ///< 0 for the root; the page indents at most 9 levels
  std::string id;      ///< the child's id in its supervisor
  std::string type{};  ///< "supervisor" or "worker"
  std::string state{}; ///< "running", "restarting", ...
  std::uint32_t restarts = 0; ///< since its supervisor started; highlighted when above 0
};

/// A row of the Compute table: one resource the orchestrator tracks.
struct dashboard_compute_row {
  std::string id;         ///< the resource's id at its provider
  std::string name{};     ///< the resource's name
  std::string provider{}; ///< the provider that made it
  std::string state{};    ///< its status, or "terminating"
  std::string detail{}; ///< e.g. "idle_ttl 15m, touched 2026-12-01T20:40:00Z"
};

/// A row of the Metrics table.
struct dashboard_metric {
  std::string name;  ///< "log entries", "HTTP requests", "RSS"
  std::string value; ///< already formatted: "1,204", "38.2 MiB"
};

/// Everything the page shows, as plain text (escaped when rendered).
struct dashboard_snapshot {
  std::string node_version{}; ///< shown in the header; "": not shown
  std::vector<dashboard_app> apps{};       ///< the Apps table, in this order
  std::vector<dashboard_app_logs> logs{};  ///< one Live logs table per entry
  std::vector<dashboard_deploy> deploys{}; ///< the Deploys table
  std::vector<dashboard_tree_row> tree{};  ///< the supervision tree, as dashboard_tree_rows gives it; empty: it did not answer
  /// Nothing: the orchestrator is disabled (the table says so).
  std::optional<std::vector<dashboard_compute_row>> compute{};
  std::vector<dashboard_metric> metrics{}; ///< the Metrics table (the full set is at /metrics)
  /// Shown at the top when set, e.g. "the tree did not answer in 5s".
  std::vector<std::string> notices{};
};

/// The tree, depth first in its children's order.
std::vector<dashboard_tree_row> dashboard_tree_rows(const tree_node& root);

/// The whole page, UTF-8, every value HTML-escaped.
std::string render_dashboard_page(const dashboard_snapshot& s);

/// `&<>"'` as entities; the rest as it is.
std::string html_escape(std::string_view text);

} // namespace atlas
