#pragma once
// One Fly log line, as both log APIs give it (reference/fly_api.md §2,
// reference/exatlas.md §7.1).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace atlas {

/// A log line. `timestamp_ns` is nanoseconds since the Unix epoch as a 64-bit
/// integer: Fly's cursors are above 2^53 and a double would lose them.
struct log_entry {
  /// Nanoseconds since the epoch (64-bit: Fly's cursors are above 2^53).
  std::int64_t timestamp_ns = 0;
  std::string id;       ///< the JSON:API entry id; empty in the NDJSON form
  std::string app;      ///< fly.app.name
  std::string instance; ///< the machine id (fly.app.instance)
  std::string region;   ///< three-letter region code (fly.region)
  std::string level;    ///< log.level, e.g. "info"
  /// The line's text, as the app wrote it (redact before printing).
  std::string message;

  /// Equal when every field is.
  friend bool operator==(const log_entry&, const log_entry&) = default;

  template <class Inspector>
  friend auto inspect(Inspector& f, log_entry& x) {
    return f(x.timestamp_ns, x.id, x.app, x.instance, x.region, x.level, x.message);
  }
};

/// RFC 3339 UTC with nanoseconds: "2026-11-25T10:00:00.123456789Z".
std::string format_timestamp(std::int64_t timestamp_ns);

/// The instant of an RFC 3339 timestamp, in nanoseconds since the epoch:
/// "2026-11-25T10:00:00Z", with 1 to 9 fraction digits, with "Z" or an offset
/// ("+02:00"). Nothing when the text is not one.
std::optional<std::int64_t> parse_timestamp(std::string_view text);

/// "2026-11-25T10:00:00.123456789Z app[instance] region [level] message",
/// flyctl's line shape. The message is redacted.
std::string to_string(const log_entry& e);

} // namespace atlas
