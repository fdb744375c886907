#include <atlas/actors/reaper.hpp>

#include <atlas/core/logger.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

namespace atlas {

bool carries_ownership_marks(const compute& c, const std::string& prefix, const std::string& owner) {
  if (prefix.empty() || owner.empty() || c.name.rfind(prefix, 0) != 0)
    return false;
  auto it = c.labels.find(std::string{owner_label});
  return it != c.labels.end() && it->second == owner;
}

namespace {

/// One pass in progress: the report, and how many provider answers it awaits.
struct pass {
  reap_report report;
  std::size_t pending = 0;
  std::vector<caf::response_promise> waiters;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

struct reaper_state {
  std::shared_ptr<orchestrator_services> svc;
  std::shared_ptr<pass> current; ///< null between passes; a pass asked for meanwhile joins it
  static inline const char* name = "reaper";
};

using reaper = caf::stateful_actor<reaper_state>;

void step_done(reaper* self, const std::shared_ptr<pass>& p) {
  if (--p->pending > 0)
    return;
  p->report.duration_us =
    std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - p->started).count();
  auto& r = p->report;
  if (!r.terminated.empty() || !r.would_terminate.empty() || !r.failed.empty())
    log().info("reaper: {} terminated, {} would be (dry run), {} failed, {} tracked and {} unmarked spared",
               r.terminated.size(), r.would_terminate.size(), r.failed.size(), r.spared_tracked, r.spared_unmarked);
  emit(self->state.svc->telemetry, {"compute.reap",
                                    {{"terminated", double(r.terminated.size())},
                                     {"failed", double(r.failed.size())},
                                     {"duration_us", double(r.duration_us)}},
                                    {{"dry_run", r.dry_run ? "true" : "false"}}});
  for (auto& w : p->waiters)
    w.deliver(p->report);
  if (self->state.current == p)
    self->state.current.reset();
}

void reap_list(reaper* self, const std::shared_ptr<pass>& p, const std::string& name, const provider_actor& prov,
               std::vector<compute>& list) {
  auto& svc = *self->state.svc;
  for (auto& c : list) {
    if (c.status == compute_status::terminated)
      continue;
    if (!carries_ownership_marks(c, svc.orch.name_prefix, svc.owner)) {
      ++p->report.spared_unmarked;
      continue;
    }
    if (svc.registry->contains(c.id) || svc.registry->name_reserved(c.name)) {
      ++p->report.spared_tracked;
      continue;
    }
    auto key = name + "/" + c.id;
    if (p->report.dry_run) {
      p->report.would_terminate.push_back(key);
      continue;
    }
    ++p->pending;
    self->request(prov, svc.orch.terminate_timeout, compute_terminate_atom_v, c.id)
      .then(
        [self, p, key](expected<void>& r) {
          if (r || r.error().code() == errc::not_found)
            p->report.terminated.push_back(key);
          else
            p->report.failed.push_back(key + ": " + to_string(r.error()));
          step_done(self, p);
        },
        [self, p, key](caf::error& e) {
          p->report.failed.push_back(key + ": " + self->system().render(e));
          step_done(self, p);
        });
  }
}

std::shared_ptr<pass> start_pass(reaper* self) {
  if (self->state.current)
    return self->state.current;
  auto p = std::make_shared<pass>();
  p->report.dry_run = self->state.svc->orch.reap_dry_run;
  self->state.current = p;
  auto providers = self->state.svc->providers();
  p->pending = providers.size() + 1; // +1: this loop itself, so a fast answer cannot end the pass early
  for (auto& [name, prov] : providers) {
    self->request(prov, self->state.svc->orch.terminate_timeout, compute_list_atom_v, compute_filter{})
      .then(
        [self, p, name = name, prov = prov](expected<std::vector<compute>>& list) {
          if (!list)
            p->report.provider_errors.push_back(name + ": " + to_string(list.error()));
          else
            reap_list(self, p, name, prov, *list);
          step_done(self, p);
        },
        [self, p, name = name](caf::error& e) {
          p->report.provider_errors.push_back(name + ": " + self->system().render(e));
          step_done(self, p);
        });
  }
  step_done(self, p);
  return p;
}

} // namespace

caf::actor spawn_reaper(caf::actor_system& sys, std::shared_ptr<orchestrator_services> svc) {
  // svc as a spawn argument, not a capture: a function actor spawned with no
  // argument trips UBSan's false positive (reference/runtime.md §1.1).
  return sys.spawn([](reaper* self, std::shared_ptr<orchestrator_services> svc) -> caf::behavior {
    self->state.svc = svc;
    self->delayed_send(self, svc->orch.reap_interval, reap_tick_atom_v);
    return {
      [self](reap_tick_atom) {
        start_pass(self);
        self->delayed_send(self, self->state.svc->orch.reap_interval, reap_tick_atom_v);
      },
      [self](reap_atom) -> caf::result<reap_report> {
        auto rp = self->make_response_promise();
        auto p = start_pass(self);
        if (p->pending == 0) // it ended at once (no provider, nothing to terminate)
          return p->report;
        p->waiters.push_back(rp);
        return rp;
      },
    };
  }, std::move(svc));
}

} // namespace atlas
