#include <atlas/supervisors/dynamic_supervisor.hpp>

#include <atlas/supervisors/detail/supervisor_actor.hpp>

#include <caf/all.hpp>

namespace atlas {

namespace {

expected<caf::actor> spawn_checked(caf::actor_system& sys, supervisor_flags flags,
                                   child_spec tmpl, std::uint32_t max_children) {
  if (flags.strategy != restart_strategy::one_for_one)
    return error{errc::validation, "dynamic supervisor " + flags.name
                                     + ": strategy must be one_for_one (children are independent)"};
  if (flags.period <= duration{0})
    return error{errc::validation, "dynamic supervisor " + flags.name + ": period must be positive"};
  if (auto ok = validate(tmpl); !ok)
    return error{errc::validation, "dynamic supervisor " + flags.name + ": "
                                     + ok.error().message()};
  return sys.spawn<detail::supervisor_actor>(
    detail::supervisor_setup{std::move(flags), {}, std::move(tmpl), max_children});
}

} // namespace

expected<caf::actor> spawn_dynamic_supervisor(caf::actor_system& sys, supervisor_flags flags,
                                              child_spec child_template,
                                              std::uint32_t max_children) {
  return spawn_checked(sys, std::move(flags), std::move(child_template), max_children);
}

child_spec dynamic_supervisor_child(std::string id, supervisor_flags flags,
                                    child_spec child_template, std::uint32_t max_children,
                                    restart_type restart) {
  child_spec spec;
  spec.id = std::move(id);
  spec.type = child_type::supervisor;
  spec.restart = restart;
  spec.start = [flags = std::move(flags), tmpl = std::move(child_template), max_children](
                 caf::actor_system& sys, const std::string&) {
    return spawn_checked(sys, flags, tmpl, max_children);
  };
  return spec;
}

} // namespace atlas
