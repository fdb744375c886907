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
using compute_spawn_atom = caf::atom_constant<caf::atom("cspawn")>;
using compute_get_atom = caf::atom_constant<caf::atom("cget")>;
using compute_list_atom = caf::atom_constant<caf::atom("clist")>;
using compute_stop_atom = caf::atom_constant<caf::atom("cstop")>;
using compute_start_atom = caf::atom_constant<caf::atom("cstart")>;
using compute_terminate_atom = caf::atom_constant<caf::atom("cterm")>;
using job_run_atom = caf::atom_constant<caf::atom("jrun")>;
using job_get_atom = caf::atom_constant<caf::atom("jget")>;
using job_cancel_atom = caf::atom_constant<caf::atom("jcancel")>;
using job_stream_atom = caf::atom_constant<caf::atom("jstream")>;
using job_chunk_atom = caf::atom_constant<caf::atom("jchunk")>;
using job_done_atom = caf::atom_constant<caf::atom("jdone")>;
using gpu_types_atom = caf::atom_constant<caf::atom("gputypes")>;
using capabilities_atom = caf::atom_constant<caf::atom("ccaps")>;
// tracking
using compute_event_atom = caf::atom_constant<caf::atom("cevent")>;
using compute_touch_atom = caf::atom_constant<caf::atom("ctouch")>;
using heartbeat_atom = caf::atom_constant<caf::atom("chbeat")>;
using terminate_retry_atom = caf::atom_constant<caf::atom("ctretry")>;
using reap_atom = caf::atom_constant<caf::atom("creap")>;
using reap_tick_atom = caf::atom_constant<caf::atom("creaptick")>;
// event dispatcher
using compute_subscribe_atom = caf::atom_constant<caf::atom("csub")>;
using compute_unsubscribe_atom = caf::atom_constant<caf::atom("cunsub")>;
using compute_publish_atom = caf::atom_constant<caf::atom("cpub")>;

constexpr compute_spawn_atom compute_spawn_atom_v{};
constexpr compute_get_atom compute_get_atom_v{};
constexpr compute_list_atom compute_list_atom_v{};
constexpr compute_stop_atom compute_stop_atom_v{};
constexpr compute_start_atom compute_start_atom_v{};
constexpr compute_terminate_atom compute_terminate_atom_v{};
constexpr job_run_atom job_run_atom_v{};
constexpr job_get_atom job_get_atom_v{};
constexpr job_cancel_atom job_cancel_atom_v{};
constexpr job_stream_atom job_stream_atom_v{};
constexpr job_chunk_atom job_chunk_atom_v{};
constexpr job_done_atom job_done_atom_v{};
constexpr gpu_types_atom gpu_types_atom_v{};
constexpr capabilities_atom capabilities_atom_v{};
constexpr compute_event_atom compute_event_atom_v{};
constexpr compute_touch_atom compute_touch_atom_v{};
constexpr heartbeat_atom heartbeat_atom_v{};
constexpr terminate_retry_atom terminate_retry_atom_v{};
constexpr reap_atom reap_atom_v{};
constexpr reap_tick_atom reap_tick_atom_v{};
constexpr compute_subscribe_atom compute_subscribe_atom_v{};
constexpr compute_unsubscribe_atom compute_unsubscribe_atom_v{};
constexpr compute_publish_atom compute_publish_atom_v{};

/// The topic of every resource's events (the dashboard's) and of one resource's.
inline constexpr std::string_view compute_all_topic = "atlas:compute";
std::string compute_topic(const std::string& id);

enum class compute_event_kind : std::uint8_t { status, heartbeat, terminating, terminate_failed };
std::string_view to_string(compute_event_kind k) noexcept;

/// One event. status: `status`; heartbeat: `at_ms` (ms on the actor clock);
/// terminating: `reason` (idle_timeout, stop_tracked, shutdown); terminate_failed:
/// `failure`, the `attempt` it was and whether it was the last (`final`: the
/// resource is then untracked, and the Reaper's to clean up).
struct compute_event {
  compute_event_kind kind = compute_event_kind::status;
  compute_status status = compute_status::running;
  std::int64_t at_ms = 0;
  std::string reason{};
  error failure{};
  std::uint32_t attempt = 0;
  bool final = false;

  template <class Inspector>
  friend auto inspect(Inspector& f, compute_event& x) {
    return f(x.kind, x.status, x.at_ms, x.reason, x.failure, x.attempt, x.final);
  }
};

/// What capabilities_atom answers: the provider's name and what it can do.
struct provider_info {
  std::string name;
  std::vector<std::string> capabilities; ///< to_string(capability) values

  template <class Inspector>
  friend auto inspect(Inspector& f, provider_info& x) {
    return f(x.name, x.capabilities);
  }
};

/// One Reaper pass: what it terminated (or would have, in dry-run mode),
/// what it spared and why, what failed.
struct reap_report {
  bool dry_run = false;
  std::vector<std::string> terminated{};     ///< "provider/id"
  std::vector<std::string> would_terminate{}; ///< dry run: "provider/id"
  std::vector<std::string> failed{};         ///< "provider/id: error"
  std::uint32_t spared_tracked = 0;          ///< both marks, but tracked
  std::uint32_t spared_unmarked = 0;         ///< missing the prefix or the ownership mark
  std::vector<std::string> provider_errors{}; ///< "provider: error" for a list that failed
  std::int64_t duration_us = 0;

  template <class Inspector>
  friend auto inspect(Inspector& f, reap_report& x) {
    return f(x.dry_run, x.terminated, x.would_terminate, x.failed, x.spared_tracked, x.spared_unmarked,
             x.provider_errors, x.duration_us);
  }
};

} // namespace atlas
