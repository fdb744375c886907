#pragma once
// The storage owner (DESIGN.md §3): opens durable storage and answers reads,
// on a thread of its own because storage blocks on disk. Its restart reopens
// storage (LMDB contents intact); a store that cannot be opened (a corrupt
// manual file) fails its start, and so the subtree's.

#include <atlas/actors/token_messages.hpp>
#include <atlas/actors/token_services.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>

namespace atlas {

/// Spawns the owner; it opens storage at its first message and publishes it
/// (token_services::storage()) and itself (token_role::storage_owner). It answers:
/// - (init_atom) → caf::ok_atom once storage is open, or the error opening it
///   (and then exits with it);
/// - (storage_get_atom, app, token_key) → expected<stored_token>;
/// - (storage_put_atom, app, token_key, token_record) → expected<void>;
/// - (storage_erase_atom, app, token_key) → expected<void>.
caf::actor spawn_token_storage_owner(caf::actor_system& sys, std::shared_ptr<token_services> svc);

} // namespace atlas
