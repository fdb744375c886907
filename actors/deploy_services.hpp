#pragma once
// What the actors of one deploys subtree share: options, the process runner
// that owns every flyctl process, telemetry, and the published handle of the
// runners' dynamic supervisor (so the facade finds the current one).

#include <atlas/core/options.hpp>
#include <atlas/core/telemetry.hpp>
#include <atlas/fly/subprocess.hpp>

#include <caf/actor.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace atlas {

/// What one deploys subtree's actors and its facade share, by shared_ptr. The
/// runners' handle is guarded by a mutex; set the other fields before the subtree starts.
class deploy_services {
public:
  deploys_options deploys; ///< the [deploys] options: timeouts and the stop grace
  std::string cli_path = "fly";      ///< fly.cli_path
  std::vector<std::string> env;      ///< "NAME=value" for flyctl
  /// Bound of a result's output (the lines still all reach subscribers).
  std::size_t max_output = 8 * 1024 * 1024;
  /// Longest output line in bytes; a longer one is cut there, the rest of it dropped.
  std::size_t max_line = 16 * 1024;
  telemetry_sink* telemetry = nullptr; ///< may be null; must outlive the subtree
  /// Runs every deploy's process; destroyed last, it SIGKILLs what is left.
  std::shared_ptr<process_runner> runner = std::make_shared<process_runner>();

  /// Records the runners' dynamic supervisor (weakly), as it starts.
  void publish_runners(caf::actor handle);
  /// The current runners' supervisor, or an invalid handle when none is running.
  caf::actor runners() const;

private:
  mutable std::mutex mtx_;
  caf::weak_actor_ptr runners_; // weak: the actors hold these services
};

/// Services from `opts`: deploys.*, fly.cli_path, and FLY_ACCESS_TOKEN for
/// flyctl when one is configured (in its environment, never its argv).
std::shared_ptr<deploy_services> make_deploy_services(const options& opts,
                                                      telemetry_sink* telemetry = nullptr);

} // namespace atlas
