#include <atlas/actors/token_storage_owner.hpp>

#include <atlas/actors/init_message.hpp>
#include <atlas/core/logger.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>

namespace atlas {

namespace {

struct owner_state {
  std::shared_ptr<token_services> svc;
  std::shared_ptr<token_storage> storage;
  std::optional<error> open_error;

  // Opened at the first message rather than at spawn, so that the open runs
  // on the actor's own thread, never on the spawner's.
  token_storage* ensure_open() {
    if (!storage && !open_error) {
      auto s = svc->open_storage ? svc->open_storage()
                                 : expected<std::shared_ptr<token_storage>>{
                                     error{errc::internal, "no token storage configured"}};
      if (s && *s) {
        storage = std::move(*s);
        svc->publish_storage(storage);
      } else {
        open_error = s ? error{errc::internal, "token storage factory returned nothing"} : s.error();
        log().error("token storage: {}", to_string(*open_error));
      }
    }
    return storage.get();
  }

  error not_open() const {
    return open_error ? *open_error : error{errc::internal, "token storage is not open"};
  }
};

} // namespace

caf::actor spawn_token_storage_owner(caf::actor_system& sys, std::shared_ptr<token_services> svc) {
  auto body = [svc](caf::stateful_actor<owner_state>* self) -> caf::behavior {
    self->state.svc = svc;
    self->attach_functor([svc] {
      // Whoever restarts this owner opens storage again; the writer behind it
      // keeps its own reference until it is restarted too (rest_for_one).
      svc->publish_storage(nullptr);
    });
    svc->publish(token_role::storage_owner, caf::actor_cast<caf::actor>(self));
    return {
      [self](init_atom) -> caf::result<caf::ok_atom> {
        if (self->state.ensure_open())
          return caf::ok_atom_v;
        auto err = caf::make_error(caf::sec::runtime_error, to_string(self->state.not_open()));
        self->quit(err);
        return err;
      },
      [self](storage_get_atom, const std::string& app, token_key key) -> expected<stored_token> {
        auto* s = self->state.ensure_open();
        if (s == nullptr)
          return self->state.not_open();
        auto r = s->get(app, key);
        if (!r)
          return r.error();
        if (!*r)
          return stored_token{};
        return stored_token{true, std::move(**r)};
      },
      [self](storage_put_atom, const std::string& app, token_key key,
             const token_record& rec) -> expected<void> {
        auto* s = self->state.ensure_open();
        if (s == nullptr)
          return self->state.not_open();
        return s->put(app, key, rec);
      },
      [self](storage_erase_atom, const std::string& app, token_key key) -> expected<void> {
        auto* s = self->state.ensure_open();
        if (s == nullptr)
          return self->state.not_open();
        return s->erase(app, key);
      },
    };
  };
  if (svc->detach_blocking)
    return sys.spawn<caf::detached>(body);
  return sys.spawn(body);
}

} // namespace atlas
