#pragma once
// Atlas embedded in a user's CAF actor_system (DESIGN.md §3, §5): one call
// spawns the whole tree
//
//   atlas_sup (one_for_one)
//   ├── fly_sup (one_for_one)            unless fly.enabled = false
//   │   ├── tokens_sup (rest_for_one)
//   │   ├── logs_sup (rest_for_one)      unless logs.enabled = false
//   │   └── deploys (dynamic)
//   └── orchestrator_sup (rest_for_one)  when orchestrator.enabled:
//       providers mock, fly_machines (with fly.enabled) and the user's
//
// and hands back the facades that talk to it. docs/embedding.md.

#include <atlas/api/deploys.hpp>
#include <atlas/api/logs.hpp>
#include <atlas/api/orchestrator.hpp>
#include <atlas/api/tokens.hpp>
#include <atlas/core/expected.hpp>
#include <atlas/core/options.hpp>
#include <atlas/core/telemetry.hpp>
#include <atlas/storage/token_storage.hpp>
#include <atlas/supervisors/child_spec.hpp>
#include <atlas/supervisors/supervisor_flags.hpp>
#include <atlas/supervisors/supervisor_messages.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace atlas {

class http_client;
class process_runner;

/// What a runtime takes beside its options; every field has a default.
struct runtime_parts {
  /// The user's own durable token storage (it must pass
  /// <atlas/storage/token_storage_conformance.hpp>); null: LMDB in
  /// tokens.storage_dir.
  std::shared_ptr<atlas::token_storage> storage{};
  /// Receives every telemetry event; must outlive the runtime. May be null.
  telemetry_sink* telemetry = nullptr;
  /// Where FLY_* variables are read; the process environment by default.
  env_lookup env = process_environment();
  /// The HTTP client for the Fly APIs; null: one of the runtime's own.
  std::shared_ptr<http_client> http{};
  /// With orchestrator.enabled: providers of the user's own, by name, beside
  /// the built-in "mock" and "fly_machines" (a name here replaces a built-in).
  std::vector<std::pair<std::string, provider_actor>> providers{};
};

/// One node of the supervision tree as the runtime sees it right now.
struct tree_node {
  /// The child's id in its supervisor ("atlas_sup", "fly_sup", "tokens_sup", ...).
  std::string id;
  /// Worker or supervisor.
  child_type type = child_type::supervisor;
  /// Running, restarting or terminating.
  child_state state = child_state::running;
  /// Restarts of this child since its supervisor started.
  std::uint32_t restarts = 0;
  std::vector<tree_node> children; ///< empty for workers
};

/// A running Atlas tree and its facades. Cheap to copy (copies share the
/// tree); thread-safe. Its actor system must outlive every copy.
class runtime {
public:
  /// Spawns the tree in `sys` and waits until every child is up, or fails
  /// naming the child that could not start (e.g. a corrupt token store).
  static expected<runtime> start(caf::actor_system& sys, const options& opts,
                                 runtime_parts parts = {},
                                 duration deadline = std::chrono::seconds{30});

  /// For a user who supervises Atlas: the root (id "atlas_sup", type
  /// supervisor) as a child spec for the user's own tree, and the runtime
  /// whose facades reach it once that tree has started it. stop() is then
  /// the user's supervisor's business.
  struct child_and_runtime;
  /// Builds the tree as a child spec for the caller's own supervisor (see above).
  static expected<child_and_runtime> as_child(caf::actor_system& sys, const options& opts,
                                              runtime_parts parts = {});

  /// Stops the tree in OTP order (orchestrator, then deploys, logs,
  /// tokens, each subtree's children in reverse start order) and waits
  /// until it is gone. errc::unsupported for an as_child runtime.
  expected<void> stop(duration deadline = std::chrono::seconds{60}) const;

  /// The tokens facade.
  const atlas::tokens& tokens() const;
  /// Default-constructed (every call errc::no_streamer) when logs are disabled.
  const atlas::logs& logs() const;
  /// Default-constructed (every call errc::unsupported) when fly.enabled = false.
  const atlas::deploys& deploys() const;
  /// Default-constructed (every call errc::unsupported) unless orchestrator.enabled.
  const atlas::orchestrator& orchestrator() const;

  /// The root supervisor; null before an as_child root has started.
  caf::actor root() const;
  /// The options it was started with.
  const options& config() const;
  /// The actor system it runs in.
  caf::actor_system& system() const;

  /// The tree as it is now, walked with requests to each supervisor.
  /// Asynchronous: `done` runs once, on a CAF worker thread, never blocks.
  void tree(std::function<void(expected<tree_node>)> done,
            duration deadline = std::chrono::seconds{5}) const;
  /// Blocking (plain threads only).
  expected<tree_node> tree(duration deadline = std::chrono::seconds{5}) const;

  struct state;

private:
  explicit runtime(std::shared_ptr<state> s) : s_(std::move(s)) {}
  std::shared_ptr<state> s_;
};

/// What as_child() returns: the child spec and the runtime that reaches it.
struct runtime::child_and_runtime {
  /// Add this to your supervisor's children; its id is "atlas_sup".
  child_spec child;
  /// Its facades work once your supervisor has started the child.
  atlas::runtime runtime;
};

/// atlas_sup's flags: one_for_one, intensity 3 in 5 s (ExAtlas.Supervisor).
supervisor_flags atlas_supervisor_flags();

} // namespace atlas
