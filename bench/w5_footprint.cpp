// w5: spawn time and resident memory per idle supervised actor: N children
// of a dynamic supervisor, each holding what the OTP reference's idle_server
// holds (app name, a 48-byte token, expires_at).

#include "bench_util.hpp"
#include "workloads.hpp"

#include <atlas/supervisors/dynamic_supervisor.hpp>

#include <caf/all.hpp>

#include <malloc.h>

namespace atlas::bench {

namespace {

struct idle_state {
  std::string app;
  std::string token;
  std::chrono::system_clock::time_point expires_at;
};

caf::behavior idle_server(caf::stateful_actor<idle_state>* self, std::string app) {
  self->state.token = ("fo1_" + app + "_" + std::string(48, 'x')).substr(0, 48);
  self->state.app = std::move(app);
  self->state.expires_at = std::chrono::system_clock::now() + std::chrono::hours{1};
  return {[](caf::get_atom) { return caf::ok_atom_v; }};
}

std::vector<std::string> app_keys(int n) {
  std::vector<std::string> keys;
  keys.reserve(static_cast<std::size_t>(n));
  for (int i = 1; i <= n; ++i)
    keys.push_back("app-" + std::to_string(i));
  return keys;
}

} // namespace

// The floor: the same actors spawned bare, held in a vector, no supervisor.
int w5_bare(int n) {
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  std::vector<caf::actor> held;
  held.reserve(static_cast<std::size_t>(n));
  auto keys = app_keys(n);
  malloc_trim(0);
  auto rss0 = rss_bytes();
  auto t0 = std::chrono::steady_clock::now();
  for (auto& k : keys)
    held.push_back(sys.spawn(idle_server, k));
  double secs = seconds_since(t0);
  malloc_trim(0);
  auto rss1 = rss_bytes();
  figure("w5_bare_spawn", n / secs, "actors/s", "(n=" + std::to_string(n) + ")");
  figure("w5_bare_footprint_rss", static_cast<double>(rss1 - rss0 - n * sizeof(caf::actor)) / n,
         "bytes/actor", "(no supervisor: the CAF floor for this actor)");
  for (auto& h : held)
    caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
  return 0;
}

int w5_footprint(int n) {
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  caf::scoped_actor bench{sys};
  supervisor_flags flags;
  flags.name = "idle_sup";
  child_spec tmpl;
  tmpl.id = "idle_server";
  tmpl.start = [](caf::actor_system& s, const std::string& key) -> expected<caf::actor> {
    return s.spawn(idle_server, key);
  };
  auto sup = spawn_dynamic_supervisor(sys, flags, tmpl);
  if (!sup) {
    std::fprintf(stderr, "w5: %s\n", to_string(sup.error()).c_str());
    return 1;
  }
  auto keys = app_keys(n);
  malloc_trim(0);
  auto rss0 = rss_bytes();
  auto t0 = std::chrono::steady_clock::now();
  for (auto& k : keys)
    bench->send(*sup, start_child_atom_v, k);
  int started = 0;
  for (int i = 0; i < n; ++i)
    bench->receive([&](expected<caf::actor>& r) { started += r ? 1 : 0; },
                   caf::after(std::chrono::seconds(30)) >> [] {});
  double secs = seconds_since(t0);
  malloc_trim(0);
  auto rss1 = rss_bytes();
  if (started != n) {
    std::fprintf(stderr, "w5: only %d of %d children started\n", started, n);
    return 1;
  }
  figure("w5_spawn", n / secs, "actors/s", "(n=" + std::to_string(n) + " secs="
                                             + std::to_string(secs) + ")");
  figure("w5_footprint_rss", static_cast<double>(rss1 - rss0) / n, "bytes/actor",
         "(n=" + std::to_string(n) + " rss_before=" + std::to_string(rss0)
           + " rss_after=" + std::to_string(rss1) + ")");
  (void) bench->request(*sup, std::chrono::seconds(30), count_children_atom_v)
    .receive([&](child_counts& c) { figure("w5_children_active", c.active, "children"); },
             [](caf::error&) {});
  bench->send_exit(*sup, caf::exit_reason::user_shutdown);
  return 0;
}

} // namespace atlas::bench
