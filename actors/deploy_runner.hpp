#pragma once
// One deploy, one actor (ExAtlas's stream_deploy, DESIGN.md §4.3), keyed by
// its ticket under the deploys' dynamic supervisor. It never blocks: flyctl
// runs in the shared process runner, whose line and exit callbacks come back
// into the mailbox through a weak handle.
//
// - (deploy_run_atom, deploy_spec, subscriber) → expected<void>: subscribes
//   `subscriber` (may be invalid: none) and starts flyctl; errc::not_found
//   without `fly`, errc::validation for a bad directory or a second run (the
//   runner then stops); a ticket runs once.
// - (deploy_subscribe_atom, actor), (deploy_unsubscribe_atom, actor) →
//   expected<void>; a subscriber that dies is dropped.
// - (deploy_cancel_atom) → expected<void>: the lease-safe stop ladder
//   (SIGINT, grace, SIGTERM, grace, SIGKILL); the exit says cancelled.
// Each line is redacted, sent to every subscriber as (deploy_line_atom,
// ticket, line) and counted in telemetry (deploy.line, no content); the end
// is one (deploy_exit_atom, ticket, deploy_result) and deploy.exit (status,
// duration), after which the runner stops normally. A supervisor's shutdown
// cancels the deploy and waits for flyctl to go; a runner killed outright
// still starts the ladder on its way out.

#include <atlas/actors/deploy_messages.hpp>
#include <atlas/actors/deploy_services.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <string>

namespace atlas {

/// Spawns the runner of `ticket`; flyctl starts only at (deploy_run_atom, deploy_spec, subscriber).
caf::actor spawn_deploy_runner(caf::actor_system& sys, std::shared_ptr<deploy_services> svc,
                               const std::string& ticket);

} // namespace atlas
