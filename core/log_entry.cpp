#include <atlas/core/log_entry.hpp>

#include <atlas/core/redact.hpp>

#include <cstdio>
#include <ctime>

namespace atlas {

std::string format_timestamp(std::int64_t timestamp_ns) {
  // Floor division, so instants before 1970 keep a non-negative fraction.
  std::int64_t secs = timestamp_ns / 1'000'000'000;
  std::int64_t frac = timestamp_ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &utc);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%09lldZ", date, static_cast<long long>(frac));
  return out;
}

std::string to_string(const log_entry& e) {
  std::string out = format_timestamp(e.timestamp_ns);
  out += ' ';
  out += e.app;
  out += '[';
  out += e.instance;
  out += "] ";
  out += e.region;
  out += " [";
  out += e.level;
  out += "] ";
  out += redact(e.message);
  return out;
}

} // namespace atlas
