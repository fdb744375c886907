#include <atlas/actors/compute_server.hpp>

#include <atlas/actors/request_error.hpp>
#include <atlas/core/logger.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

namespace atlas {

namespace {

struct server_state {
  std::shared_ptr<orchestrator_services> svc;
  std::string id;
  std::string provider;
  std::uint64_t epoch = 0; ///< stale heartbeat ticks carry an older one (no timer cancellation in 0.17)
  bool terminating = false;
  static inline const char* name = "compute_server";
};

using server = caf::stateful_actor<server_state>;

std::int64_t clock_ms(server* self) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(self->clock().now().time_since_epoch()).count();
}

void publish(server* self, compute_event ev) {
  publish_compute_event(*self->state.svc, self->state.id, std::move(ev));
}

void publish_status(server* self, compute_status s) {
  compute_event ev;
  ev.kind = compute_event_kind::status;
  ev.status = s;
  publish(self, std::move(ev));
}

void arm_heartbeat(server* self, duration every) {
  self->delayed_send(self, every, heartbeat_atom_v, ++self->state.epoch);
}

void finish(server* self) {
  self->state.svc->registry->erase(self->state.id);
  self->quit();
}

void attempt_terminate(server* self, std::uint32_t attempt);

void terminate_failed(server* self, std::uint32_t attempt, error why) {
  auto& svc = *self->state.svc;
  bool final = attempt >= std::max<std::uint32_t>(svc.orch.terminate_attempts, 1);
  log().warn("compute {}: terminate attempt {} failed{}: {}", self->state.id, attempt,
             final ? " (last attempt; the Reaper will retry)" : "", to_string(why));
  emit(svc.telemetry, {"compute.terminate", {{"attempt", double(attempt)}},
                       {{"provider", self->state.provider}, {"status", "error"}}});
  compute_event ev;
  ev.kind = compute_event_kind::terminate_failed;
  ev.failure = std::move(why);
  ev.attempt = attempt;
  ev.final = final;
  publish(self, std::move(ev));
  if (final)
    return finish(self);
  self->delayed_send(self, svc.terminate_backoff(attempt + 1), terminate_retry_atom_v, attempt + 1);
}

void terminated(server* self, std::uint32_t attempt) {
  auto& svc = *self->state.svc;
  emit(svc.telemetry, {"compute.terminate", {{"attempt", double(attempt)}},
                       {{"provider", self->state.provider}, {"status", "ok"}}});
  svc.registry->update(self->state.id, [](tracked_compute& r) { r.resource.status = compute_status::terminated; });
  publish_status(self, compute_status::terminated);
  finish(self);
}

void attempt_terminate(server* self, std::uint32_t attempt) {
  auto& svc = *self->state.svc;
  auto p = svc.provider(self->state.provider);
  if (!p)
    return terminate_failed(self, std::max(attempt, svc.orch.terminate_attempts),
                            error{errc::not_found, "provider \"" + self->state.provider + "\" is not registered"});
  self->request(p, svc.orch.terminate_timeout, compute_terminate_atom_v, self->state.id)
    .then(
      [self, attempt](expected<void>& r) {
        // Already gone is as good as terminated.
        if (r || r.error().code() == errc::not_found)
          return terminated(self, attempt);
        terminate_failed(self, attempt, r.error());
      },
      [self, attempt](caf::error& e) {
        terminate_failed(self, attempt,
                         request_error(self->system(), e, "terminate compute " + self->state.id, "the provider is not running"));
      });
}

void begin_terminate(server* self, const std::string& reason, bool announce = true) {
  if (self->state.terminating)
    return;
  self->state.terminating = true;
  self->state.svc->registry->update(self->state.id, [&](tracked_compute& r) {
    r.terminating = true;
    r.terminate_reason = reason;
  });
  if (announce) {
    compute_event ev;
    ev.kind = compute_event_kind::terminating;
    ev.reason = reason;
    publish(self, std::move(ev));
  }
  attempt_terminate(self, 1);
}

std::string exit_reason_text(server* self, const caf::error& reason) {
  if (reason == caf::exit_reason::user_shutdown)
    return "shutdown";
  return self->system().render(reason);
}

/// Asks the provider to stop or start the resource; the row's status follows.
template <class Atom>
caf::result<expected<void>> change(server* self, Atom op, compute_status after, const char* what) {
  auto p = self->state.svc->provider(self->state.provider);
  if (!p)
    return expected<void>{error{errc::not_found, "provider \"" + self->state.provider + "\" is not registered"}};
  if (self->state.terminating)
    return expected<void>{error{errc::shutdown, "compute " + self->state.id + " is terminating"}};
  auto rp = self->make_response_promise();
  self->request(p, self->state.svc->orch.terminate_timeout, op, self->state.id)
    .then(
      [self, rp, after](expected<void>& r) mutable {
        if (r) {
          self->state.svc->registry->update(self->state.id, [&](tracked_compute& row) { row.resource.status = after; });
          publish_status(self, after);
        }
        rp.deliver(std::move(r));
      },
      [self, rp, what](caf::error& e) mutable {
        rp.deliver(expected<void>{request_error(self->system(), e, std::string{what} + " compute " + self->state.id, "the provider is not running")});
      });
  return rp;
}

caf::behavior server_behavior(server* self, std::shared_ptr<orchestrator_services> svc, std::string id,
                              tracked_compute row) {
  self->state.svc = std::move(svc);
  self->state.id = std::move(id);
  self->state.provider = row.provider;
  self->state.svc->registry->update(self->state.id, [](tracked_compute& r) { ++r.server_starts; });
  // Trap exits: a supervisor's shutdown terminates the resource first. A
  // kill cannot be trapped — and must not destroy anything either.
  self->set_exit_handler([self](caf::exit_msg& m) { begin_terminate(self, exit_reason_text(self, m.reason)); });
  publish_status(self, row.resource.status);
  if (row.terminating)
    begin_terminate(self, row.terminate_reason, false); // a restart resumes the termination
  else
    arm_heartbeat(self, row.heartbeat);
  return {
    [self](heartbeat_atom, std::uint64_t epoch) {
      if (epoch != self->state.epoch || self->state.terminating)
        return;
      auto r = self->state.svc->registry->get(self->state.id);
      if (!r)
        return self->quit(); // untracked behind its back: nothing to guard
      auto idle = self->clock().now() - r->last_activity;
      if (idle >= r->idle_ttl)
        return begin_terminate(self, "idle_timeout");
      compute_event ev;
      ev.kind = compute_event_kind::heartbeat;
      ev.at_ms = clock_ms(self);
      publish(self, std::move(ev));
      arm_heartbeat(self, r->heartbeat);
    },
    [self](compute_touch_atom) -> expected<void> {
      if (self->state.terminating)
        return error{errc::shutdown, "compute " + self->state.id + " is terminating"};
      auto now = self->clock().now();
      self->state.svc->registry->update(self->state.id, [now](tracked_compute& r) { r.last_activity = now; });
      return {};
    },
    [self](terminate_retry_atom, std::uint32_t attempt) { attempt_terminate(self, attempt); },
    [self](compute_stop_atom) { return change(self, compute_stop_atom_v, compute_status::stopped, "stop"); },
    [self](compute_start_atom) { return change(self, compute_start_atom_v, compute_status::running, "start"); },
  };
}

} // namespace

void publish_compute_event(const orchestrator_services& svc, const std::string& id, compute_event ev) {
  if (auto d = svc.handle(orchestrator_role::events))
    caf::anon_send(d, compute_publish_atom_v, id, std::move(ev));
}

expected<caf::actor> spawn_compute_server(caf::actor_system& sys, std::shared_ptr<orchestrator_services> svc,
                                          const std::string& id) {
  auto row = svc->registry->get(id);
  if (!row)
    return error{errc::not_found, "compute " + id + " is not tracked: no registry row"};
  return sys.spawn(server_behavior, std::move(svc), id, std::move(*row));
}

} // namespace atlas
