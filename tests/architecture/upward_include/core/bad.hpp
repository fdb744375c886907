#pragma once
// Fixture for the layer check: core/ must not include actors/.
#include <atlas/actors/app_server.hpp>
