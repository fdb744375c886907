#pragma once
// The orchestrator on the node (docs/node.md "Compute", issue #12): tracked
// compute as JSON routes under /v1/compute, its events as one SSE stream
// (topic "atlas:compute", the one the orchestrator publishes to: ExAtlas's
// dashboard listened where nobody published, defect 29), and the rows of
// the dashboard's compute table. Like node_server, nothing here blocks the
// server's thread: spawn, touch and terminate run on short-lived CAF actors
// (the facade's async calls), stop on a detached one, reads come from the
// registry without an actor hop.

#include <atlas/api/orchestrator.hpp>
#include <atlas/net/http_server.hpp>
#include <atlas/node/dashboard_page.hpp>

#include <caf/fwd.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace atlas {

/// What the compute routes borrow from node_server. Both functions are
/// called only while add_compute_routes runs.
struct compute_route_hooks {
  caf::actor_system* sys = nullptr; ///< the node's actor system, for the routes' short-lived actors; must outlive the routes
  orchestrator orch{}; ///< default-constructed: every route answers 501
  /// Adds an authenticated JSON route, observed by its pattern.
  std::function<void(const std::string& method, const std::string& pattern, http_handler h)> add_json{};
  /// The guard of an event stream route (credentials, the node stopping).
  std::function<http_router::stream_guard(const std::string& pattern)> stream_guard{};
};

/// Adds to `r`: GET /v1/compute/events (SSE), GET /v1/compute,
/// POST /v1/compute, GET /v1/compute/{id}, POST /v1/compute/{id}/touch,
/// /stop and /terminate. With the orchestrator enabled it subscribes one
/// small actor to "atlas:compute" (again after the dispatcher restarts),
/// which lives as long as the routes do.
void add_compute_routes(http_router& r, compute_route_hooks hooks);

/// The dashboard's compute table now; nothing when the orchestrator is disabled.
std::optional<std::vector<dashboard_compute_row>> compute_dashboard_rows(const orchestrator& o);

} // namespace atlas
