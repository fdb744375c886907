#pragma once
// What a provider can do beyond the required calls (ExAtlas's capability
// atoms, reference/exatlas.md §12).

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace atlas {

/// What a provider can do beyond the required calls; capabilities() lists its own.
enum class capability : std::uint8_t {
  spot,              ///< interruptible instances
  serverless,        ///< the run_job family
  network_volumes,   ///< volumes that outlive a resource
  http_proxy,        ///< provider-terminated HTTPS per resource
  raw_tcp,           ///< public IP with mapped TCP ports
  symmetric_ports,   ///< internal port == external port
  webhooks,          ///< job completion webhooks
  global_networking, ///< private networking across regions
};

/// Every capability, in declaration order.
std::span<const capability> all_capabilities() noexcept;
/// "spot", "serverless", ... as ExAtlas spells its atoms.
std::string_view to_string(capability c) noexcept;
/// The capability spelt `name` (as to_string spells it); nullopt for anything else.
std::optional<capability> capability_from_string(std::string_view name) noexcept;

} // namespace atlas
