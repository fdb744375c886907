#include <atlas/supervisors/restart_backoff.hpp>

#include <algorithm>
#include <cmath>

namespace atlas {

duration restart_backoff_delay(const backoff_spec& spec, std::uint32_t step,
                               double unit_random) {
  double lo = static_cast<double>(spec.min.count());
  double hi = static_cast<double>(std::max(spec.max, spec.min).count());
  // Grows geometrically; computed in floating point and capped before it can overflow.
  double base = lo * std::pow(std::max(spec.multiplier, 1.0), static_cast<double>(step));
  base = std::min(base, hi);
  double jittered = base - base * std::clamp(spec.jitter, 0.0, 1.0) * std::clamp(unit_random, 0.0, 1.0);
  return duration{static_cast<duration::rep>(std::max(jittered, lo))};
}

} // namespace atlas
