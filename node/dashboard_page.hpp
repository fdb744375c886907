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

struct dashboard_app {
  std::string name;
  std::string dir{};              ///< where its fly.toml is; "" when only the token tree knows it
  std::string token_source{};     ///< "cache", "env", ... ; "" or "none": no token yet
  std::string token_expires_at{}; ///< ISO 8601; "" when unknown or never
};

struct dashboard_log_line {
  std::string timestamp; ///< ISO 8601
  std::string region{};
  std::string instance{};
  std::string level{};
  std::string message{};
};

struct dashboard_app_logs {
  std::string app;
  std::vector<dashboard_log_line> lines; ///< oldest first; the node keeps the last few per app
};

struct dashboard_deploy {
  std::string ticket;
  std::string app{};
  std::string dir{};
  std::string state{};      ///< "running", "finished", ...
  std::string started_at{}; ///< ISO 8601
  std::string result{};     ///< "ok", "exit_status 1", "timeout (activity (5m))"...; "" while running
};

/// One node of the supervision tree, flattened: depth 0 is the root.
struct dashboard_tree_row {
  int depth = 0;
  std::string id;
  std::string type{};  ///< "supervisor" or "worker"
  std::string state{}; ///< "running", "restarting", ...
  std::uint32_t restarts = 0;
};

struct dashboard_compute_row {
  std::string id;
  std::string name{};
  std::string provider{};
  std::string state{};
  std::string detail{}; ///< e.g. "idle_ttl 15m, touched 2026-12-01T20:40:00Z"
};

struct dashboard_metric {
  std::string name;  ///< "log entries", "HTTP requests", "RSS"
  std::string value; ///< already formatted: "1,204", "38.2 MiB"
};

struct dashboard_snapshot {
  std::string node_version{};
  std::vector<dashboard_app> apps{};
  std::vector<dashboard_app_logs> logs{};
  std::vector<dashboard_deploy> deploys{};
  std::vector<dashboard_tree_row> tree{};
  /// Nothing: the orchestrator is disabled (the table says so).
  std::optional<std::vector<dashboard_compute_row>> compute{};
  std::vector<dashboard_metric> metrics{};
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
