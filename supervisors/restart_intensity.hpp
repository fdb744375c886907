#pragma once
// OTP's restart intensity: at most `intensity` restarts within `period`.

#include <atlas/core/options.hpp>

#include <chrono>
#include <cstdint>
#include <deque>

namespace atlas {

/// The sliding window of OTP's supervisor:add_restart/1. Amortised O(1) per
/// restart however long the history: old entries leave from the front
/// (OTP re-filters its whole list on every restart and slows as it grows).
class restart_intensity {
public:
  /// A restart's time on the monotonic clock; the caller passes `now` (the actor clock's, virtual in tests).
  using time_point = std::chrono::steady_clock::time_point;

  /// Allows at most `intensity` restarts within any `period`; the window starts empty.
  restart_intensity(std::uint32_t intensity, duration period);

  /// Records a restart at `now`. False when this restart is one too many:
  /// more than `intensity` restarts within `period` (entries at exactly
  /// now - period still count, as in OTP). intensity 0 never allows one.
  bool add(time_point now);

  /// Restarts currently in the window (after the last add).
  std::size_t in_window() const noexcept { return history_.size(); }

private:
  std::uint32_t intensity_;
  duration period_;
  std::deque<time_point> history_;
};

} // namespace atlas
