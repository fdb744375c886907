#pragma once

#include <string_view>

namespace atlas {

/// Atlas's version, "MAJOR.MINOR.PATCH", from the CMake project version.
std::string_view version() noexcept;

} // namespace atlas
