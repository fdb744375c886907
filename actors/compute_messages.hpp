#pragma once
// The messages of the orchestrator subtree (DESIGN.md §3, §4.4). A
// subscriber of compute events receives, through every dispatch mode:
//   (compute_event_atom, id, compute_event)
// with the event's kind one of status, heartbeat, terminating,
// terminate_failed (ExAtlas's Events, reference/exatlas.md §17.3), on the
// topics "atlas:compute" (every resource: what a dashboard reads) and
// "compute:<id>" (one resource). Atoms are at most 10 characters.

#include <atlas/core/compute.hpp>
#include <atlas/core/error.hpp>

#include <caf/atom.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace atlas {

// provider interface
/// (compute_spawn_atom, compute_request) → expected<compute> to a provider; the
/// registry takes (compute_spawn_atom, provider, compute_request, user_id).
using compute_spawn_atom = caf::atom_constant<caf::atom("cspawn")>;
/// (compute_get_atom, id) → expected<compute>: compute_provider::get_compute.
using compute_get_atom = caf::atom_constant<caf::atom("cget")>;
/// (compute_list_atom, compute_filter) → expected<std::vector<compute>>.
using compute_list_atom = caf::atom_constant<caf::atom("clist")>;
/// (compute_stop_atom, id) → expected<void>: compute_provider::stop.
using compute_stop_atom = caf::atom_constant<caf::atom("cstop")>;
/// (compute_start_atom, id) → expected<void>: compute_provider::start.
using compute_start_atom = caf::atom_constant<caf::atom("cstart")>;
/// (compute_terminate_atom, id) → expected<void>: compute_provider::terminate.
using compute_terminate_atom = caf::atom_constant<caf::atom("cterm")>;
/// (job_run_atom, job_request) → expected<job>: compute_provider::run_job.
using job_run_atom = caf::atom_constant<caf::atom("jrun")>;
/// (job_get_atom, id) → expected<job>: compute_provider::get_job.
using job_get_atom = caf::atom_constant<caf::atom("jget")>;
/// (job_cancel_atom, id) → expected<void>: compute_provider::cancel_job.
using job_cancel_atom = caf::atom_constant<caf::atom("jcancel")>;
/// (job_stream_atom, id, caf::actor) → expected<void>, once the chunks have gone to the actor.
using job_stream_atom = caf::atom_constant<caf::atom("jstream")>;
/// (job_chunk_atom, job id, chunk): one chunk, sent to a job stream's actor.
using job_chunk_atom = caf::atom_constant<caf::atom("jchunk")>;
/// (job_done_atom, job id): sent to a job stream's actor after its last chunk.
using job_done_atom = caf::atom_constant<caf::atom("jdone")>;
/// (gpu_types_atom) → expected<std::vector<gpu_type>>: compute_provider::list_gpu_types.
using gpu_types_atom = caf::atom_constant<caf::atom("gputypes")>;
/// (capabilities_atom) → provider_info.
using capabilities_atom = caf::atom_constant<caf::atom("ccaps")>;
// tracking
/// (compute_event_atom, id, compute_event): what a subscriber receives.
using compute_event_atom = caf::atom_constant<caf::atom("cevent")>;
/// (compute_touch_atom) → expected<void> to a compute server: the resource is in
/// use, its idle time starts again.
using compute_touch_atom = caf::atom_constant<caf::atom("ctouch")>;
/// (heartbeat_atom, epoch): a compute server's own idle-check timer.
using heartbeat_atom = caf::atom_constant<caf::atom("chbeat")>;
/// (terminate_retry_atom, attempt): a compute server's own retry of a failed terminate.
using terminate_retry_atom = caf::atom_constant<caf::atom("ctretry")>;
/// (reap_atom) → reap_report: a Reaper pass now.
using reap_atom = caf::atom_constant<caf::atom("creap")>;
/// (reap_tick_atom): the Reaper's own timer.
using reap_tick_atom = caf::atom_constant<caf::atom("creaptick")>;
// event dispatcher
/// (compute_subscribe_atom, topic, subscriber) → expected<void>: see spawn_compute_event_dispatcher.
using compute_subscribe_atom = caf::atom_constant<caf::atom("csub")>;
/// (compute_unsubscribe_atom, topic, subscriber) → expected<void>.
using compute_unsubscribe_atom = caf::atom_constant<caf::atom("cunsub")>;
/// (compute_publish_atom, id, compute_event): a compute server's event, to the dispatcher.
using compute_publish_atom = caf::atom_constant<caf::atom("cpub")>;

/// The value of compute_spawn_atom, to send.
constexpr compute_spawn_atom compute_spawn_atom_v{};
/// The value of compute_get_atom, to send.
constexpr compute_get_atom compute_get_atom_v{};
/// The value of compute_list_atom, to send.
constexpr compute_list_atom compute_list_atom_v{};
/// The value of compute_stop_atom, to send.
constexpr compute_stop_atom compute_stop_atom_v{};
/// The value of compute_start_atom, to send.
constexpr compute_start_atom compute_start_atom_v{};
/// The value of compute_terminate_atom, to send.
constexpr compute_terminate_atom compute_terminate_atom_v{};
/// The value of job_run_atom, to send.
constexpr job_run_atom job_run_atom_v{};
/// The value of job_get_atom, to send.
constexpr job_get_atom job_get_atom_v{};
/// The value of job_cancel_atom, to send.
constexpr job_cancel_atom job_cancel_atom_v{};
/// The value of job_stream_atom, to send.
constexpr job_stream_atom job_stream_atom_v{};
/// The value of job_chunk_atom, to send.
constexpr job_chunk_atom job_chunk_atom_v{};
/// The value of job_done_atom, to send.
constexpr job_done_atom job_done_atom_v{};
/// The value of gpu_types_atom, to send.
constexpr gpu_types_atom gpu_types_atom_v{};
/// The value of capabilities_atom, to send.
constexpr capabilities_atom capabilities_atom_v{};
/// The value of compute_event_atom, to send.
constexpr compute_event_atom compute_event_atom_v{};
/// The value of compute_touch_atom, to send.
constexpr compute_touch_atom compute_touch_atom_v{};
/// The value of heartbeat_atom, to send.
constexpr heartbeat_atom heartbeat_atom_v{};
/// The value of terminate_retry_atom, to send.
constexpr terminate_retry_atom terminate_retry_atom_v{};
/// The value of reap_atom, to send.
constexpr reap_atom reap_atom_v{};
/// The value of reap_tick_atom, to send.
constexpr reap_tick_atom reap_tick_atom_v{};
/// The value of compute_subscribe_atom, to send.
constexpr compute_subscribe_atom compute_subscribe_atom_v{};
/// The value of compute_unsubscribe_atom, to send.
constexpr compute_unsubscribe_atom compute_unsubscribe_atom_v{};
/// The value of compute_publish_atom, to send.
constexpr compute_publish_atom compute_publish_atom_v{};

/// The topic of every resource's events (the dashboard's and the node's).
inline constexpr std::string_view compute_all_topic = "atlas:compute";
/// The topic of resource `id`'s events: "compute:" followed by the id.
std::string compute_topic(const std::string& id);

/// Which event a compute_event is; it decides which fields hold (see compute_event).
enum class compute_event_kind : std::uint8_t { status, heartbeat, terminating, terminate_failed };
/// "status", "heartbeat", "terminating" or "terminate_failed".
std::string_view to_string(compute_event_kind k) noexcept;

/// One event. status: `status`; heartbeat: `at_ms` (ms on the actor clock);
/// terminating: `reason` (idle_timeout, stop_tracked, shutdown); terminate_failed:
/// `failure`, the `attempt` it was and whether it was the last (`final`: the
/// resource is then untracked, and the Reaper's to clean up).
struct compute_event {
  compute_event_kind kind = compute_event_kind::status; ///< which event, and so which fields below hold
  compute_status status = compute_status::running; ///< status: the resource's status now
  std::int64_t at_ms = 0; ///< heartbeat: when, in ms on the actor clock
  std::string reason{}; ///< terminating: why
  error failure{}; ///< terminate_failed: why the attempt failed
  std::uint32_t attempt = 0; ///< terminate_failed: which attempt, from 1
  bool final = false; ///< terminate_failed: it was the last attempt

  template <class Inspector>
  friend auto inspect(Inspector& f, compute_event& x) {
    return f(x.kind, x.status, x.at_ms, x.reason, x.failure, x.attempt, x.final);
  }
};

/// What capabilities_atom answers: the provider's name and what it can do.
struct provider_info {
  std::string name; ///< the provider's name()
  std::vector<std::string> capabilities; ///< to_string(capability) values

  template <class Inspector>
  friend auto inspect(Inspector& f, provider_info& x) {
    return f(x.name, x.capabilities);
  }
};

/// One Reaper pass: what it terminated (or would have, in dry-run mode),
/// what it spared and why, what failed.
struct reap_report {
  bool dry_run = false; ///< orchestrator.reap_dry_run: nothing terminated, would_terminate filled instead
  std::vector<std::string> terminated{};     ///< "provider/id"
  std::vector<std::string> would_terminate{}; ///< dry run: "provider/id"
  std::vector<std::string> failed{};         ///< "provider/id: error"
  std::uint32_t spared_tracked = 0;          ///< both marks, but tracked
  std::uint32_t spared_unmarked = 0;         ///< missing the prefix or the ownership mark
  std::vector<std::string> provider_errors{}; ///< "provider: error" for a list that failed
  std::int64_t duration_us = 0; ///< how long the pass took, in µs

  template <class Inspector>
  friend auto inspect(Inspector& f, reap_report& x) {
    return f(x.dry_run, x.terminated, x.would_terminate, x.failed, x.spared_tracked, x.spared_unmarked,
             x.provider_errors, x.duration_us);
  }
};

} // namespace atlas
