#pragma once
// The owner of the shared token cache (ExAtlas's ETSOwner, DESIGN.md §3):
// the first child of the tokens subtree. The cache's contents live exactly as
// long as this actor: it starts with an empty cache and empties it when it
// exits, so its crash (and the rest_for_one restart behind it) rebuilds the
// subtree from durable storage, while an app server's crash keeps the cache.

#include <atlas/actors/token_services.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>

namespace atlas {

/// Spawns the owner. It answers (caf::get_atom) → std::size_t, the number of
/// apps in the cache, and nothing else: readers read the cache directly, app
/// servers write it directly.
caf::actor spawn_token_cache_owner(caf::actor_system& sys, std::shared_ptr<token_services> svc);

} // namespace atlas
