#pragma once
// What a caller asks a provider to spawn (ExAtlas's ComputeRequest,
// reference/exatlas.md §13.1), validated: a bad field names itself and says
// what is allowed. Its keys are its own: job keys are not compute keys
// (ExAtlas shared one list, so each request type rejected the other's keys,
// defect 30).

#include <atlas/core/compute.hpp>
#include <atlas/core/expected.hpp>

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace atlas {

/// The cloud tier a request asks for (ExAtlas's RunPod: secure or community); any: no preference.
enum class cloud_type : std::uint8_t { any, secure, community };
/// "any", "secure" or "community".
std::string_view to_string(cloud_type c) noexcept;

/// What a caller asks a provider to spawn. validate() checks it;
/// make_compute_request() builds one from text fields.
struct compute_request {
  std::string gpu;            ///< required: a canonical GPU ("h100") or "none" (CPU only)
  std::int32_t gpu_count = 1; ///< positive
  std::string image{}; ///< the image to run; "" provider default (fly_machines requires one)
  enum cloud_type cloud_type = cloud_type::any; ///< the tier asked for; the built-in providers ignore it
  /// Ask for interruptible capacity (capability::spot); the built-in providers ignore it.
  bool spot = false;
  /// Regions to try, in order; fly_machines moves to the next when one lacks capacity.
  std::vector<std::string> region_hints{};
  std::vector<port_spec> ports{}; ///< the ports to expose
  std::map<std::string, std::string> env{}; ///< the resource's environment; not for secrets
  std::int32_t volume_gb = 0;         ///< 0: none; else positive
  std::int32_t container_disk_gb = 0; ///< 0: provider default
  /// An existing network volume to attach; the built-in providers ignore it.
  std::string network_volume_id{};
  /// The resource's name. The orchestrator and fly_machines put the safety
  /// prefix in front, and make one up when it is "".
  std::string name{};
  /// A provider-side template to start from; the built-in providers ignore it.
  std::string template_id{};
  /// How callers of the resource authenticate; mock honours it, fly_machines ignores it.
  auth_scheme auth = auth_scheme::none;
  std::int64_t idle_ttl_ms = 0; ///< 0: orchestrator.idle_ttl
  /// Provider-specific settings (Fly: cpu_kind, cpus, memory_mb, restart,
  /// auto_destroy, volume_path; any other key is refused).
  std::map<std::string, std::string> provider_opts{};
  /// Labels the provider writes on the resource (Fly: config.metadata); the
  /// orchestrator adds its ownership mark here.
  std::map<std::string, std::string> labels{};
  /// Secrets the provider sets for the resource (Fly: app secrets). Never
  /// logged, never in an error, never in a compute's raw record.
  std::map<std::string, secret> secrets{};

  /// True when every field is equal.
  friend bool operator==(const compute_request&, const compute_request&) = default;
  template <class Inspector>
  friend auto inspect(Inspector& f, compute_request& x) {
    return f(x.gpu, x.gpu_count, x.image, x.cloud_type, x.spot, x.region_hints, x.ports, x.env, x.volume_gb,
             x.container_disk_gb, x.network_volume_id, x.name, x.template_id, x.auth, x.idle_ttl_ms,
             x.provider_opts, x.labels, x.secrets);
  }
};

/// The field names of a compute request, as make_compute_request takes them.
std::span<const std::string_view> compute_request_keys() noexcept;

/// Checks every field; errc::validation naming the first bad one.
expected<void> validate(const compute_request& r);

/// Builds and validates a request from text fields (a CLI's flags, a
/// form): lists are comma-separated ("iad,ord"; ports "8000/http,22/tcp"),
/// maps are "K=V,K=V", booleans true/false. An unknown key is refused,
/// naming it and listing the known ones.
expected<compute_request> make_compute_request(const std::map<std::string, std::string>& fields);

/// Splits `fields` into those named in `keys` and the rest (the caller's
/// own options): how a facade separates request fields from call options
/// without one request type's keys leaking into the other's.
std::pair<std::map<std::string, std::string>, std::map<std::string, std::string>>
split_fields(const std::map<std::string, std::string>& fields, std::span<const std::string_view> keys);

/// The `name` with `prefix` in front, unless it already starts with it.
std::string with_prefix(const std::string& prefix, const std::string& name);

} // namespace atlas
