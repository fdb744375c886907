#include <atlas/core/version.hpp>

namespace atlas {

std::string_view version() noexcept {
  return ATLAS_VERSION_STRING;
}

} // namespace atlas
