#include <atlas/storage/token_storage.hpp>

namespace atlas {

std::string_view to_string(token_key k) noexcept {
  switch (k) {
    case token_key::cached: return "cached";
    case token_key::manual: return "manual";
  }
  return "invalid_token_key";
}

} // namespace atlas
