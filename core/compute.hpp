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

enum class compute_status : std::uint8_t { provisioning, running, stopped, terminated, failed };
std::string_view to_string(compute_status s) noexcept;
std::optional<compute_status> compute_status_from_string(std::string_view s) noexcept;

enum class port_protocol : std::uint8_t { http, tcp };
std::string_view to_string(port_protocol p) noexcept;

/// A port the caller asks for: {8000, http}.
struct port_spec {
  std::int32_t port = 0;
  port_protocol protocol = port_protocol::http;
  friend bool operator==(const port_spec&, const port_spec&) = default;
  template <class Inspector>
  friend auto inspect(Inspector& f, port_spec& x) {
    return f(x.port, x.protocol);
  }
};

/// A port as the provider exposes it; external 0 and url "" when none.
struct port_mapping {
  std::int32_t internal = 0;
  std::int32_t external = 0;
  port_protocol protocol = port_protocol::http;
  std::string url;
  friend bool operator==(const port_mapping&, const port_mapping&) = default;
  template <class Inspector>
  friend auto inspect(Inspector& f, port_mapping& x) {
    return f(x.internal, x.external, x.protocol, x.url);
  }
};

enum class auth_scheme : std::uint8_t { none, bearer, signed_url };
std::string_view to_string(auth_scheme a) noexcept;

/// How to reach a resource that asked for auth. `token` is the bearer key
/// (shown once, to the spawner); `hash` is what the resource checks it against.
struct compute_auth {
  auth_scheme scheme = auth_scheme::none;
  secret token{};
  std::string header{}; ///< "Authorization: Bearer ..." would leak: only the header's name
  std::string hash{};
  friend bool operator==(const compute_auth&, const compute_auth&) = default;
  template <class Inspector>
  friend auto inspect(Inspector& f, compute_auth& x) {
    return f(x.scheme, x.token, x.header, x.hash);
  }
};

/// The ownership marks Atlas writes at spawn and the Reaper requires
/// (with the name prefix): labels[owner_label] == the node's owner id.
inline constexpr std::string_view owner_label = "atlas_owner";

struct compute {
  std::string id;
  std::string provider;
  compute_status status = compute_status::provisioning;
  std::string public_ip{};
  std::vector<port_mapping> ports{};
  std::string gpu_type{};
  std::int32_t gpu_count = 1;
  double cost_per_hour = -1; ///< below 0: unknown
  std::string region{};
  std::string image{};
  std::string name{};
  compute_auth auth{};
  std::int64_t created_at_ms = 0; ///< Unix ms, 0 unknown
  /// Provider-side labels (Fly: the machine's config.metadata), ownership marks included.
  std::map<std::string, std::string> labels{};
  std::string raw{}; ///< the provider's native record as JSON text ("" none)

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
  bool has_status = false;
  compute_status status = compute_status::running;
  std::string name{};
  std::string region{};
  std::string gpu{};
  template <class Inspector>
  friend auto inspect(Inspector& f, compute_filter& x) {
    return f(x.has_status, x.status, x.name, x.region, x.gpu);
  }
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
