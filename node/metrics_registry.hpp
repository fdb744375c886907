#pragma once
// The node's Prometheus metrics (`GET /metrics`, text format 0.0.4): a
// telemetry_sink that turns the runtime's events into counters and
// histograms, plus what only the node sees (HTTP requests, log lag from an
// entry's timestamp to its delivery, the tree's restart counts) and the
// process itself (RSS, CPU). docs/node.md lists the families.
//
// Every label value passes core/redact before it is stored, so no secret
// reaches a label even if a caller passes one. Labels are bounded sets
// (apps, route patterns, statuses): pass a route's pattern
// ("/v1/apps/{app}/logs/sse"), never the request's path.

#include <atlas/core/telemetry.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace atlas {

/// One object is both the runtime's sink (runtime_parts::telemetry) and the
/// node's metrics (node_config::metrics); it must outlive both.
class metrics_registry final : public telemetry_sink {
public:
  metrics_registry();
  ~metrics_registry() override;
  metrics_registry(const metrics_registry&) = delete;
  metrics_registry& operator=(const metrics_registry&) = delete;

  /// token.acquire, logs.fetch, logs.evict, deploy.line, deploy.exit,
  /// supervisor.*; every event is also counted by name. Thread-safe.
  void handle(const telemetry_event& ev) override;

  /// One answered HTTP request: `route` is the matched pattern (or
  /// "unmatched"), `status` the answer's status.
  void observe_http(std::string_view route, std::string_view method, int status,
                    std::chrono::duration<double> took);
  /// Seconds from a log entry's own timestamp to its delivery to a client.
  void observe_log_lag(std::string_view app, double seconds);
  /// Events written to live-log clients (SSE or WebSocket), by kind
  /// ("logs", "gap", "stopped", "evicted") and the entries they carried.
  void observe_stream_event(std::string_view app, std::string_view kind, std::size_t entries);
  /// Live-log clients connected now, per transport ("sse", "ws").
  void add_stream_clients(std::string_view transport, int delta);
  /// A child's restart count as the tree reports it ("atlas_sup/fly_sup/tokens_sup").
  void set_supervisor_restarts(std::string_view child_path, std::uint64_t restarts);

  /// Every family in text format 0.0.4 (HELP, TYPE, samples; histograms as
  /// _bucket/_sum/_count), the process figures read from /proc at the call.
  std::string render() const;

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

/// This process's resident set size in bytes (/proc/self/statm); -1 if unknown.
long long process_rss_bytes();
/// This process's CPU time, user + system, in seconds (/proc/self/stat); -1 if unknown.
double process_cpu_seconds();

} // namespace atlas
