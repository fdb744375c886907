#include "probe_child.hpp"

namespace atlas::test {

caf::behavior probe(caf::event_based_actor* self, std::shared_ptr<probe_log> log, std::string id) {
  log->starts.push_back(id);
  log->current[id] = caf::actor{self};
  self->attach_functor([log, id](const caf::error&) { log->stops.push_back(id); });
  if (log->trap_shutdown[id])
    self->set_exit_handler([](caf::exit_msg&) { /* ignores everything but kill */ });
  return {
    [self](crash_atom) { self->quit(caf::make_error(caf::sec::runtime_error, "probe crashed")); },
    [self](exit_normal_atom) { self->quit(); },
    [log, id](caf::tick_atom) { ++log->ticks[id]; },
    [self](exit_shutdown_atom) { self->quit(caf::exit_reason::user_shutdown); },
    [self, log, id](init_atom) -> caf::result<caf::ok_atom> {
      switch (log->handshake[id]) {
        case handshake_mode::ack:
          return caf::ok_atom_v;
        case handshake_mode::refuse:
          return caf::make_error(caf::sec::runtime_error, "not ready");
        case handshake_mode::silent:
          break;
      }
      auto rp = self->make_response_promise<caf::ok_atom>();
      return rp; // never delivered
    },
  };
}

namespace {

child_factory probe_factory(std::shared_ptr<probe_log> log) {
  return [log](caf::actor_system& sys, const std::string& id) -> expected<caf::actor> {
    if (auto& n = log->failing_starts[id]; n > 0) {
      --n;
      return error{errc::provider, "probe " + id + " refused to start"};
    }
    return sys.spawn(probe, log, id);
  };
}

} // namespace

child_spec probe_spec(std::shared_ptr<probe_log> log, std::string id, restart_type restart) {
  child_spec spec;
  spec.id = std::move(id);
  spec.restart = restart;
  spec.start = probe_factory(std::move(log));
  return spec;
}

child_spec probe_template(std::shared_ptr<probe_log> log, restart_type restart) {
  child_spec spec;
  spec.id = "probe";
  spec.restart = restart;
  spec.start = probe_factory(std::move(log));
  return spec;
}

} // namespace atlas::test
