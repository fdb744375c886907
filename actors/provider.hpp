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
  /// The completion of an `_async` method: call it once, from any thread;
  /// later calls are ignored, and one made after the actor has gone goes nowhere.
  template <class T>
  using reply = std::function<void(expected<T>)>;
  /// Receives one chunk (JSON text) of stream_job_async, in order, from any thread.
  using chunk_sink = std::function<void(std::string chunk)>;

  virtual ~compute_provider() = default;

  /// The provider's name ("mock", "fly_machines"): in errors and compute.provider.
  virtual std::string name() const = 0;
  /// What the provider supports beyond the required calls, as the
  /// capabilities_atom answer reports it; none by default.
  virtual std::vector<capability> capabilities() const { return {}; }

  /// Validates `r` and creates the resource: a non-empty `id`, `provider`
  /// equal to name(), and the request's `name` and `labels` (the Reaper's ownership
  /// mark is a label: a provider that drops labels is never reaped).
  virtual expected<compute> spawn_compute(const compute_request& r);
  /// The resource `id`, or errc::not_found.
  virtual expected<compute> get_compute(const std::string& id);
  /// Every resource `c` with `matches(f, c)`; at least status and name are honoured.
  virtual expected<std::vector<compute>> list_compute(const compute_filter& f);
  /// Stops the resource `id`, answering once it has stopped. Override both
  /// stop and start, or neither.
  virtual expected<void> stop(const std::string& id);
  /// Starts the stopped resource `id`, answering once it runs.
  virtual expected<void> start(const std::string& id);
  /// Destroys the resource `id`; an unknown id is errc::not_found, which
  /// Atlas's trackers take as already terminated.
  virtual expected<void> terminate(const std::string& id);
  /// Submits a serverless job (providers with capability::serverless).
  virtual expected<job> run_job(const job_request& r);
  /// The job `id`, or errc::not_found.
  virtual expected<job> get_job(const std::string& id);
  /// Cancels the job `id`; an unknown id is errc::not_found.
  virtual expected<void> cancel_job(const std::string& id);
  /// The job's chunks, in order (JSON text each).
  virtual expected<std::vector<std::string>> stream_job(const std::string& id);
  /// The GPUs this provider offers; gpu_for_provider maps catalog names to its ids.
  virtual expected<std::vector<gpu_type>> list_gpu_types();

  /// spawn_compute for I/O: start the work, call `done` once. Default: spawn_compute.
  virtual void spawn_compute_async(const compute_request& r, reply<compute> done) { done(spawn_compute(r)); }
  /// get_compute for I/O: start the work, call `done` once. Default: get_compute.
  virtual void get_compute_async(const std::string& id, reply<compute> done) { done(get_compute(id)); }
  /// list_compute for I/O: start the work, call `done` once. Default: list_compute.
  virtual void list_compute_async(const compute_filter& f, reply<std::vector<compute>> done) {
    done(list_compute(f));
  }
  /// stop for I/O: call `done` once the resource has stopped. Default: stop.
  virtual void stop_async(const std::string& id, reply<void> done) { done(stop(id)); }
  /// start for I/O: call `done` once the resource runs. Default: start.
  virtual void start_async(const std::string& id, reply<void> done) { done(start(id)); }
  /// terminate for I/O: start the work, call `done` once. Default: terminate.
  virtual void terminate_async(const std::string& id, reply<void> done) { done(terminate(id)); }
  /// run_job for I/O: start the work, call `done` once. Default: run_job.
  virtual void run_job_async(const job_request& r, reply<job> done) { done(run_job(r)); }
  /// get_job for I/O: start the work, call `done` once. Default: get_job.
  virtual void get_job_async(const std::string& id, reply<job> done) { done(get_job(id)); }
  /// cancel_job for I/O: start the work, call `done` once. Default: cancel_job.
  virtual void cancel_job_async(const std::string& id, reply<void> done) { done(cancel_job(id)); }
  /// Calls `chunk` for each chunk (from any thread, in order), then `done`.
  virtual void stream_job_async(const std::string& id, chunk_sink chunk, reply<void> done);
  /// list_gpu_types for I/O: start the work, call `done` once. Default: list_gpu_types.
  virtual void list_gpu_types_async(reply<std::vector<gpu_type>> done) { done(list_gpu_types()); }

protected:
  /// errc::unsupported naming this provider and `what` (ExAtlas's stub message).
  error unsupported(const std::string& what) const;
};

/// How spawn_provider runs the provider's actor.
struct provider_spawn_options {
  /// Run the provider on its own thread: for synchronous methods that block.
  bool detached = false;
};

/// Runs `impl` as a provider actor. The actor owns `impl` (and what it owns,
/// a mock's store for one): the provider's state lives as long as the actor,
/// never as long as its first caller (ExAtlas's Mock store did, defect 31).
provider_actor spawn_provider(caf::actor_system& sys, std::shared_ptr<compute_provider> impl,
                              provider_spawn_options o = {});

/// spawn_provider on a `Provider` made from `args`, with default options (not detached).
template <class Provider, class... Args>
provider_actor spawn_provider_of(caf::actor_system& sys, Args&&... args) {
  return spawn_provider(sys, std::make_shared<Provider>(std::forward<Args>(args)...));
}

} // namespace atlas
