#pragma once
// A supervisor's flags (OTP's sup_flags).

#include <atlas/core/options.hpp>
#include <atlas/core/telemetry.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace atlas {

/// Which children a failure restarts (reference/runtime.md §3.4).
enum class restart_strategy : std::uint8_t {
  one_for_one,  ///< only the failed child
  rest_for_one, ///< the failed child and every child started after it
  one_for_all,  ///< every child
};

/// When the exit of significant children stops the supervisor (OTP 24+).
enum class auto_shutdown : std::uint8_t { never, any_significant, all_significant };

/// A supervisor's flags (OTP's sup_flags), given to spawn_supervisor.
struct supervisor_flags {
  /// For logs, telemetry and which_children of the parent: "tokens_sup".
  std::string name = "supervisor";
  restart_strategy strategy = restart_strategy::one_for_one; ///< which children a failure restarts
  /// More than `intensity` restarts within `period` and the supervisor
  /// gives up: it stops every child and exits with reason shutdown.
  std::uint32_t intensity = 1;
  duration period = std::chrono::seconds{5}; ///< the window `intensity` counts restarts in; positive
  enum auto_shutdown auto_shutdown = auto_shutdown::never; ///< when significant children's exits stop it
  /// Receives supervisor.* events; may be null. Must outlive the supervisor.
  telemetry_sink* telemetry = nullptr;
  /// Seeds the back-off jitter, so tests replay the same delays.
  std::uint64_t seed = 0x5eed;
};

/// "one_for_one", "rest_for_one" or "one_for_all".
std::string_view to_string(restart_strategy s) noexcept;
/// "never", "any_significant" or "all_significant".
std::string_view to_string(auto_shutdown a) noexcept;

} // namespace atlas
