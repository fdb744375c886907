// w4 PORT K MS SECS: K real log streamers polling http://127.0.0.1:PORT every
// MS ms, as ../shared/bench_ref's w4 does with K gen_servers and httpc. The
// server is the reference's http_srv (an Erlang VM started beside this
// process, `+S 1`), which answers every GET with the same 3 NDJSON lines, so
// both runtimes poll the same server and only the client differs.
//
// The streamers are the logs subtree's (logs::start: dispatcher, streamers'
// supervisor, one log_streamer per app), fetching through the real
// fly_logs_client in its NDJSON form over Atlas's http_client; each app has
// one subscriber actor (a streamer with none stops). After the first poll
// the 3 identical lines are duplicates and dropped: every poll still counts.
// Polls are counted from the streamers' own "logs.fetch" telemetry. CPU is
// this process's user + system time over the measured window.

#include "bench_util.hpp"
#include "workloads.hpp"

#include <atlas/api/logs.hpp>
#include <atlas/net/http_client.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>

#include <atomic>
#include <ctime>
#include <random>

namespace atlas::bench {

namespace {

/// Counts the streamers' polls, from any thread.
class poll_counter final : public telemetry_sink {
public:
  void handle(const telemetry_event& ev) override {
    if (ev.name != "logs.fetch")
      return;
    if (ev.label("status") == "ok")
      ok.fetch_add(1, std::memory_order_relaxed);
    else
      errors.fetch_add(1, std::memory_order_relaxed);
  }
  std::atomic<std::uint64_t> ok{0};
  std::atomic<std::uint64_t> errors{0};
};

caf::actor spawn_counting_subscriber(caf::actor_system& sys, std::atomic<std::uint64_t>& lines) {
  return sys.spawn([&lines](caf::event_based_actor*) -> caf::behavior {
    return {
      [&lines](logs_atom, const std::string&, const log_batch& b) {
        lines.fetch_add(b.size(), std::memory_order_relaxed);
      },
      [](logs_stopped_atom, const std::string&) {},
      [](logs_gap_atom, const std::string&, const log_gap&) {},
      [](evicted_atom, const std::string&) {},
    };
  });
}

} // namespace

int w4_poll(int port, int k, int interval_ms, int secs) {
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};

  // One kept-alive connection per streamer: the pool keeps up to
  // max_idle_per_host idle ones per host (default 8, which would close
  // nearly every connection after its answer with 1,000 pollers).
  http_client_options ho;
  ho.max_idle_per_host = static_cast<std::size_t>(k) + 16;
  auto http = http_client::create(ho);
  if (!http) {
    std::fprintf(stderr, "w4: %s\n", to_string(http.error()).c_str());
    return 1;
  }

  options o;
  o.fly.flaps_base_url = "http://127.0.0.1:" + std::to_string(port);
  o.fly.api_base_url = o.fly.flaps_base_url;
  o.logs.endpoint = "ndjson";
  o.logs.poll_interval = std::chrono::milliseconds{interval_ms};
  poll_counter polls;
  auto svc = make_log_services(o, **http, [](caf::event_based_actor*, const std::string&, bool,
                                             std::function<void(expected<secret>)> then) {
    then(secret{"fo1_atlasbenchdummytoken0123456789"});
  });
  svc->telemetry = &polls;
  // http_srv's lines are stamped 2024-05-01: with Fly's 7-day retention
  // every poll would also report a gap. The fixed page is not what is
  // measured, so the retention is stretched past it.
  svc->retention = std::chrono::hours{24 * 365 * 20};
  svc->idle_grace = std::chrono::hours{1};
  auto facade = logs::start(sys, svc);
  if (!facade) {
    std::fprintf(stderr, "w4: logs subtree: %s\n", to_string(facade.error()).c_str());
    return 1;
  }

  std::atomic<std::uint64_t> lines{0};
  std::vector<caf::actor> subs;
  for (int i = 1; i <= k; ++i) {
    auto sub = spawn_counting_subscriber(sys, lines);
    if (auto ok = facade->subscribe(sub, "app-" + std::to_string(i)); !ok) {
      std::fprintf(stderr, "w4: subscribe app-%d: %s\n", i, to_string(ok.error()).c_str());
      return 1;
    }
    subs.push_back(std::move(sub));
  }

  // Warm-up: every streamer has polled and its connection is open.
  std::this_thread::sleep_for(std::chrono::seconds{2});
  auto ok0 = polls.ok.load();
  auto err0 = polls.errors.load();
  auto conns0 = (*http)->stats().connections;
  double cpu0 = cpu_seconds();
  auto threads0 = cpu_seconds_by_thread_name();
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds{secs});
  auto ok1 = polls.ok.load();
  auto err1 = polls.errors.load();
  double cpu1 = cpu_seconds();
  auto threads1 = cpu_seconds_by_thread_name();
  double dt = seconds_since(t0);
  auto conns1 = (*http)->stats().connections;
  auto rss = rss_bytes();

  double n = double(ok1 - ok0);
  double target = double(k) * 1000.0 / interval_ms;
  char details[320];
  std::snprintf(details, sizeof details,
                "(target %.1f/s = %.1f%%, K=%d, interval=%dms, secs=%.1f, errors=%llu, "
                "connections opened in window=%llu, total=%llu, lines delivered=%llu)",
                target, 100.0 * n / dt / target, k, interval_ms, dt,
                static_cast<unsigned long long>(err1 - err0),
                static_cast<unsigned long long>(conns1 - conns0),
                static_cast<unsigned long long>(conns1),
                static_cast<unsigned long long>(lines.load()));
  figure("w4_poll", n / dt, "polls/s", details);
  figure("w4_poll_cpu_us", n > 0 ? (cpu1 - cpu0) / n * 1e6 : 0, "us/poll",
         "(client process: user + system over the window / polls)");
  figure("w4_poll_cpu", cpu1 - cpu0, "cpu-seconds",
         "(over " + std::to_string(dt).substr(0, 5) + " s wall)");
  // Where the client's CPU went, by thread name (threads that ended in
  // the window are missing, so this can sum to less than w4_poll_cpu).
  std::string by_thread;
  for (auto& [name, c1] : threads1) {
    char part[96];
    std::snprintf(part, sizeof part, "%s%s=%.2fs", by_thread.empty() ? "" : " ", name.c_str(),
                  c1 - threads0[name]);
    by_thread += part;
  }
  figure("w4_poll_cpu_threads", n > 0 ? (cpu1 - cpu0) / n * 1e6 : 0, "us/poll", "(" + by_thread + ")");
  figure("w4_poll_rss", double(rss), "bytes", "(client process VmRSS at the end)");

  (void) facade->stop();
  subs.clear();
  http->reset(); // the client goes after the streamers that use it
  return err1 == err0 ? 0 : 1;
}

} // namespace atlas::bench
