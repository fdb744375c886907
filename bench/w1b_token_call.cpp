// w1b: one request per lookup to 1,000 per-app token servers, the work of the
// OTP reference's w1b (1,000 gen_servers each answering `token` from the
// shared table with a TTL check; one caller per scheduler, 500,000 calls each,
// one call outstanding per caller as gen_server:call has).

#include "bench_util.hpp"
#include "workloads.hpp"

#include <atlas/actors/app_server.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <condition_variable>
#include <mutex>
#include <random>

namespace atlas::bench {

namespace {

constexpr int kCallApps = 1000;

struct call_finish_line {
  std::mutex mtx;
  std::condition_variable cv;
  int left = 0;
  long ok = 0;
  void done(long n) {
    std::lock_guard g{mtx};
    ok += n;
    if (--left == 0)
      cv.notify_all();
  }
  void wait() {
    std::unique_lock lock{mtx};
    cv.wait(lock, [this] { return left == 0; });
  }
};

// A caller: sends the next request when the previous answer arrives.
template <class Answer, class Ok>
void call_loop(caf::event_based_actor* self, const std::vector<caf::actor>& servers,
               const std::vector<int>& idx, int remaining, int i, long ok, call_finish_line* line,
               Ok is_ok) {
  if (remaining == 0) {
    line->done(ok);
    self->quit();
    return;
  }
  const auto& server = servers[static_cast<std::size_t>(idx[static_cast<std::size_t>(i) & 65535])];
  self->request(server, caf::infinite, acquire_atom_v)
    .then([=, &servers, &idx](Answer& a) {
      call_loop<Answer>(self, servers, idx, remaining - 1, i + 1, ok + (is_ok(a) ? 1 : 0), line,
                        is_ok);
    });
}

template <class Answer, class Ok>
double measure(caf::actor_system& sys, const std::vector<caf::actor>& servers,
               const std::vector<int>& idx, int callers, int n, Ok is_ok, long& ok_out) {
  call_finish_line line;
  line.left = callers;
  auto t0 = std::chrono::steady_clock::now();
  for (int c = 0; c < callers; ++c)
    sys.spawn([&, c](caf::event_based_actor* self) {
      call_loop<Answer>(self, servers, idx, n, c * 7919, 0, &line, is_ok);
    });
  line.wait();
  double secs = seconds_since(t0);
  ok_out = line.ok;
  return static_cast<double>(callers) * n / secs;
}

} // namespace

int w1b_token_call(int n) {
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  int callers = static_cast<int>(sys.scheduler().num_workers());

  auto svc = std::make_shared<token_services>();
  auto exp = token_record::clock::now() + std::chrono::hours{1};
  std::vector<caf::actor> servers;
  for (int i = 1; i <= kCallApps; ++i) {
    auto app = "app-" + std::to_string(i);
    svc->cache->put(app, token_record{secret{("fo1_" + app + std::string(48, 'x')).substr(0, 48)},
                                      token_source::cli, exp});
    servers.push_back(spawn_app_server(sys, svc, app));
  }
  std::mt19937 rng{42};
  std::vector<int> idx(65536);
  for (auto& i : idx)
    i = static_cast<int>(rng() % kCallApps);

  long ok = 0;
  double atlas = measure<expected<token_record>>(
    sys, servers, idx, callers, n, [](const expected<token_record>& r) { return r.has_value(); },
    ok);
  if (ok != static_cast<long>(callers) * n)
    std::fprintf(stderr, "w1b: only %ld of %ld calls found a token\n", ok,
                 static_cast<long>(callers) * n);
  figure("w1b_token_app_server_call", atlas, "calls/s",
         "(callers=" + std::to_string(callers) + " n=" + std::to_string(n) + " apps=1000)");

  // The floor: the same calls to actors that answer an int and do nothing else.
  std::vector<caf::actor> bare;
  for (int i = 0; i < kCallApps; ++i)
    bare.push_back(sys.spawn([]() -> caf::behavior { return {[](acquire_atom) { return 1; }}; }));
  double floor = measure<int>(sys, bare, idx, callers, n, [](int) { return true; }, ok);
  figure("w1b_bare_caf_request", floor, "calls/s", "(the same calls to actors answering an int)");

  for (auto& s : servers)
    caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  for (auto& s : bare)
    caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  return 0;
}

} // namespace atlas::bench
