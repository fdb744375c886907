#pragma once
// The deploys subtree (DESIGN.md §3): a dynamic supervisor, "deploys", with
// one deploy_runner per ticket. Runners are temporary (a deploy is never
// re-run behind its caller's back) and their shutdown timeout covers the
// whole lease-safe stop ladder (2 × deploys.stop_grace, plus room), so a
// shutdown lets flyctl release its leases before the runner is killed.

#include <atlas/actors/deploy_services.hpp>
#include <atlas/supervisors/child_spec.hpp>
#include <atlas/supervisors/supervisor_flags.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>

namespace atlas {

/// one_for_one, named "deploys"; a generous budget (runners are temporary).
supervisor_flags deploys_supervisor_flags();

/// The template child: a deploy_runner for the ticket it is started with.
child_spec deploy_runner_child(std::shared_ptr<deploy_services> svc);

/// For a parent tree (fly_sup): the dynamic supervisor as a child; it
/// publishes itself in svc->runners() as it starts.
child_spec deploys_supervisor_child(std::shared_ptr<deploy_services> svc,
                                    supervisor_flags flags = deploys_supervisor_flags());

/// For plain threads: the dynamic supervisor alone, published in svc. It
/// answers (start_child_atom, ticket) → expected<caf::actor>, the ticket's
/// runner (resolve-or-start), and (caf::get_atom, ticket).
expected<caf::actor> start_deploys_supervisor(caf::actor_system& sys,
                                              std::shared_ptr<deploy_services> svc,
                                              supervisor_flags flags = deploys_supervisor_flags());

} // namespace atlas
