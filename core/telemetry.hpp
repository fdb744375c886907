#pragma once
// Telemetry events (ExAtlas's catalogue, reference/exatlas.md §10) go to a
// pluggable sink; `atlas node` turns them into Prometheus metrics.

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace atlas {

/// One event: a dotted name ("token.acquire"), numbers (duration_us,
/// count), and labels (app, source, status). Labels never hold secrets:
/// emit() redacts them on the way out, as a last line of defence.
struct telemetry_event {
  /// Dotted event name, e.g. "token.acquire".
  std::string name;
  /// Numbers by name (duration_us, count, ...).
  std::vector<std::pair<std::string, double>> measurements;
  /// Labels by name (app, source, status, ...); never secrets.
  std::vector<std::pair<std::string, std::string>> metadata;

  /// The label's value, or "" when the event has no such label.
  const std::string& label(const std::string& key) const;
  /// The measurement's value, or 0 when the event has none.
  double measurement(const std::string& key) const;
};

/// Receives events. Called from many threads at once (actors, I/O threads):
/// an implementation must be thread-safe and must not block for long.
class telemetry_sink {
public:
  virtual ~telemetry_sink() = default;
  /// Receives one event; thread-safe, quick.
  virtual void handle(const telemetry_event& ev) = 0;
};

/// Sends `ev` to `sink` (nothing when null) with its labels redacted. A sink
/// that throws is logged and otherwise ignored: telemetry never fails a caller.
void emit(telemetry_sink* sink, telemetry_event ev);

/// Keeps every event in memory; for tests and diagnostics.
class memory_telemetry_sink final : public telemetry_sink {
public:
  /// Stores the event.
  void handle(const telemetry_event& ev) override;
  /// Every event so far, oldest first.
  std::vector<telemetry_event> events() const;
  /// Only the events called `name`.
  std::vector<telemetry_event> events(const std::string& name) const;

private:
  mutable std::mutex mtx_;
  std::vector<telemetry_event> events_;
};

} // namespace atlas
