#include <atlas/core/capability.hpp>

#include <array>

namespace atlas {

namespace {
constexpr std::array<capability, 8> kAll{capability::spot,     capability::serverless,
                                         capability::network_volumes, capability::http_proxy,
                                         capability::raw_tcp,  capability::symmetric_ports,
                                         capability::webhooks, capability::global_networking};
} // namespace

std::span<const capability> all_capabilities() noexcept {
  return kAll;
}

std::string_view to_string(capability c) noexcept {
  switch (c) {
    case capability::spot: return "spot";
    case capability::serverless: return "serverless";
    case capability::network_volumes: return "network_volumes";
    case capability::http_proxy: return "http_proxy";
    case capability::raw_tcp: return "raw_tcp";
    case capability::symmetric_ports: return "symmetric_ports";
    case capability::webhooks: return "webhooks";
    case capability::global_networking: return "global_networking";
  }
  return "unknown";
}

std::optional<capability> capability_from_string(std::string_view name) noexcept {
  for (auto c : kAll)
    if (to_string(c) == name)
      return c;
  return std::nullopt;
}

} // namespace atlas
