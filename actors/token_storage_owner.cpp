#include <atlas/actors/token_storage_owner.hpp>

#include <atlas/actors/init_message.hpp>
#include <atlas/core/logger.hpp>
#include <atlas/core/redact.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>

namespace atlas {

namespace {

// A user's storage may throw where it should return an error (ExAtlas's
// defect 16: storage exits were uncaught). Every call goes through here, in
// the owner and in the writer behind it, so an exception becomes an error
// value (a miss for a read, persist_failed for a write) and kills neither.
class guarded_storage final : public token_storage {
public:
  explicit guarded_storage(std::shared_ptr<token_storage> inner) : inner_(std::move(inner)) {}

  expected<std::optional<token_record>> get(std::string_view app, token_key key) override {
    return guard(errc::storage_corrupt, "read", app, [&] { return inner_->get(app, key); });
  }
  expected<void> put(std::string_view app, token_key key, const token_record& record) override {
    return guard(errc::persist_failed, "write", app,
                 [&] { return inner_->put(app, key, record); });
  }
  expected<void> erase(std::string_view app, token_key key) override {
    return guard(errc::persist_failed, "erase", app, [&] { return inner_->erase(app, key); });
  }

private:
  template <class F>
  static auto guard(errc code, std::string_view what, std::string_view app, F f)
    -> decltype(f()) {
    auto fail = [&](std::string_view why) {
      // The exception's text is the user's: redact it, it may hold a token.
      return error{code, "token storage " + std::string{what} + " for app " + std::string{app}
                           + " threw: " + redact(why)};
    };
    try {
      return f();
    } catch (const std::exception& e) {
      return fail(e.what());
    } catch (...) {
      return fail("an exception that is not a std::exception");
    }
  }

  std::shared_ptr<token_storage> inner_;
};

expected<std::shared_ptr<token_storage>> open_guarded(const token_services& svc) {
  if (!svc.open_storage)
    return error{errc::internal, "no token storage configured"};
  try {
    auto s = svc.open_storage();
    if (!s)
      return s.error();
    if (!*s)
      return error{errc::internal, "token storage factory returned nothing"};
    return std::shared_ptr<token_storage>{std::make_shared<guarded_storage>(std::move(*s))};
  } catch (const std::exception& e) {
    return error{errc::storage_corrupt, "opening token storage threw: " + redact(e.what())};
  } catch (...) {
    return error{errc::storage_corrupt, "opening token storage threw an exception"};
  }
}

struct owner_state {
  std::shared_ptr<token_services> svc;
  std::shared_ptr<token_storage> storage;
  std::optional<error> open_error;

  // Opened at the first message rather than at spawn, so that the open runs
  // on the actor's own thread, never on the spawner's.
  token_storage* ensure_open() {
    if (!storage && !open_error) {
      if (auto s = open_guarded(*svc)) {
        storage = std::move(*s);
        svc->publish_storage(storage);
      } else {
        open_error = s.error();
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
