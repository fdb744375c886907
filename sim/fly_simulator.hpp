#pragma once
// A hermetic Fly API on 127.0.0.1 (DESIGN.md §6, reference/fly_api.md §1, §6):
// Machines REST (apps, machines with their states, wait, leases, metadata)
// with Fly's status codes, error bodies, token check and rate limits, fault
// injection per route, and a record of what it received. Start one per test
// (port 0) or run it with `atlas sim`. docs/simulator.md says what it
// reproduces and what it does not.

#include <atlas/core/expected.hpp>
#include <atlas/core/log_entry.hpp>
#include <atlas/core/options.hpp>
#include <atlas/net/rate_limiter.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace atlas {

/// Fly's documented Machines API limits (reference/fly_api.md §1.1): 1 req/s
/// with bursts of 3 per action and machine (or app); Get Machine 5 req/s,
/// bursts of 10. The client paces itself by the same table.
std::map<std::string, bucket_spec, std::less<>> fly_machines_rate_limits();

/// Where a fly_simulator listens, what it accepts, and how it behaves.
struct fly_simulator_options {
  std::string host = "127.0.0.1"; ///< an IP address to listen on
  std::uint16_t port = 0; ///< 0: any free port
  /// Tokens it accepts (as `Bearer T`, `FlyV1 T` or `Bearer FlyV1 T`); empty:
  /// one is made up and given by token().
  std::vector<std::string> tokens{};
  std::string org = "personal"; ///< the one organization apps belong to
  /// How long a transient state lasts (starting, stopping, suspending,
  /// destroying…) before the machine reaches the next persistent one.
  duration transition = std::chrono::milliseconds{20};
  bool enforce_rate_limits = true; ///< 429 with Retry-After, as Fly
  std::map<std::string, bucket_spec, std::less<>> rate_limits = fly_machines_rate_limits(); ///< per action, when enforced
  bucket_spec default_rate_limit{1, 3}; ///< actions the table does not name
  /// Log lines made up per app and second (0: only those added by append_log()).
  double log_rate = 0;
};

/// A fault for the next `times` requests that match a route.
struct fly_fault {
  /// What the matching requests get.
  enum class kind : std::uint8_t {
    status, ///< answer `status` with a Fly error body (and Retry-After if set)
    reset,  ///< reset the connection without answering
    delay,  ///< answer normally, `delay` late
    truncate, ///< answer normally, but only the first half of the body, cut inside a line
  };
  kind what = kind::status; ///< which fault
  int status = 500;         ///< with kind status: the HTTP status answered (400–599)
  std::uint32_t times = 1;  ///< how many matching requests get it; 0: none (nothing is armed)
  duration retry_after{0}; ///< with a 429 or 503: the Retry-After header, in seconds (rounded up)
  duration delay{0};        ///< with kind delay: how much later the answer goes
  /// With kind status: the error body's "status" word, e.g.
  /// "insufficient_capacity" (Fly's ErrorResponse status, reference/fly_api.md §1.1).
  std::string fly_status{};
};

/// One request as the simulator saw it. Never the token: only its scheme.
struct fly_recorded_request {
  std::string method; ///< as sent
  std::string route; ///< the pattern it matched: "/v1/apps/{app}/machines/{id}"
  std::string path;  ///< the path, decoded
  std::string query; ///< the query as sent, without '?'
  std::string auth_scheme; ///< "Bearer", "FlyV1", "Bearer FlyV1" or "" (none)
  int status = 0;          ///< what it answered (0: reset)
};

/// The simulated Fly API: an HTTP server on its own thread with its
/// machines model, logs, faults and record. Thread-safe.
class fly_simulator {
public:
  /// Listens and serves; errc::transport when the address cannot be bound.
  static expected<std::unique_ptr<fly_simulator>> start(fly_simulator_options opts = {});
  ~fly_simulator();
  fly_simulator(const fly_simulator&) = delete;
  fly_simulator& operator=(const fly_simulator&) = delete;

  /// "http://127.0.0.1:PORT": what FLY_FLAPS_BASE_URL (and FLY_API_BASE_URL) point at.
  std::string base_url() const;
  /// The first accepted token.
  const std::string& token() const;

  /// Creates an app as POST /v1/apps would (errc::conflict when taken,
  /// errc::validation for a bad name): seeding, without a request.
  expected<void> add_app(const std::string& name);

  /// Adds a log line to an app's logs (timestamp 0: now; id empty: one is made).
  void append_log(const std::string& app, log_entry e);
  /// Log lines made up per second for `app` from now on.
  void set_log_rate(const std::string& app, double per_second);

  /// The next `f.times` requests of `method` ("*": any) on `route` (a route
  /// pattern as recorded, or "*") get `f`. Also over HTTP: POST /__sim/faults
  /// with {"method","route","kind","status","times","retry_after_ms","delay_ms"};
  /// DELETE /__sim/faults clears them.
  void inject(std::string method, std::string route, fly_fault f);
  /// Disarms every fault not yet used up.
  void clear_faults();

  /// What it received so far, oldest first (also GET /__sim/requests).
  std::vector<fly_recorded_request> requests() const;
  /// How many received requests matched `method` and `route` and got `status` (0: any).
  std::size_t count(std::string_view method, std::string_view route, int status = 0) const;

  /// Stops serving; waiting requests are answered first. Idempotent.
  void stop();

  struct impl;

private:
  explicit fly_simulator(std::shared_ptr<impl> p);
  std::shared_ptr<impl> impl_;
};

} // namespace atlas
