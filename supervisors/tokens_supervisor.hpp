#pragma once
// The tokens subtree (DESIGN.md §3), rest_for_one, children in start order:
//   token_cache_owner   the shared cache's contents live as long as it does
//   token_storage_owner durable storage, opened at its start (init handshake)
//   persist_workers     every storage write, in order
//   token_minter        `fly tokens create readonly`, one run per org
//   app_servers         dynamic, one app_server per app, started on first use
// An app server's crash restarts only it (the cache keeps its tokens); a
// cache owner's crash restarts all five, and the cache refills from storage.

#include <atlas/actors/token_services.hpp>
#include <atlas/supervisors/child_spec.hpp>
#include <atlas/supervisors/supervisor_flags.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>

namespace atlas {

/// rest_for_one, intensity 3 in 5 s (ExAtlas's Tokens.Supervisor), named "tokens_sup".
supervisor_flags tokens_supervisor_flags();

/// The subtree as a child of a bigger tree (the Fly subtree, the runtime).
child_spec tokens_supervisor_child(std::shared_ptr<token_services> svc,
                                   supervisor_flags flags = tokens_supervisor_flags());

/// For plain threads: starts the subtree alone and waits until every child
/// is up (storage open). The error names the child that failed and why,
/// e.g. a corrupt manual token store.
expected<caf::actor> start_tokens_supervisor(caf::actor_system& sys,
                                             std::shared_ptr<token_services> svc,
                                             supervisor_flags flags = tokens_supervisor_flags(),
                                             duration deadline = std::chrono::seconds{30});

/// The app servers' dynamic supervisor answers (start_child_atom, app) →
/// expected<caf::actor> with the app's running server, starting it if there
/// is none: resolve-or-start, race-free because one actor decides. Its
/// current handle is svc->handle(token_role::app_servers).

} // namespace atlas
