#include <atlas/node/metrics_registry.hpp>

#include <atlas/core/redact.hpp>

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>
#include <vector>

namespace atlas {

namespace {

enum class kind { counter, gauge, histogram };

const char* type_name(kind k) {
  switch (k) {
    case kind::counter: return "counter";
    case kind::gauge: return "gauge";
    case kind::histogram: return "histogram";
  }
  return "untyped";
}

/// A Prometheus float: shortest round-trip form, +Inf/-Inf/NaN as the
/// format spells them.
std::string number(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

/// Label values: backslash, double quote and newline escaped (format 0.0.4).
void append_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

/// HELP text: backslash and newline escaped.
std::string help_text(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string clean_label(std::string_view v) {
  return contains_secret(v) ? redact(v) : std::string{v};
}

/// One metric family: its samples keyed by label values (in the order of
/// `labels`). One mutex per family keeps writers of different families
/// apart; every operation holds it for a map lookup and an addition.
class family {
public:
  /// Series beyond this many fold into one whose labels are all "other", so a
  /// label fed from outside (a topic, a route) cannot grow the registry
  /// without bound.
  static constexpr std::size_t max_series = 2000;

  family(std::string name, std::string help, kind k, std::vector<std::string> labels,
         std::vector<double> buckets = {})
      : name_(std::move(name)), help_(std::move(help)), kind_(k), labels_(std::move(labels)),
        buckets_(std::move(buckets)) {
    if (labels_.empty()) // a family without labels always shows its one sample
      series_.emplace(std::vector<std::string>{}, series{std::vector<std::uint64_t>(buckets_.size(), 0)});
  }

  void add(std::vector<std::string> values, double v) {
    std::lock_guard g{mtx_};
    at(std::move(values)).value += v;
  }

  void set(std::vector<std::string> values, double v) {
    std::lock_guard g{mtx_};
    at(std::move(values)).value = v;
  }

  void observe(std::vector<std::string> values, double v) {
    std::lock_guard g{mtx_};
    auto& s = at(std::move(values));
    auto b = std::lower_bound(buckets_.begin(), buckets_.end(), v); // le: v <= bound
    if (b != buckets_.end())
      ++s.buckets[static_cast<std::size_t>(b - buckets_.begin())];
    s.value += v;
    ++s.count;
  }

  void render(std::string& out) const {
    out += "# HELP " + name_ + " " + help_text(help_) + "\n";
    out += "# TYPE " + name_ + " " + type_name(kind_) + "\n";
    std::lock_guard g{mtx_};
    for (const auto& [values, s] : series_) {
      if (kind_ != kind::histogram) {
        out += name_;
        append_labels(out, values, {});
        out += " " + number(s.value) + "\n";
        continue;
      }
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < buckets_.size(); ++i) {
        cumulative += s.buckets[i];
        out += name_ + "_bucket";
        append_labels(out, values, number(buckets_[i]));
        out += " " + std::to_string(cumulative) + "\n";
      }
      out += name_ + "_bucket";
      append_labels(out, values, "+Inf");
      out += " " + std::to_string(s.count) + "\n";
      out += name_ + "_sum";
      append_labels(out, values, {});
      out += " " + number(s.value) + "\n";
      out += name_ + "_count";
      append_labels(out, values, {});
      out += " " + std::to_string(s.count) + "\n";
    }
  }

private:
  struct series {
    std::vector<std::uint64_t> buckets{}; ///< per bucket, not cumulative
    double value = 0;                     ///< counter/gauge value, or histogram sum
    std::uint64_t count = 0;
  };

  series& at(std::vector<std::string> values) {
    values.resize(labels_.size());
    // Keys are stored clean, so a hit on the values as given is a hit on
    // clean values: the redaction scan runs only for a new series.
    if (auto hit = series_.find(values); hit != series_.end())
      return hit->second;
    for (auto& v : values)
      v = clean_label(v);
    auto it = series_.find(values);
    if (it != series_.end())
      return it->second;
    if (series_.size() >= max_series)
      values.assign(labels_.size(), "other");
    return series_.try_emplace(std::move(values), series{std::vector<std::uint64_t>(buckets_.size(), 0)})
        .first->second;
  }

  void append_labels(std::string& out, const std::vector<std::string>& values, std::string_view le) const {
    if (labels_.empty() && le.empty())
      return;
    out += '{';
    bool first = true;
    for (std::size_t i = 0; i < labels_.size(); ++i) {
      if (!first)
        out += ',';
      first = false;
      out += labels_[i] + "=\"";
      append_label_value(out, values[i]);
      out += '"';
    }
    if (!le.empty()) {
      if (!first)
        out += ',';
      out += "le=\"";
      out += le;
      out += '"';
    }
    out += '}';
  }

  std::string name_;
  std::string help_;
  kind kind_;
  std::vector<std::string> labels_;
  std::vector<double> buckets_;
  mutable std::mutex mtx_;
  std::map<std::vector<std::string>, series> series_;
};

const std::vector<double> latency_buckets{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
// Log lag is dominated by the poll interval (2 s by default).
const std::vector<double> lag_buckets{0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60};
// Deploys run for seconds to the 30-minute absolute cap.
const std::vector<double> deploy_buckets{1, 5, 10, 30, 60, 120, 300, 600, 900, 1800};

} // namespace

struct metrics_registry::impl {
  family token_acquisitions{"atlas_token_acquisitions_total",
                            "Token acquisitions by the source that answered, who answered and the outcome.",
                            kind::counter, {"source", "acquirer", "outcome"}};
  family token_duration{"atlas_token_acquire_duration_seconds", "Time to answer a token request.",
                        kind::histogram, {"source"}, latency_buckets};
  family log_polls{"atlas_log_polls_total", "Log polls of the Fly API by app and status (ok or an errc name).",
                   kind::counter, {"app", "status"}};
  family log_entries{"atlas_log_entries_total", "Log entries fetched (new, after dedupe) by app.",
                     kind::counter, {"app"}};
  family log_errors{"atlas_log_poll_errors_total", "Log polls that failed, by app and errc name.",
                    kind::counter, {"app", "status"}};
  family log_malformed{"atlas_log_malformed_entries_total", "Malformed log entries skipped, by app.",
                       kind::counter, {"app"}};
  family log_poll_duration{"atlas_log_poll_duration_seconds", "Time of one log poll.", kind::histogram, {},
                           latency_buckets};
  family log_evictions{"atlas_log_evictions_total",
                       "Slow log subscribers evicted (more than max_in_flight batches unhandled), by topic.",
                       kind::counter, {"topic"}};
  family log_lag{"atlas_log_lag_seconds",
                 "From a log entry's timestamp to its delivery to the node's live-log clients (one per line).",
                 kind::histogram, {"app"}, lag_buckets};
  family stream_events{"atlas_log_stream_events_total",
                       "Events written to live-log clients (SSE and WebSocket), by app and kind.",
                       kind::counter, {"app", "kind"}};
  family stream_entries{"atlas_log_stream_entries_total", "Log entries written to live-log clients, by app.",
                        kind::counter, {"app"}};
  family stream_clients{"atlas_log_stream_clients", "Live-log clients connected now, by transport.",
                        kind::gauge, {"transport"}};
  family deploy_lines{"atlas_deploy_lines_total", "Output lines of deploys.", kind::counter, {}};
  family deploys{"atlas_deploys_total", "Finished deploys by outcome (ok, exit_status, timeout, cancelled, ...).",
                 kind::counter, {"status"}};
  family deploy_duration{"atlas_deploy_duration_seconds", "Deploy duration by outcome.", kind::histogram,
                         {"status"}, deploy_buckets};
  family supervisor_restarts{"atlas_supervisor_restarts",
                             "Restarts of each child of the supervision tree, as the tree reports them.",
                             kind::gauge, {"child"}};
  family supervisor_events{"atlas_supervisor_events_total",
                           "Supervisor reports (restart, child_terminated, reached_max_restart_intensity, ...).",
                           kind::counter, {"supervisor", "event"}};
  family http_requests{"atlas_http_requests_total", "HTTP requests answered, by route pattern, method and status.",
                       kind::counter, {"route", "method", "status"}};
  family http_duration{"atlas_http_request_duration_seconds", "Time to answer an HTTP request, by route pattern.",
                       kind::histogram, {"route", "method"}, latency_buckets};
  family events{"atlas_telemetry_events_total", "Telemetry events received, by name.", kind::counter, {"event"}};
};

metrics_registry::metrics_registry() : impl_(std::make_unique<impl>()) {}
metrics_registry::~metrics_registry() = default;

void metrics_registry::handle(const telemetry_event& ev) {
  auto& m = *impl_;
  m.events.add({ev.name}, 1);
  if (ev.name == "token.acquire") {
    m.token_acquisitions.add({ev.label("source"), ev.label("acquirer"), ev.label("outcome")}, 1);
    m.token_duration.observe({ev.label("source")}, ev.measurement("duration_us") / 1e6);
  } else if (ev.name == "logs.fetch") {
    const auto& status = ev.label("status");
    m.log_polls.add({ev.label("app"), status}, 1);
    m.log_poll_duration.observe({}, ev.measurement("duration_us") / 1e6);
    if (status == "ok") {
      m.log_entries.add({ev.label("app")}, ev.measurement("count"));
      if (auto bad = ev.measurement("malformed"); bad > 0)
        m.log_malformed.add({ev.label("app")}, bad);
    } else {
      m.log_errors.add({ev.label("app"), status}, 1);
    }
  } else if (ev.name == "logs.evict") {
    m.log_evictions.add({ev.label("topic")}, 1);
  } else if (ev.name == "deploy.line") {
    m.deploy_lines.add({}, ev.measurement("count"));
  } else if (ev.name == "deploy.exit") {
    m.deploys.add({ev.label("status")}, 1);
    m.deploy_duration.observe({ev.label("status")}, ev.measurement("duration_ms") / 1e3);
  } else if (ev.name.starts_with("supervisor.")) {
    m.supervisor_events.add({ev.label("supervisor"), ev.name.substr(11)}, 1);
  }
}

void metrics_registry::observe_http(std::string_view route, std::string_view method, int status,
                                    std::chrono::duration<double> took) {
  impl_->http_requests.add({std::string{route}, std::string{method}, std::to_string(status)}, 1);
  impl_->http_duration.observe({std::string{route}, std::string{method}},
                               took.count());
}

void metrics_registry::observe_log_lag(std::string_view app, double seconds) {
  impl_->log_lag.observe({std::string{app}}, seconds);
}

void metrics_registry::observe_stream_event(std::string_view app, std::string_view kind, std::size_t entries) {
  impl_->stream_events.add({std::string{app}, std::string{kind}}, 1);
  if (entries > 0)
    impl_->stream_entries.add({std::string{app}}, double(entries));
}

void metrics_registry::add_stream_clients(std::string_view transport, int delta) {
  impl_->stream_clients.add({std::string{transport}}, delta);
}

void metrics_registry::set_supervisor_restarts(std::string_view child_path, std::uint64_t restarts) {
  impl_->supervisor_restarts.set({std::string{child_path}}, double(restarts));
}

std::string metrics_registry::render() const {
  const auto& m = *impl_;
  std::string out;
  out.reserve(8192);
  for (const family* f :
       {&m.token_acquisitions, &m.token_duration, &m.log_polls, &m.log_entries, &m.log_errors, &m.log_malformed,
        &m.log_poll_duration, &m.log_evictions, &m.log_lag, &m.stream_events, &m.stream_entries,
        &m.stream_clients, &m.deploy_lines, &m.deploys, &m.deploy_duration, &m.supervisor_restarts,
        &m.supervisor_events, &m.http_requests, &m.http_duration, &m.events})
    f->render(out);
  // The process figures under the names Prometheus's client libraries use.
  out += "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
         "# TYPE process_resident_memory_bytes gauge\n"
         "process_resident_memory_bytes " +
         number(double(process_rss_bytes())) + "\n";
  out += "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
         "# TYPE process_cpu_seconds_total counter\n"
         "process_cpu_seconds_total " +
         number(process_cpu_seconds()) + "\n";
  return out;
}

long long process_rss_bytes() {
  std::ifstream in{"/proc/self/statm"};
  long long size = 0, resident = 0;
  if (!(in >> size >> resident))
    return -1;
  return resident * static_cast<long long>(::sysconf(_SC_PAGESIZE));
}

double process_cpu_seconds() {
  std::ifstream in{"/proc/self/stat"};
  std::string stat{std::istreambuf_iterator<char>{in}, {}};
  // The command name may hold spaces and parentheses: fields count from the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos)
    return -1;
  std::istringstream rest{stat.substr(close + 1)};
  std::string field;
  double utime = -1, stime = -1;
  // After "(comm)": state is field 3; utime and stime are fields 14 and 15, in clock ticks.
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14)
      utime = std::strtod(field.c_str(), nullptr);
    if (i == 15)
      stime = std::strtod(field.c_str(), nullptr);
  }
  if (utime < 0 || stime < 0)
    return -1;
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

} // namespace atlas
