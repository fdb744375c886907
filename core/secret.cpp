#include <atlas/core/secret.hpp>

#include <atlas/core/redact.hpp>

namespace atlas {

std::string to_string(const secret& s) {
  return s.empty() ? std::string{} : std::string{redacted_marker};
}

} // namespace atlas
