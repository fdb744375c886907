#include <atlas/actors/token_cache_owner.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

namespace atlas {

caf::actor spawn_token_cache_owner(caf::actor_system& sys, std::shared_ptr<token_services> svc) {
  return sys.spawn([svc](caf::event_based_actor* self) -> caf::behavior {
    svc->cache->clear();
    // Also on a crash or a kill: the next owner must not find tokens that
    // app servers of the old subtree wrote.
    self->attach_functor([svc] { svc->cache->clear(); });
    return {
      [svc](caf::get_atom) { return svc->cache->size(); },
    };
  });
}

} // namespace atlas
