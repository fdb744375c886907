#include <atlas/actors/token_persister.hpp>

#include <atlas/core/logger.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

namespace atlas {

namespace {

struct persister_state {
  std::shared_ptr<token_storage> storage;

  expected<token_storage*> get() const {
    if (!storage)
      return error{errc::persist_failed, "token storage is not open (its owner is not running)"};
    return storage.get();
  }
};

} // namespace

caf::actor spawn_token_persister(caf::actor_system& sys, std::shared_ptr<token_services> svc) {
  auto body = [svc](caf::stateful_actor<persister_state>* self) -> caf::behavior {
    self->state.storage = svc->storage();
    return {
      [self](persist_atom, const std::string& app, const token_record& rec) {
        auto s = self->state.get();
        auto done = s ? (*s)->put(app, token_key::cached, rec) : expected<void>{s.error()};
        if (!done)
          log().error("token persist failed for app {}: {}", app, to_string(done.error()));
      },
      [self](storage_put_atom, const std::string& app, token_key key,
             const token_record& rec) -> expected<void> {
        auto s = self->state.get();
        if (!s)
          return s.error();
        return (*s)->put(app, key, rec);
      },
      [self](storage_erase_atom, const std::string& app, token_key key) -> expected<void> {
        auto s = self->state.get();
        if (!s)
          return s.error();
        return (*s)->erase(app, key);
      },
    };
  };
  auto handle = svc->detach_blocking ? sys.spawn<caf::detached>(body) : sys.spawn(body);
  // Published here, not in the body: a detached actor runs its body on its
  // own thread, later, and a sibling started next must find it at once (its
  // messages wait in the mailbox until the body has run).
  svc->publish(token_role::persister, handle);
  return handle;
}

} // namespace atlas
