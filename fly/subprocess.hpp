#pragma once
// Runs external programs (flyctl) without blocking anyone: output arrives as
// lines through callbacks on the runner's own thread, the exit as one final
// callback. No actors here (DESIGN.md §1): the actor layer turns callbacks
// into messages.

#include <atlas/core/expected.hpp>
#include <atlas/core/options.hpp>

#include <csignal>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace atlas {

/// One step of stopping a process: send `signal` to its whole process group,
/// then wait `grace` for it to exit before the next step. SIGKILL follows the
/// last step. flyctl releases its machine leases on SIGINT, so SIGINT comes first.
struct stop_step {
  int signal = SIGINT;                      ///< sent to the process group
  duration grace = std::chrono::seconds{5}; ///< how long to wait for the exit before the next step
};

/// What to run, where, and how to stop it.
struct process_spec {
  std::string executable;              ///< a path, or a name looked up on PATH
  std::vector<std::string> args;       ///< never secrets: argv is visible to everyone
  std::string cwd;                     ///< empty: the runner's own
  std::vector<std::string> env;        ///< "NAME=value" set for the child (secrets go here)
  bool merge_stderr = false;           ///< stderr lines arrive as stdout lines
  std::size_t max_line = 64 * 1024;    ///< longer lines are cut at this many bytes
  duration timeout{0};                 ///< 0: none. Then the stop ladder runs
  duration activity_timeout{0};        ///< 0: none. No output for this long: the stop ladder
  /// The stop ladder, in order, then SIGKILL: by default SIGINT, 5 s, SIGTERM, 5 s.
  std::vector<stop_step> stop{{SIGINT, std::chrono::seconds{5}}, {SIGTERM, std::chrono::seconds{5}}};
};

/// How a process ended.
enum class process_end : std::uint8_t {
  exited,           ///< on its own, with exit_code
  signaled,         ///< by a signal nobody here sent
  timeout,          ///< spec.timeout passed; stopped by the ladder
  activity_timeout, ///< silent for spec.activity_timeout; stopped by the ladder
  cancelled,        ///< process_handle::cancel(); stopped by the ladder
};
/// The enumerator's name ("exited", "activity_timeout", ...).
std::string_view to_string(process_end e) noexcept;

/// The end of a process, as on_exit reports it.
struct process_result {
  process_end end = process_end::exited; ///< why it ended
  int exit_code = -1;   ///< when it exited; -1 otherwise
  int signal = 0;       ///< the signal that ended it, if one did
  int stopped_by = 0;   ///< for timeout/cancel: the ladder's signal it finally obeyed
  duration elapsed{0};  ///< from its start to its end (steady clock)
};

/// Where a process's output and exit go; both run on the runner's thread.
struct process_callbacks {
  /// A line without its "\n" or "\r\n"; empty lines are passed too.
  std::function<void(std::string line, bool from_stderr)> on_line;
  /// Exactly once, after every line: the process and its group are gone.
  std::function<void(const process_result&)> on_exit;
};

/// A started process, observed: the runner owns it. Dropping a handle does
/// not stop the process; a handle may outlive its process and its runner.
class process_handle {
public:
  /// Stops it by its stop ladder; its on_exit says `cancelled`. Does nothing
  /// once the process has ended or its runner is gone (but must not race the
  /// runner's destructor).
  void cancel() const;
  /// The child's process id, also its process group's id.
  int pid() const noexcept { return pid_; }

  struct state;
  /// For process_runner::start, not for users.
  process_handle(std::weak_ptr<state> s, int pid) : s_(std::move(s)), pid_(pid) {}

private:
  std::weak_ptr<state> s_;
  int pid_ = -1;
};

/// Finds `name` like a shell does: as given when it holds a '/', else on
/// `path` (a PATH value). errc::not_found saying where it looked.
expected<std::string> find_executable(const std::string& name, const std::string& path);

/// Owns one thread that runs every process's I/O, timers and callbacks.
/// Destroying it stops what still runs (SIGKILL to each group) and joins.
class process_runner {
public:
  process_runner();
  ~process_runner();
  process_runner(const process_runner&) = delete;
  process_runner& operator=(const process_runner&) = delete;

  /// Starts a process in a process group of its own. Callbacks run on the
  /// runner's thread, one at a time. errc::not_found when the executable is
  /// not there; errc::internal when the system refuses to start it.
  expected<process_handle> start(process_spec spec, process_callbacks cb);

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace atlas
