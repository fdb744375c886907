#pragma once
// What the node reports to its metrics besides the runtime's telemetry
// events (docs/node.md "/metrics"): each HTTP request with its route and
// status, and each log line's lag from its timestamp to its delivery to a
// stream client. The Prometheus registry implements it.

#include <string>
#include <string_view>

namespace atlas {

class node_metrics {
public:
  virtual ~node_metrics() = default;
  /// `route`: the pattern ("/v1/apps/{app}/token"), never a raw path.
  virtual void http_request(std::string_view method, std::string_view route, int status,
                            double seconds) = 0;
  /// One line delivered `lag_seconds` after its timestamp.
  virtual void log_delivered(std::string_view app, double lag_seconds) = 0;
  /// The Prometheus text exposition (format 0.0.4).
  virtual std::string render() = 0;
};

} // namespace atlas
