#pragma once
// `atlas node`'s HTTP API on net/'s server (docs/node.md): apps and their
// token status, live logs as SSE and WebSocket, deploys, the supervision
// tree, health, metrics, signed URLs and the dashboard, every route but
// /healthz behind node_auth. It serves a runtime that is already up and
// never blocks the server's thread: what waits (token chain, deploy start,
// tree walk, app discovery) runs on CAF actors and answers later.

#include <atlas/api/runtime.hpp>
#include <atlas/core/expected.hpp>
#include <atlas/core/options.hpp>

#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace atlas {

class metrics_registry;

/// What a node_server needs besides the runtime.
struct node_config {
  node_options node{};         ///< listen, tls, limits, SSE, session
  std::string auth_file{};     ///< the bearer token store (node_auth_file)
  std::string secret_file{};   ///< the HMAC key (node_secret_file)
  /// Serves /metrics and observes requests, log lag and stream clients;
  /// the same registry should be the runtime's telemetry sink. Must outlive
  /// the server. Null: /metrics answers 503.
  metrics_registry* metrics = nullptr;
};

/// node.* of `o`, with the auth files resolved against tokens.storage_dir.
node_config node_config_from(const options& o);

/// `atlas node`'s HTTP API and dashboard, serving one runtime.
class node_server {
public:
  /// Listens on node.listen ("127.0.0.1:0" in tests: see port()) and serves
  /// `rt`. errc::validation for a bad listen address or TLS pair,
  /// errc::transport when the address cannot be bound, errc::storage_corrupt
  /// for an unreadable secret.
  static expected<std::unique_ptr<node_server>> start(caf::actor_system& sys, runtime rt,
                                                      node_config cfg);
  ~node_server();
  node_server(const node_server&) = delete;
  node_server& operator=(const node_server&) = delete;

  /// The port it listens on (the bound one when node.listen says port 0).
  std::uint16_t port() const;
  /// "http://127.0.0.1:PORT" (https with TLS).
  std::string base_url() const;
  /// A signed login URL for a browser (valid node.session_ttl).
  std::string dashboard_url() const;

  /// /readyz answers 503 from now on; every log and deploy stream gets a
  /// final `stopped` event (WebSockets a close frame), then the HTTP server
  /// stops, letting requests in flight finish until `deadline`.
  /// errc::timeout when requests were still unanswered at the deadline.
  expected<void> stop(duration deadline);

  struct impl;

private:
  explicit node_server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace atlas
