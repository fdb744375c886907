#include <atlas/supervisors/logs_supervisor.hpp>

#include <atlas/actors/log_dispatcher.hpp>
#include <atlas/actors/log_streamer.hpp>
#include <atlas/supervisors/dynamic_supervisor.hpp>
#include <atlas/supervisors/supervisor.hpp>

namespace atlas {

namespace {

std::vector<child_spec> logs_children(const std::shared_ptr<log_services>& svc,
                                      const supervisor_flags& flags) {
  std::vector<child_spec> children;
  child_spec cursors;
  cursors.id = "cursor_table_owner";
  cursors.start = [svc](caf::actor_system& sys, const std::string&) -> expected<caf::actor> {
    return spawn_log_cursor_table_owner(sys, svc->cursors);
  };
  children.push_back(std::move(cursors));

  child_spec dispatcher;
  dispatcher.id = "dispatcher";
  dispatcher.start = [svc](caf::actor_system& sys, const std::string&) -> expected<caf::actor> {
    return spawn_log_dispatcher(sys, svc->telemetry);
  };
  children.push_back(on_started(std::move(dispatcher),
                                [svc](const caf::actor& h) { svc->publish(log_role::dispatcher, h); }));

  child_spec streamer;
  streamer.id = "log_streamer";
  // Transient: a streamer that stops because nobody listens stays stopped
  // (ExAtlas's were permanent and came back to poll forever, defect 1).
  streamer.restart = restart_type::transient;
  streamer.start = [svc](caf::actor_system& sys, const std::string& topic) -> expected<caf::actor> {
    return spawn_log_streamer(sys, svc, topic);
  };
  auto dyn = streamers_supervisor_flags();
  dyn.telemetry = flags.telemetry;
  children.push_back(on_started(dynamic_supervisor_child("streamers", dyn, std::move(streamer)),
                                [svc](const caf::actor& h) { svc->publish(log_role::streamers, h); }));
  return children;
}

} // namespace

supervisor_flags logs_supervisor_flags() {
  supervisor_flags f;
  f.name = "logs_sup";
  f.strategy = restart_strategy::rest_for_one;
  f.intensity = 3;
  f.period = std::chrono::seconds{5};
  return f;
}

supervisor_flags streamers_supervisor_flags() {
  supervisor_flags f;
  f.name = "streamers";
  f.intensity = 100;
  f.period = std::chrono::seconds{60};
  return f;
}

child_spec logs_supervisor_child(std::shared_ptr<log_services> svc, supervisor_flags flags) {
  auto children = logs_children(svc, flags);
  return supervisor_child(flags.name, flags, std::move(children));
}

expected<caf::actor> start_logs_supervisor(caf::actor_system& sys, std::shared_ptr<log_services> svc,
                                           supervisor_flags flags, duration deadline) {
  auto children = logs_children(svc, flags);
  return start_supervisor(sys, std::move(flags), std::move(children), deadline);
}

} // namespace atlas
