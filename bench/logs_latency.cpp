// logs_latency N: end to end, from a line appearing in the Fly simulator to a
// subscriber's handler. The simulator (sim/, in this process, on 127.0.0.1)
// serves the JSON:API logs endpoint; the logs subtree (logs::start) polls it
// every 100 ms through Atlas's http_client; one subscriber actor records when
// each line reaches its handler. N times: wait a random fraction of the poll
// interval (so lines land at every phase of the poll cycle), append a line
// stamped now, and wait until the handler has seen it. The figure is thus
// dominated by the poll interval (on average half of it); what the runtime
// adds is the rest. No Erlang/OTP figure: the reference has no such workload.

#include "bench_util.hpp"
#include "workloads.hpp"

#include <atlas/api/logs.hpp>
#include <atlas/net/http_client.hpp>
#include <atlas/sim/fly_simulator.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <random>

namespace atlas::bench {

namespace {

using steady = std::chrono::steady_clock;

const char* const bench_token = "fo1_atlasbenchsimulatortoken0123456789";

/// What the subscriber's handler saw: each line's message is the steady
/// clock's reading (ns) when it was appended.
struct arrivals {
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<double> latency_ms;
  std::size_t lines = 0;
};

caf::actor spawn_timing_subscriber(caf::actor_system& sys, std::shared_ptr<arrivals> a) {
  return sys.spawn([a](caf::event_based_actor*) -> caf::behavior {
    return {
      [a](logs_atom, const std::string&, const log_batch& b) {
        auto now = steady::now().time_since_epoch().count();
        std::lock_guard g{a->mtx};
        for (const auto& e : b.entries()) {
          ++a->lines;
          char* end = nullptr;
          auto sent = std::strtoll(e.message.c_str(), &end, 10);
          if (end != nullptr && *end == '\0' && sent > 0)
            a->latency_ms.push_back(double(now - sent) / 1e6);
        }
        a->cv.notify_all();
      },
      [](logs_stopped_atom, const std::string&) {},
      [](logs_gap_atom, const std::string&, const log_gap&) {},
      [](evicted_atom, const std::string&) {},
    };
  });
}

double percentile(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * double(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

} // namespace

int logs_latency(int n) {
  static_assert(std::is_same_v<steady::duration, std::chrono::nanoseconds>);
  constexpr int interval_ms = 100;
  fly_simulator_options so;
  so.tokens = {bench_token};
  so.enforce_rate_limits = false;
  auto sim = fly_simulator::start(so);
  if (!sim || !(*sim)->add_app("bench")) {
    std::fprintf(stderr, "logs_latency: the simulator did not start\n");
    return 1;
  }
  auto http = http_client::create();
  if (!http) {
    std::fprintf(stderr, "logs_latency: %s\n", to_string(http.error()).c_str());
    return 1;
  }
  caf::actor_system_config cfg;
  configure(cfg);
  auto sys = std::make_unique<caf::actor_system>(cfg);

  options o;
  o.fly.api_base_url = (*sim)->base_url();
  o.fly.flaps_base_url = (*sim)->base_url();
  o.logs.endpoint = "jsonapi";
  o.logs.poll_interval = std::chrono::milliseconds{interval_ms};
  auto svc = make_log_services(o, **http, [](caf::event_based_actor*, const std::string&, bool,
                                             std::function<void(expected<secret>)> then) {
    then(secret{bench_token});
  });
  auto facade = logs::start(*sys, svc);
  if (!facade) {
    std::fprintf(stderr, "logs_latency: logs subtree: %s\n", to_string(facade.error()).c_str());
    return 1;
  }
  auto a = std::make_shared<arrivals>();
  auto sub = spawn_timing_subscriber(*sys, a);
  const std::string route = "/api/v1/apps/{app}/logs";
  if (auto ok = facade->subscribe(sub, "bench"); !ok) {
    std::fprintf(stderr, "logs_latency: subscribe: %s\n", to_string(ok.error()).c_str());
    return 1;
  }
  // The first answered poll sets the cursor; lines before it would be
  // older than the first page.
  auto until = steady::now() + std::chrono::seconds{10};
  while ((*sim)->count("GET", route, 200) == 0 && steady::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds{5});

  std::mt19937 rng{8};
  std::uniform_int_distribution<int> phase{0, interval_ms * 1000 - 1};
  int lost = 0;
  for (int i = 0; i < n; ++i) {
    std::this_thread::sleep_for(std::chrono::microseconds{phase(rng)});
    std::size_t want = 0;
    {
      std::lock_guard g{a->mtx};
      want = a->lines + 1;
    }
    log_entry e;
    e.timestamp_ns = svc->now();
    e.instance = "e784079b449483";
    e.region = "ord";
    e.level = "info";
    e.message = std::to_string(steady::now().time_since_epoch().count());
    (*sim)->append_log("bench", std::move(e));
    std::unique_lock lock{a->mtx};
    if (!a->cv.wait_for(lock, std::chrono::seconds{5}, [&] { return a->lines >= want; }))
      ++lost;
  }
  std::vector<double> lat;
  {
    std::lock_guard g{a->mtx};
    lat = a->latency_ms;
  }
  std::string details = "(n=" + std::to_string(lat.size()) + " lost=" + std::to_string(lost)
                        + " poll interval=" + std::to_string(interval_ms)
                        + "ms, JSON:API, simulator in-process on 127.0.0.1)";
  figure("logs_latency_p50", percentile(lat, 0.50), "ms", details);
  figure("logs_latency_p99", percentile(lat, 0.99), "ms", details);
  figure("logs_latency_max", lat.empty() ? 0 : *std::max_element(lat.begin(), lat.end()), "ms");

  (void) facade->stop();
  caf::anon_send_exit(sub, caf::exit_reason::user_shutdown);
  sub = nullptr;
  sys.reset();
  http->reset();
  (*sim)->stop();
  return lost == 0 ? 0 : 1;
}

} // namespace atlas::bench
