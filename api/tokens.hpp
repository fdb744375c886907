#pragma once
// The token part of Atlas's facade (DESIGN.md §4.1, §5): get a Fly app's
// token, invalidate it after a 401, refresh it, set a manual one. Usable from
// actors (asynchronous, the answer comes back in the actor's context) and
// from plain threads (blocking, with a deadline).

#include <atlas/actors/token_services.hpp>
#include <atlas/core/expected.hpp>
#include <atlas/core/token_record.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <functional>
#include <memory>
#include <string>

namespace atlas {

/// Who answered: the facade itself from the shared cache (no actor hop), or
/// the app's server.
enum class token_acquirer : std::uint8_t { facade, app_server };
/// "facade" or "app_server".
std::string_view to_string(token_acquirer a) noexcept;

/// A token as the facade hands it out.
struct token_answer {
  /// The token itself; prints as [REDACTED], reveal() gives the value.
  secret token;
  /// The link of the chain that answered.
  token_source source = token_source::none;
  /// Who answered: the facade (cache hit) or the app's server.
  token_acquirer acquirer = token_acquirer::facade;
  /// When it expires; token_record::never for tokens that do not.
  token_record::clock::time_point expires_at = token_record::never;
};

/// A handle on a running tokens subtree; cheap to copy, thread-safe. It
/// refers to its actor system, which must outlive it.
class tokens {
public:
  /// The callback of an asynchronous call: runs once, in the calling actor's context.
  template <class T>
  using callback = std::function<void(expected<T>)>;

  /// Starts a tokens subtree alone in `sys` and waits until it is up.
  static expected<tokens> start(caf::actor_system& sys, std::shared_ptr<token_services> svc,
                                duration deadline = std::chrono::seconds{30});

  /// A facade over a subtree started elsewhere (tokens_supervisor_child).
  tokens(caf::actor_system& sys, std::shared_ptr<token_services> svc, caf::actor supervisor = {});

  // Blocking, for plain threads (never from an actor handler). A deadline of
  // zero means the default: tokens.cli_timeout + 30 s for get and refresh
  // (the chain may run the CLI), 5 s for invalidate and set_manual (the app
  // server answers those even while it runs the CLI).
  /// The app's token through the chain (DESIGN.md §4.1); errc::no_token_available says why each link had none.
  expected<token_answer> get(const std::string& app, duration deadline = duration{0}) const;
  /// Forgets the app's token and acquires a new one; no caller sees the old one after it starts.
  expected<token_answer> refresh(const std::string& app, duration deadline = duration{0}) const;
  /// Forgets the app's cached token (memory and durable copy).
  expected<void> invalidate(const std::string& app, duration deadline = duration{0}) const;
  /// Stores a manual override synchronously; errc::persist_failed when storage fails.
  expected<void> set_manual(const std::string& app, const secret& token,
                            duration deadline = duration{0}) const;

  // Asynchronous, for actors: `then` runs once in `self`'s context (at once,
  // for a cache hit). Same results and deadlines as above.
  /// Asynchronous get: `then` runs once in `self`'s context (at once for a cache hit).
  void get(caf::event_based_actor* self, const std::string& app, callback<token_answer> then) const;
  /// Asynchronous refresh.
  void refresh(caf::event_based_actor* self, const std::string& app,
               callback<token_answer> then) const;
  /// Asynchronous invalidate.
  void invalidate(caf::event_based_actor* self, const std::string& app,
                  callback<void> then) const;
  /// Asynchronous set_manual.
  void set_manual(caf::event_based_actor* self, const std::string& app, const secret& token,
                  callback<void> then) const;

  /// Stops the subtree if start() started it; waits for it to be gone.
  expected<void> stop(duration deadline = std::chrono::seconds{30}) const;

  /// The tokens supervisor.
  const caf::actor& supervisor() const noexcept { return sup_; }
  /// What the subtree runs on: options, storage, cache, process runner.
  const std::shared_ptr<token_services>& services() const noexcept { return svc_; }

private:
  caf::actor_system* sys_;
  std::shared_ptr<token_services> svc_;
  caf::actor sup_;
};

/// Fly app names: 1–63 characters, lowercase letters, digits and '-'.
/// errc::validation naming the name and the rule otherwise.
expected<void> validate_app_name(const std::string& app);

} // namespace atlas
