// w3 S M: fan-out of M batches of 100 log lines to S subscribers through the
// real logs dispatcher (spawn_log_dispatcher), as ../shared/bench_ref's w3
// does through a Registry-like ETS table and `!`. One producer actor builds
// each batch at run time (like the reference's make_batch) and publishes it
// with (publish_atom, topic, app, log_batch); each subscriber actor counts
// the lines of every batch it receives and says so when it has M * 100.
//
// Subscribers are subscribed with the default limit (logs.max_in_flight, 64
// batches unhandled). If any is evicted at that limit the run is reported
// (w3_fanout_S<S>_evicted) and measured again with a limit of M + 1, which
// no subscriber can exceed; the details of the figure say which limit held.

#include "bench_util.hpp"
#include "workloads.hpp"

#include <atlas/actors/log_dispatcher.hpp>
#include <atlas/core/options.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace atlas::bench {

namespace {

using go_atom = caf::atom_constant<caf::atom("w3go")>;

const std::string topic = "app-1";
const std::string app = "app-1";

/// 100 lines whose strings are built now, as the reference's make_batch
/// builds its binaries at run time (fields as decoded from a JSON body).
log_batch make_batch(std::int64_t seq) {
  auto lines = std::make_shared<log_batch::lines>();
  lines->reserve(100);
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
  for (std::int64_t i = 1; i <= 100; ++i) {
    log_entry e;
    e.timestamp_ns = now;
    e.message = "GET /api/v1/things/" + std::to_string(seq * 100 + i) + " 200 in 3ms";
    e.level = "info";
    e.region = "ord";
    e.instance = "e784079b449483";
    e.app = "my-app-1";
    lines->push_back(std::move(e));
  }
  return log_batch{std::move(lines)};
}

/// What the subscribers tell the bench: how many are done, how many evicted.
struct finish_line {
  std::mutex mtx;
  std::condition_variable cv;
  int left = 0;
  int evicted = 0;

  void done(bool was_evicted) {
    std::lock_guard g{mtx};
    evicted += was_evicted ? 1 : 0;
    if (--left == 0)
      cv.notify_all();
  }
};

caf::actor spawn_subscriber(caf::actor_system& sys, std::shared_ptr<finish_line> fin,
                            std::uint64_t want) {
  return sys.spawn([fin, want](caf::event_based_actor* self) -> caf::behavior {
    auto count = std::make_shared<std::uint64_t>(0);
    return {
      [fin, want, count](logs_atom, const std::string&, const log_batch& b) {
        if (*count >= want)
          return;
        // Count the lines, as the reference's count_entries walks its list.
        for (const auto& e : b.entries())
          if (!e.message.empty())
            ++*count;
        if (*count >= want)
          fin->done(false);
      },
      [fin, want, count, self](evicted_atom, const std::string&) {
        if (*count < want)
          fin->done(true);
        *count = want;
        self->quit();
      },
      [](logs_stopped_atom, const std::string&) {},
      [](logs_gap_atom, const std::string&, const log_gap&) {},
    };
  });
}

struct round_result {
  double secs = 0;
  int evicted = 0;
};

round_result run_round(caf::actor_system& sys, int s, int m, std::uint32_t max_in_flight) {
  auto dispatcher = spawn_log_dispatcher(sys);
  auto fin = std::make_shared<finish_line>();
  fin->left = s;
  auto want = static_cast<std::uint64_t>(m) * 100;
  std::vector<caf::actor> subs;
  subs.reserve(static_cast<std::size_t>(s));
  {
    caf::scoped_actor self{sys};
    for (int i = 0; i < s; ++i) {
      auto sub = spawn_subscriber(sys, fin, want);
      self->request(dispatcher, caf::infinite, subscribe_atom_v, topic, sub, max_in_flight)
        .receive([](expected<void>&) {}, [](caf::error&) {});
      subs.push_back(std::move(sub));
    }
  }
  auto producer = sys.spawn([dispatcher, m](caf::event_based_actor* self) -> caf::behavior {
    return {
      [self, dispatcher, m](go_atom) {
        for (std::int64_t seq = 0; seq < m; ++seq)
          self->send(dispatcher, publish_atom_v, topic, app, make_batch(seq));
        self->quit();
      },
    };
  });
  auto t0 = std::chrono::steady_clock::now();
  caf::anon_send(producer, go_atom::value);
  {
    std::unique_lock lock{fin->mtx};
    fin->cv.wait(lock, [&] { return fin->left == 0; });
  }
  round_result r{seconds_since(t0), fin->evicted};
  for (auto& a : subs)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(dispatcher, caf::exit_reason::user_shutdown);
  return r;
}

} // namespace

int w3_fanout(int s, int m) {
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  const std::uint32_t default_limit = logs_options{}.max_in_flight;
  auto r = run_round(sys, s, m, default_limit);
  std::string limit = "max_in_flight=" + std::to_string(default_limit) + " evicted=0";
  if (r.evicted > 0) {
    figure("w3_fanout_S" + std::to_string(s) + "_evicted", r.evicted, "subscribers",
           "(of " + std::to_string(s) + " at max_in_flight=" + std::to_string(default_limit)
             + "; measured again with max_in_flight=" + std::to_string(m + 1) + ")");
    auto big = static_cast<std::uint32_t>(m + 1);
    r = run_round(sys, s, m, big);
    limit = "max_in_flight=" + std::to_string(big) + " evicted=" + std::to_string(r.evicted);
  }
  double entries = double(m) * 100.0 * s;
  char details[256];
  std::snprintf(details, sizeof details, "(batches/s=%.1f, msgs=%d sends=%lld secs=%.3f %s)",
                double(m) * s / r.secs, m, static_cast<long long>(m) * s, r.secs, limit.c_str());
  figure("w3_fanout_S" + std::to_string(s), entries / r.secs, "entries/s", details);
  return r.evicted == 0 ? 0 : 1;
}

} // namespace atlas::bench
