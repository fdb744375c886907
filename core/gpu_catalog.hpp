#pragma once
// GPU types and the canonical GPU catalog (ExAtlas's GpuType and GpuCatalog,
// reference/exatlas.md §13.5–13.6): one canonical name per GPU ("h100",
// "a100_80g"), mapped to each provider's own identifier.

#include <atlas/core/expected.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace atlas {

/// A GPU a provider offers. Prices below 0 and memory 0 mean unknown.
struct gpu_type {
  std::string id;        ///< the provider's identifier ("a100-80gb")
  std::string provider;  ///< "mock", "fly_machines", ...
  std::string canonical; ///< the catalog's name, "" when it has none
  std::string display_name; ///< a human-readable name ("Mock H100")
  std::int64_t memory_gb = 0; ///< memory per GPU, in GB
  double lowest_price_per_hour = -1; ///< lowest on-demand price of one GPU for an hour
  double spot_price_per_hour = -1; ///< spot (interruptible) price of one GPU for an hour
  std::string stock;      ///< high, medium, low, unavailable, unknown; "" unset
  std::string cloud_type; ///< secure, community, any; "" unset

  /// True when every field is equal.
  friend bool operator==(const gpu_type&, const gpu_type&) = default;
  template <class Inspector>
  friend auto inspect(Inspector& f, gpu_type& x) {
    return f(x.id, x.provider, x.canonical, x.display_name, x.memory_gb, x.lowest_price_per_hour,
             x.spot_price_per_hour, x.stock, x.cloud_type);
  }
};

/// The "no GPU" request (a CPU machine): an Atlas extension, every provider's own.
inline constexpr const char* no_gpu = "none";

/// The provider's identifier of a canonical GPU; errc::unsupported naming
/// both when the provider has no such GPU or is unknown. "fly" and
/// "fly_machines" share Fly's table.
expected<std::string> gpu_for_provider(const std::string& canonical, const std::string& provider);
/// The canonical GPUs a provider maps, sorted; empty for an unknown provider.
std::vector<std::string> supported_gpus(const std::string& provider);
/// Every canonical GPU of the catalog, sorted and unique.
std::vector<std::string> all_canonical_gpus();
/// True when `name` is one of the catalog's canonical GPUs ("none" is not).
bool is_canonical_gpu(const std::string& name);

} // namespace atlas
