#pragma once
// The persist workers (DESIGN.md §3): every write to durable storage goes
// through here, on a thread of its own. One writer keeps each app's writes
// in the order its app server sent them, so an invalidate is never overtaken
// by an older asynchronous persist of the token it removes.

#include <atlas/actors/token_messages.hpp>
#include <atlas/actors/token_services.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>

namespace atlas {

/// Spawns the writer over the storage its owner published (start it after
/// the storage owner); it publishes itself as token_role::persister. It answers:
/// - (persist_atom, app, token_record): stores the app's `cached` entry and
///   answers nothing; a failure is logged as an error naming the app, never
///   the token (the caller already has its token);
/// - (storage_put_atom, app, token_key, token_record) → expected<void>, errc::persist_failed;
/// - (storage_erase_atom, app, token_key) → expected<void>.
caf::actor spawn_token_persister(caf::actor_system& sys, std::shared_ptr<token_services> svc);

} // namespace atlas
