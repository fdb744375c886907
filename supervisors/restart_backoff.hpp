#pragma once
// The delay before a child's n-th consecutive restart (backoff_spec).

#include <atlas/supervisors/child_spec.hpp>

#include <cstdint>

namespace atlas {

/// min(max, min × multiplier^step), less `jitter × unit_random` of it, never
/// below min. `unit_random` is a number in [0, 1); pass 0 for no jitter.
duration restart_backoff_delay(const backoff_spec& spec, std::uint32_t step,
                               double unit_random);

} // namespace atlas
