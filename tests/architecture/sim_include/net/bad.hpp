#pragma once
// Fixture for the layer check: only cli/ may include sim/.
#include <atlas/sim/fly_simulator.hpp>
