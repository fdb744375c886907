#include <atlas/supervisors/restart_intensity.hpp>

namespace atlas {

restart_intensity::restart_intensity(std::uint32_t intensity, duration period)
  : intensity_(intensity), period_(period) {
}

bool restart_intensity::add(time_point now) {
  // OTP keeps restarts R with now - R =< period (inpPeriod/3 in supervisor.erl).
  while (!history_.empty() && now - history_.front() > period_)
    history_.pop_front();
  history_.push_back(now);
  return history_.size() <= intensity_;
}

} // namespace atlas
