#pragma once
// A random suffix for the names of resources Atlas creates (machines,
// mock instances) when the caller gives none.

#include <string>

namespace atlas {

/// Ten characters of `[a-z0-9]`, from a per-thread generator seeded once:
/// unique enough for a name under a prefix, never a secret.
std::string random_name_suffix();

} // namespace atlas
