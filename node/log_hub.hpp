#pragma once
// The node's live log streams (docs/node.md, "Log streams"): one topic per
// app and filters, subscribed once to the runtime's logs facade by a small
// actor, however many SSE and WebSocket clients watch it. Each batch (and
// each gap) becomes one numbered event, id "<topic>-<n>": n grows by one per
// event and <topic> is new for each subscription, so a client that resumes
// with Last-Event-ID gets exactly the events after it: the ones still in the
// topic's buffer are replayed before any live one, and if the id is older
// than the buffer, or of an earlier subscription, an `event: gap` says so
// first. A topic nobody watches keeps its subscription for node.sse_linger.

#include <atlas/api/logs.hpp>
#include <atlas/net/http_server.hpp>

#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace atlas {

class metrics_registry;

/// How much a log_hub keeps, and for how long.
struct log_hub_options {
  std::size_t buffer = 1024;                      ///< node.sse_buffer: events kept per topic
  duration linger = std::chrono::minutes{1};      ///< node.sse_linger
};

/// Which lines of an app a stream wants; a topic per app and filter.
struct log_stream_filter {
  std::string region{};   ///< a Fly region code; empty: all
  std::string instance{}; ///< a machine (instance) id; empty: all
};

/// The node's live log topics and their SSE and WebSocket clients.
class log_hub {
public:
  /// `metrics` (may be null): log lag, stream events and clients.
  log_hub(caf::actor_system& sys, logs facade, log_hub_options opts, metrics_registry* metrics);
  ~log_hub();
  log_hub(const log_hub&) = delete;
  log_hub& operator=(const log_hub&) = delete;

  /// Adds a client to the app's topic (subscribing it first when it is new).
  /// `last_event_id`: what the client saw last ("" for a new client: live only).
  void attach(const std::string& app, const log_stream_filter& f, sse_stream s,
              const std::string& last_event_id);
  /// The same for a WebSocket client: each event is one JSON text frame,
  /// its name in "type"; `last_event_id` comes from the query.
  void attach(const std::string& app, const log_stream_filter& f, websocket_stream s,
              const std::string& last_event_id);

  /// Every client gets a final `stopped` event and its stream is closed;
  /// every subscription ends. Waits (at most `deadline`) until the clients'
  /// streams have ended. Later attaches are refused with the same event.
  void stop(duration deadline);

  /// Topics subscribed now, and clients attached now (for tests and /v1/streams).
  std::size_t topics() const;
  /// Client streams open now, SSE and WebSocket.
  std::size_t clients() const;

  /// A buffered line as the dashboard shows it (the message already redacted).
  struct recent_line {
    std::string timestamp, region, instance, level, message;
    /** \var timestamp
        RFC 3339, UTC, with nanoseconds, as in the event. */
    /** \var region
        The Fly region code of the machine that logged it. */
    /** \var instance
        The machine (instance) id. */
    /** \var level
        The level Fly gave ("info", "error", ...). */
    /** \var message
        The line's text, redacted. */
  };
  /// The last `n` lines still buffered for `app`'s unfiltered stream, oldest first.
  std::vector<recent_line> recent(const std::string& app, std::size_t n) const;

  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

} // namespace atlas
