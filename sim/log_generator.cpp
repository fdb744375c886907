#include <atlas/sim/log_generator.hpp>

#include <algorithm>
#include <chrono>

namespace atlas::sim {

namespace {

const char* const regions[] = {"iad", "ams", "syd", "nrt"};
const char* const templates[] = {
  "GET /healthz 200 0.9ms",
  "GET /api/v1/items?page=%d 200 12.4ms",
  "POST /api/v1/orders 201 48.1ms",
  "level=info msg=\"request completed\" status=200 duration=%dms",
  "level=warn msg=\"slow query\" table=orders duration=%dms",
  "Listening on 0.0.0.0:8080",
  "Health check on port 8080 is now passing.",
  "INFO Main child exited normally with code: 0",
  "worker %d: job done in 310ms",
};
constexpr std::int64_t max_burst = 10'000; // lines made up by one read, at most

} // namespace

log_generator::log_generator(double per_second, std::size_t keep) : default_rate_(per_second), keep_(keep) {
}

std::string log_generator::next_id() {
  char buf[32];
  std::snprintf(buf, sizeof buf, "01SIM%021llu", static_cast<unsigned long long>(++seq_));
  return buf;
}

log_generator::app_logs& log_generator::logs_of(const std::string& app, std::int64_t now_ns) {
  auto [it, added] = apps_.try_emplace(app);
  if (added) {
    it->second.rate = default_rate_;
    it->second.generated_until = now_ns;
    for (int i = 0; i < 2; ++i) {
      std::string id;
      for (int k = 0; k < 14; ++k)
        id += "0123456789abcdef"[rng_() % 16];
      it->second.instances.push_back(id);
    }
  }
  return it->second;
}

void log_generator::set_rate(const std::string& app, double per_second) {
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
  auto& a = logs_of(app, now);
  generate(app, a, now);
  a.rate = per_second;
}

void log_generator::generate(const std::string& app, app_logs& a, std::int64_t now_ns) {
  if (a.rate <= 0 || now_ns <= a.generated_until) {
    a.generated_until = std::max(a.generated_until, now_ns);
    return;
  }
  auto step = static_cast<std::int64_t>(1e9 / a.rate);
  auto n = std::min<std::int64_t>((now_ns - a.generated_until) / std::max<std::int64_t>(step, 1), max_burst);
  std::int64_t t = a.generated_until;
  for (std::int64_t i = 0; i < n; ++i) {
    // Every third line shares the previous one's timestamp: Fly's do too.
    if (a.made++ % 3 != 2 || a.lines.empty())
      t += step;
    log_entry e;
    e.timestamp_ns = std::max(t, a.lines.empty() ? t : a.lines.back().timestamp_ns);
    e.id = next_id();
    e.app = app;
    e.instance = a.instances[rng_() % a.instances.size()];
    e.region = regions[std::hash<std::string>{}(e.instance) % 4];
    e.level = rng_() % 10 == 0 ? "warn" : "info";
    char msg[128];
    std::snprintf(msg, sizeof msg, templates[rng_() % std::size(templates)], static_cast<int>(rng_() % 500));
    e.message = msg;
    a.lines.push_back(std::move(e));
  }
  a.generated_until = n == max_burst ? now_ns : a.generated_until + n * step;
  if (a.lines.size() > keep_)
    a.lines.erase(a.lines.begin(), a.lines.begin() + static_cast<std::ptrdiff_t>(a.lines.size() - keep_));
}

void log_generator::append(const std::string& app, log_entry e, std::int64_t now_ns) {
  auto& a = logs_of(app, now_ns);
  generate(app, a, now_ns);
  e.app = app;
  if (e.id.empty())
    e.id = next_id();
  if (e.timestamp_ns == 0)
    e.timestamp_ns = now_ns;
  if (e.instance.empty())
    e.instance = a.instances.front();
  if (e.region.empty())
    e.region = "iad";
  if (e.level.empty())
    e.level = "info";
  auto at = std::upper_bound(a.lines.begin(), a.lines.end(), e.timestamp_ns,
                             [](std::int64_t t, const log_entry& x) { return t < x.timestamp_ns; });
  a.lines.insert(at, std::move(e));
}

std::vector<log_entry> log_generator::read(const std::string& app, const log_query& q, std::int64_t now_ns) {
  auto& a = logs_of(app, now_ns);
  generate(app, a, now_ns);
  auto match = [&](const log_entry& e) {
    return (q.region.empty() || e.region == q.region) && (q.instance.empty() || e.instance == q.instance);
  };
  std::vector<log_entry> out;
  if (q.from_ns == 0) { // the latest lines, oldest first
    for (auto it = a.lines.rbegin(); it != a.lines.rend() && out.size() < q.limit; ++it)
      if (match(*it))
        out.push_back(*it);
    std::reverse(out.begin(), out.end());
    return out;
  }
  auto it = std::lower_bound(a.lines.begin(), a.lines.end(), q.from_ns,
                             [](const log_entry& x, std::int64_t t) { return x.timestamp_ns < t; });
  for (; it != a.lines.end() && out.size() < q.limit; ++it)
    if (match(*it))
      out.push_back(*it);
  return out;
}

void log_generator::forget(const std::string& app) {
  apps_.erase(app);
}

} // namespace atlas::sim
