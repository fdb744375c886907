#include <atlas/supervisors/supervisor.hpp>

#include <atlas/supervisors/detail/supervisor_actor.hpp>

#include <caf/all.hpp>

#include <set>

namespace atlas {

namespace {

// The text of a supervisor's start error (its init reply carries it as the
// context of a runtime_error).
std::string describe(caf::actor_system& sys, const caf::error& e) {
  auto& ctx = e.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return sys.render(e);
}

} // namespace

expected<caf::actor> spawn_supervisor(caf::actor_system& sys, supervisor_flags flags,
                                      std::vector<child_spec> children) {
  std::set<std::string> ids;
  for (auto& spec : children) {
    if (auto ok = validate(spec); !ok)
      return error{errc::validation, "supervisor " + flags.name + ": " + ok.error().message()};
    if (!ids.insert(spec.id).second)
      return error{errc::validation, "supervisor " + flags.name + ": two children have the id '"
                                       + spec.id + "'; ids must be unique"};
  }
  if (flags.period <= duration{0})
    return error{errc::validation, "supervisor " + flags.name + ": period must be positive"};
  return sys.spawn<detail::supervisor_actor>(
    detail::supervisor_setup{std::move(flags), std::move(children), std::nullopt, 0});
}

child_spec supervisor_child(std::string id, supervisor_flags flags,
                            std::vector<child_spec> children, restart_type restart) {
  child_spec spec;
  spec.id = std::move(id);
  spec.type = child_type::supervisor;
  spec.restart = restart;
  spec.start = [flags = std::move(flags), children = std::move(children)](
                 caf::actor_system& sys, const std::string&) {
    return spawn_supervisor(sys, flags, children);
  };
  return spec;
}

expected<caf::actor> start_supervisor(caf::actor_system& sys, supervisor_flags flags,
                                      std::vector<child_spec> children, duration deadline) {
  auto sup = spawn_supervisor(sys, std::move(flags), std::move(children));
  if (!sup)
    return sup;
  caf::scoped_actor self{sys, true};
  expected<caf::actor> result = error{errc::internal, "no answer from the supervisor"};
  self->request(*sup, deadline, init_atom_v)
    .receive([&](caf::ok_atom) { result = *sup; },
             [&](caf::error& err) {
               if (err == caf::sec::request_timeout) {
                 caf::anon_send_exit(*sup, caf::exit_reason::user_shutdown);
                 result = error{errc::timeout, "supervisor did not finish starting its children "
                                               "within " + format_duration(deadline)};
               } else {
                 result = error{errc::provider, describe(sys, err)};
               }
             });
  return result;
}

expected<void> stop_supervisor(caf::actor_system& sys, const caf::actor& sup, duration deadline) {
  caf::scoped_actor self{sys, true};
  self->monitor(sup);
  self->send_exit(sup, caf::exit_reason::user_shutdown);
  expected<void> result;
  self->receive([&](caf::down_msg&) {},
                caf::after(deadline) >> [&] {
                  result = error{errc::timeout, "supervisor still running after "
                                                  + format_duration(deadline)};
                });
  return result;
}

} // namespace atlas
