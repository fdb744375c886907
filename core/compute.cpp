#include <atlas/core/compute.hpp>

#include <array>

namespace atlas {

std::string_view to_string(compute_status s) noexcept {
  switch (s) {
    case compute_status::provisioning: return "provisioning";
    case compute_status::running: return "running";
    case compute_status::stopped: return "stopped";
    case compute_status::terminated: return "terminated";
    case compute_status::failed: return "failed";
  }
  return "failed";
}

std::optional<compute_status> compute_status_from_string(std::string_view s) noexcept {
  for (auto v : {compute_status::provisioning, compute_status::running, compute_status::stopped,
                 compute_status::terminated, compute_status::failed})
    if (to_string(v) == s)
      return v;
  return std::nullopt;
}

std::string_view to_string(port_protocol p) noexcept {
  return p == port_protocol::http ? "http" : "tcp";
}

std::string_view to_string(auth_scheme a) noexcept {
  switch (a) {
    case auth_scheme::none: return "none";
    case auth_scheme::bearer: return "bearer";
    case auth_scheme::signed_url: return "signed_url";
  }
  return "none";
}

bool matches(const compute_filter& f, const compute& c) {
  return (!f.has_status || f.status == c.status) && (f.name.empty() || f.name == c.name)
         && (f.region.empty() || f.region == c.region) && (f.gpu.empty() || f.gpu == c.gpu_type);
}

} // namespace atlas
