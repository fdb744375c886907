#include <atlas/core/compute_request.hpp>

#include <atlas/core/gpu_catalog.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>

namespace atlas {

namespace {

constexpr std::array<std::string_view, 17> kKeys{
  "gpu",  "gpu_count", "image",       "cloud_type",  "spot",          "region_hints",
  "ports", "env",      "volume_gb",   "container_disk_gb", "network_volume_id", "name",
  "template_id", "auth", "idle_ttl_ms", "provider_opts", "labels"};

error bad(std::string_view key, const std::string& value, std::string_view allowed) {
  return error{errc::validation, "compute request: " + std::string{key} + " = \"" + value + "\": " + std::string{allowed}};
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto end = s.find(sep, start);
    if (end == std::string::npos)
      end = s.size();
    if (end > start)
      out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

template <class Int>
bool parse_int(const std::string& s, Int& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

expected<std::map<std::string, std::string>> parse_map(std::string_view key, const std::string& v) {
  std::map<std::string, std::string> out;
  for (auto& kv : split(v, ',')) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return bad(key, v, "expected K=V pairs separated by commas");
    out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

bool valid_label_key(const std::string& k) {
  return !k.empty() && k.size() <= 63 && std::all_of(k.begin(), k.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-' || c == '.';
  });
}

} // namespace

std::string_view to_string(cloud_type c) noexcept {
  switch (c) {
    case cloud_type::any: return "any";
    case cloud_type::secure: return "secure";
    case cloud_type::community: return "community";
  }
  return "any";
}

std::span<const std::string_view> compute_request_keys() noexcept {
  return kKeys;
}

expected<void> validate(const compute_request& r) {
  if (r.gpu.empty())
    return error{errc::validation, "compute request: gpu is required: a canonical GPU (e.g. h100) or \"none\""};
  if (r.gpu != no_gpu && !is_canonical_gpu(r.gpu))
    return bad("gpu", r.gpu, "not a canonical GPU; expected \"none\" or one of the catalog's (h100, a100_80g, l40s, ...)");
  if (r.gpu_count < 1)
    return bad("gpu_count", std::to_string(r.gpu_count), "must be a positive integer");
  if (r.volume_gb < 0)
    return bad("volume_gb", std::to_string(r.volume_gb), "must be a positive integer (0: no volume)");
  if (r.container_disk_gb < 0)
    return bad("container_disk_gb", std::to_string(r.container_disk_gb), "must be a positive integer (0: default)");
  if (r.idle_ttl_ms < 0)
    return bad("idle_ttl_ms", std::to_string(r.idle_ttl_ms), "must be a positive integer (0: orchestrator.idle_ttl)");
  for (const auto& p : r.ports)
    if (p.port < 1 || p.port > 65535)
      return bad("ports", std::to_string(p.port), "each port must be from 1 to 65535");
  for (const auto& [k, v] : r.labels)
    if (!valid_label_key(k))
      return bad("labels", k, "a label key is 1-63 letters, digits, '_', '-' or '.'");
  for (const auto& [k, v] : r.secrets)
    if (k.empty() || !std::all_of(k.begin(), k.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; }))
      return error{errc::validation, "compute request: secret name \"" + k + "\": letters, digits and '_' only"};
  return {};
}

expected<compute_request> make_compute_request(const std::map<std::string, std::string>& fields) {
  compute_request r;
  for (const auto& [key, v] : fields) {
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      std::string known;
      for (auto k : kKeys)
        known.append(known.empty() ? "" : ", ").append(k);
      return error{errc::validation, "compute request: unknown key \"" + key + "\" (known: " + known + ")"};
    }
    if (key == "gpu") {
      r.gpu = v;
    } else if (key == "gpu_count") {
      if (!parse_int(v, r.gpu_count))
        return bad(key, v, "must be a positive integer");
    } else if (key == "image") {
      r.image = v;
    } else if (key == "cloud_type") {
      if (v == "any")
        r.cloud_type = cloud_type::any;
      else if (v == "secure")
        r.cloud_type = cloud_type::secure;
      else if (v == "community")
        r.cloud_type = cloud_type::community;
      else
        return bad(key, v, "expected one of: secure community any");
    } else if (key == "spot") {
      if (v != "true" && v != "false")
        return bad(key, v, "expected true or false");
      r.spot = v == "true";
    } else if (key == "region_hints") {
      r.region_hints = split(v, ',');
    } else if (key == "ports") {
      for (auto& p : split(v, ',')) {
        port_spec ps;
        auto slash = p.find('/');
        auto num = p.substr(0, slash);
        if (!parse_int(num, ps.port))
          return bad(key, v, "expected PORT/http or PORT/tcp, separated by commas");
        if (slash != std::string::npos) {
          auto proto = p.substr(slash + 1);
          if (proto == "tcp")
            ps.protocol = port_protocol::tcp;
          else if (proto != "http")
            return bad(key, v, "a port's protocol is http or tcp");
        }
        r.ports.push_back(ps);
      }
    } else if (key == "env" || key == "provider_opts" || key == "labels") {
      auto m = parse_map(key, v);
      if (!m)
        return m.error();
      (key == "env" ? r.env : key == "labels" ? r.labels : r.provider_opts) = std::move(*m);
    } else if (key == "volume_gb" || key == "container_disk_gb") {
      if (!parse_int(v, key == "volume_gb" ? r.volume_gb : r.container_disk_gb))
        return bad(key, v, "must be a positive integer");
    } else if (key == "network_volume_id") {
      r.network_volume_id = v;
    } else if (key == "name") {
      r.name = v;
    } else if (key == "template_id") {
      r.template_id = v;
    } else if (key == "auth") {
      if (v == "none")
        r.auth = auth_scheme::none;
      else if (v == "bearer")
        r.auth = auth_scheme::bearer;
      else if (v == "signed_url")
        r.auth = auth_scheme::signed_url;
      else
        return bad(key, v, "expected one of: none bearer signed_url");
    } else if (key == "idle_ttl_ms") {
      if (!parse_int(v, r.idle_ttl_ms))
        return bad(key, v, "must be a positive integer (milliseconds)");
    }
  }
  if (auto ok = validate(r); !ok)
    return ok.error();
  return r;
}

std::pair<std::map<std::string, std::string>, std::map<std::string, std::string>>
split_fields(const std::map<std::string, std::string>& fields, std::span<const std::string_view> keys) {
  std::pair<std::map<std::string, std::string>, std::map<std::string, std::string>> out;
  for (const auto& [k, v] : fields)
    (std::find(keys.begin(), keys.end(), k) != keys.end() ? out.first : out.second).emplace(k, v);
  return out;
}

std::string with_prefix(const std::string& prefix, const std::string& name) {
  return name.rfind(prefix, 0) == 0 ? name : prefix + name;
}

} // namespace atlas
