#include <atlas/core/gpu_catalog.hpp>

#include <algorithm>
#include <array>
#include <string_view>

namespace atlas {

namespace {

struct row {
  std::string_view canonical, runpod, lambda_labs, fly, vast;
};

// reference/exatlas.md §13.6, row for row ("" = no mapping).
constexpr std::array<row, 18> kCatalog{{
  {"h200", "NVIDIA H200", "", "", "H200"},
  {"h100", "NVIDIA H100 80GB HBM3", "gpu_1x_h100_pcie", "", "H100"},
  {"h100_pcie", "NVIDIA H100 PCIe", "", "", ""},
  {"h100_sxm", "", "gpu_1x_h100_sxm5", "", ""},
  {"a100_80g", "NVIDIA A100 80GB PCIe", "gpu_1x_a100_sxm4_80gb", "a100-80gb", "A100_80GB"},
  {"a100_40g", "NVIDIA A100-SXM4-40GB", "gpu_1x_a100_sxm4", "a100-pcie-40gb", "A100"},
  {"l40s", "NVIDIA L40S", "", "l40s", ""},
  {"l40", "NVIDIA L40", "", "", ""},
  {"l4", "NVIDIA L4", "", "", ""},
  {"a10", "", "gpu_1x_a10", "a10", ""},
  {"a6000", "NVIDIA RTX A6000", "gpu_1x_a6000", "", "RTX_A6000"},
  {"a5000", "NVIDIA RTX A5000", "", "", ""},
  {"a4000", "NVIDIA RTX A4000", "", "", ""},
  {"rtx_6000_ada", "NVIDIA RTX 6000 Ada Generation", "", "", ""},
  {"rtx_6000", "", "gpu_1x_rtx_6000", "", ""},
  {"rtx_4090", "NVIDIA GeForce RTX 4090", "", "", "RTX_4090"},
  {"rtx_3090", "NVIDIA GeForce RTX 3090", "", "", "RTX_3090"},
  {"mi300x", "AMD Instinct MI300X OAM", "", "", ""},
}};

std::string_view column(const row& r, const std::string& provider) {
  if (provider == "runpod")
    return r.runpod;
  if (provider == "lambda_labs")
    return r.lambda_labs;
  if (provider == "fly" || provider == "fly_machines")
    return r.fly;
  if (provider == "vast")
    return r.vast;
  return {};
}

} // namespace

expected<std::string> gpu_for_provider(const std::string& canonical, const std::string& provider) {
  for (const auto& r : kCatalog)
    if (r.canonical == canonical) {
      if (auto id = column(r, provider); !id.empty())
        return std::string{id};
      break;
    }
  return error{errc::unsupported, "gpu \"" + canonical + "\" is not offered by provider \"" + provider
                                    + "\" (supported: see supported_gpus)",
               0, provider};
}

std::vector<std::string> supported_gpus(const std::string& provider) {
  std::vector<std::string> out;
  for (const auto& r : kCatalog)
    if (!column(r, provider).empty())
      out.emplace_back(r.canonical);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> all_canonical_gpus() {
  std::vector<std::string> out;
  for (const auto& r : kCatalog)
    out.emplace_back(r.canonical);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool is_canonical_gpu(const std::string& name) {
  return std::any_of(kCatalog.begin(), kCatalog.end(), [&](const row& r) { return r.canonical == name; });
}

} // namespace atlas
