#pragma once
// A compute resource as every provider reports it (ExAtlas's Compute,
// reference/exatlas.md §13.2), and the list filters of list_compute.

#include <atlas/core/secret.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atlas {

/// Lifecycle state of a compute resource, as providers normalise it.
enum class compute_status : std::uint8_t { provisioning, running, stopped, terminated, failed };
/// "provisioning", "running", ... as the enumerator is spelt.
std::string_view to_string(compute_status s) noexcept;
/// The status spelt `s` (as to_string spells it); nullopt for anything else.
std::optional<compute_status> compute_status_from_string(std::string_view s) noexcept;

/// How a port is exposed.
enum class port_protocol : std::uint8_t { http, tcp };
/// "http" or "tcp".
std::string_view to_string(port_protocol p) noexcept;

/// A port the caller asks for: {8000, http}.
struct port_spec {
  std::int32_t port = 0; ///< the port the resource listens on, 1 to 65535
  /// How it is exposed: http through the provider's HTTPS proxy, tcp as a raw TCP port.
  port_protocol protocol = port_protocol::http;
  /// True when every field is equal.
  friend bool operator==(const port_spec&, const port_spec&) = default;
  template <class Inspector>
  friend auto inspect(Inspector& f, port_spec& x) {
    return f(x.port, x.protocol);
  }
};

/// A port as the provider exposes it; external 0 and url "" when none.
struct port_mapping {
  std::int32_t internal = 0; ///< the port inside the resource
  std::int32_t external = 0; ///< the public port; 0 when none
  port_protocol protocol = port_protocol::http; ///< http: served through the provider's HTTP proxy
  std::string url; ///< where to reach it ("https://…", "tcp://…"); "" when none
  /// True when every field is equal.
  friend bool operator==(const port_mapping&, const port_mapping&) = default;
  template <class Inspector>
  friend auto inspect(Inspector& f, port_mapping& x) {
    return f(x.internal, x.external, x.protocol, x.url);
  }
};

/// How a spawned resource authenticates its callers.
enum class auth_scheme : std::uint8_t { none, bearer, signed_url };
/// "none", "bearer" or "signed_url".
std::string_view to_string(auth_scheme a) noexcept;

/// How to reach a resource that asked for auth. `token` is the bearer key
/// (shown once, to the spawner); `hash` is what the resource checks it against.
struct compute_auth {
  auth_scheme scheme = auth_scheme::none; ///< none: no auth asked for
  secret token{}; ///< the bearer key; empty when the scheme has none
  std::string header{}; ///< "Authorization: Bearer ..." would leak: only the header's name
  std::string hash{}; ///< SHA-256 of the token, lower-case hex; "" when none
  /// True when every field is equal.
  friend bool operator==(const compute_auth&, const compute_auth&) = default;
  template <class Inspector>
  friend auto inspect(Inspector& f, compute_auth& x) {
    return f(x.scheme, x.token, x.header, x.hash);
  }
};

/// The ownership marks Atlas writes at spawn and the Reaper requires
/// (with the name prefix): labels[owner_label] == the node's owner id.
inline constexpr std::string_view owner_label = "atlas_owner";

/// A compute resource (a machine, a pod) as its provider reports it.
struct compute {
  std::string id; ///< the provider's id for it (Fly: the machine id)
  std::string provider; ///< the reporting provider's name()
  compute_status status = compute_status::provisioning; ///< as the provider last reported it
  std::string public_ip{}; ///< "" unknown or none
  std::vector<port_mapping> ports{}; ///< its exposed ports
  /// Canonical GPU when the catalog maps it, else the provider's id; "none": CPU only.
  std::string gpu_type{};
  std::int32_t gpu_count = 1; ///< GPUs attached
  double cost_per_hour = -1; ///< below 0: unknown
  std::string region{}; ///< where it runs; "" unknown
  std::string image{}; ///< the image it runs
  std::string name{}; ///< its name; the orchestrator and fly_machines give it the safety prefix
  compute_auth auth{}; ///< how to reach it when the request asked for auth
  std::int64_t created_at_ms = 0; ///< Unix ms, 0 unknown
  /// Provider-side labels (Fly: the machine's config.metadata), ownership marks included.
  std::map<std::string, std::string> labels{};
  std::string raw{}; ///< the provider's native record as JSON text ("" none)

  /// True when every field is equal.
  friend bool operator==(const compute&, const compute&) = default;
  template <class Inspector>
  friend auto inspect(Inspector& f, compute& x) {
    return f(x.id, x.provider, x.status, x.public_ip, x.ports, x.gpu_type, x.gpu_count, x.cost_per_hour,
             x.region, x.image, x.name, x.auth, x.created_at_ms, x.labels, x.raw);
  }
};

/// list_compute's filters (ExAtlas: status, name, region, gpu); "" and
/// unset match everything. Every provider honours at least status and name.
struct compute_filter {
  bool has_status = false; ///< filter on `status` (otherwise any status)
  compute_status status = compute_status::running; ///< the status to match when has_status
  std::string name{}; ///< exact name; "" any
  std::string region{}; ///< exact region; "" any
  std::string gpu{}; ///< exact gpu_type; "" any
  template <class Inspector>
  friend auto inspect(Inspector& f, compute_filter& x) {
    return f(x.has_status, x.status, x.name, x.region, x.gpu);
  }
  /// A filter on status `s` alone.
  static compute_filter with_status(compute_status s) {
    compute_filter f;
    f.has_status = true;
    f.status = s;
    return f;
  }
};

/// True when `c` passes every set filter of `f`.
bool matches(const compute_filter& f, const compute& c);

} // namespace atlas
