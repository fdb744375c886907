#pragma once
// A compute provider is an actor with this typed interface (ExAtlas's
// Provider behaviour, reference/exatlas.md §12; DESIGN.md §4.4). Users
// extend Atlas by writing a compute_provider — a plain C++ class whose
// methods are synchronous or asynchronous — and spawning it with
// spawn_provider; what a provider does not override answers
// errc::unsupported. docs/writing_a_provider.md walks through one.

#include <atlas/actors/compute_messages.hpp>
#include <atlas/core/capability.hpp>
#include <atlas/core/compute_request.hpp>
#include <atlas/core/gpu_catalog.hpp>
#include <atlas/core/job.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace atlas {

/// The provider interface. Each request answers an atlas::expected; the
/// job stream sends (job_chunk_atom, job_id, chunk) to the given actor for
/// each chunk, then answers once the stream has ended.
using provider_actor = caf::typed_actor<
  caf::replies_to<compute_spawn_atom, compute_request>::with<expected<compute>>,
  caf::replies_to<compute_get_atom, std::string>::with<expected<compute>>,
  caf::replies_to<compute_list_atom, compute_filter>::with<expected<std::vector<compute>>>,
  caf::replies_to<compute_stop_atom, std::string>::with<expected<void>>,
  caf::replies_to<compute_start_atom, std::string>::with<expected<void>>,
  caf::replies_to<compute_terminate_atom, std::string>::with<expected<void>>,
  caf::replies_to<job_run_atom, job_request>::with<expected<job>>,
  caf::replies_to<job_get_atom, std::string>::with<expected<job>>,
  caf::replies_to<job_cancel_atom, std::string>::with<expected<void>>,
  caf::replies_to<job_stream_atom, std::string, caf::actor>::with<expected<void>>,
  caf::replies_to<gpu_types_atom>::with<expected<std::vector<gpu_type>>>,
  caf::replies_to<capabilities_atom>::with<provider_info>>;

/// A provider as a plain class. Override either the synchronous method
/// (runs in the provider's actor, one call at a time: for quick, in-memory
/// work) or its `_async` twin (start the work, call `done` once, from any
/// thread: for I/O). The `_async` defaults call the synchronous ones; those
/// default to errc::unsupported. A method that throws answers
/// errc::internal; nothing it throws leaves the actor.
class compute_provider {
public:
  template <class T>
  using reply = std::function<void(expected<T>)>;
  using chunk_sink = std::function<void(std::string chunk)>;

  virtual ~compute_provider() = default;

  /// The provider's name ("mock", "fly_machines"): in errors and compute.provider.
  virtual std::string name() const = 0;
  virtual std::vector<capability> capabilities() const { return {}; }

  virtual expected<compute> spawn_compute(const compute_request& r);
  virtual expected<compute> get_compute(const std::string& id);
  virtual expected<std::vector<compute>> list_compute(const compute_filter& f);
  virtual expected<void> stop(const std::string& id);
  virtual expected<void> start(const std::string& id);
  virtual expected<void> terminate(const std::string& id);
  virtual expected<job> run_job(const job_request& r);
  virtual expected<job> get_job(const std::string& id);
  virtual expected<void> cancel_job(const std::string& id);
  /// The job's chunks, in order (JSON text each).
  virtual expected<std::vector<std::string>> stream_job(const std::string& id);
  virtual expected<std::vector<gpu_type>> list_gpu_types();

  virtual void spawn_compute_async(const compute_request& r, reply<compute> done) { done(spawn_compute(r)); }
  virtual void get_compute_async(const std::string& id, reply<compute> done) { done(get_compute(id)); }
  virtual void list_compute_async(const compute_filter& f, reply<std::vector<compute>> done) {
    done(list_compute(f));
  }
  virtual void stop_async(const std::string& id, reply<void> done) { done(stop(id)); }
  virtual void start_async(const std::string& id, reply<void> done) { done(start(id)); }
  virtual void terminate_async(const std::string& id, reply<void> done) { done(terminate(id)); }
  virtual void run_job_async(const job_request& r, reply<job> done) { done(run_job(r)); }
  virtual void get_job_async(const std::string& id, reply<job> done) { done(get_job(id)); }
  virtual void cancel_job_async(const std::string& id, reply<void> done) { done(cancel_job(id)); }
  /// Calls `chunk` for each chunk (from any thread, in order), then `done`.
  virtual void stream_job_async(const std::string& id, chunk_sink chunk, reply<void> done);
  virtual void list_gpu_types_async(reply<std::vector<gpu_type>> done) { done(list_gpu_types()); }

protected:
  /// errc::unsupported naming this provider and `what` (ExAtlas's stub message).
  error unsupported(const std::string& what) const;
};

struct provider_spawn_options {
  /// Run the provider on its own thread: for synchronous methods that block.
  bool detached = false;
};

/// Runs `impl` as a provider actor. The actor owns `impl` (and what it owns,
/// a mock's store for one): the provider's state lives as long as the actor,
/// never as long as its first caller (ExAtlas's Mock store did, defect 31).
provider_actor spawn_provider(caf::actor_system& sys, std::shared_ptr<compute_provider> impl,
                              provider_spawn_options o = {});

template <class Provider, class... Args>
provider_actor spawn_provider_of(caf::actor_system& sys, Args&&... args) {
  return spawn_provider(sys, std::make_shared<Provider>(std::forward<Args>(args)...));
}

} // namespace atlas
