// The canonical GPU catalog (ExAtlas's GpuCatalog, reference/exatlas.md §13.6) and capabilities.
#include <atlas/core/capability.hpp>
#include <atlas/core/compute.hpp>
#include <atlas/core/gpu_catalog.hpp>

#include <doctest/doctest.h>

#include <algorithm>

using namespace atlas;

TEST_CASE("the catalog maps canonical GPUs to each provider's identifier as ExAtlas's doctests say") {
  CHECK(*gpu_for_provider("h100", "runpod") == "NVIDIA H100 80GB HBM3");
  CHECK(*gpu_for_provider("h100", "lambda_labs") == "gpu_1x_h100_pcie");
  CHECK(*gpu_for_provider("a100_80g", "fly_machines") == "a100-80gb");
  CHECK(*gpu_for_provider("l40s", "fly") == "l40s");
  auto missing = gpu_for_provider("nonexistent", "runpod");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == errc::unsupported);
  CHECK(missing.error().message().find("nonexistent") != std::string::npos);
  CHECK_FALSE(gpu_for_provider("h100", "fly_machines"));
}

TEST_CASE("supported and canonical GPU lists are sorted, unique, and empty for an unknown provider") {
  auto all = all_canonical_gpus();
  CHECK(std::is_sorted(all.begin(), all.end()));
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  CHECK(std::find(all.begin(), all.end(), "h100") != all.end());
  CHECK(all.size() == 18);
  CHECK(supported_gpus("fly_machines") == std::vector<std::string>{"a10", "a100_40g", "a100_80g", "l40s"});
  CHECK(supported_gpus("nobody").empty());
}

TEST_CASE("capabilities and compute statuses round-trip through ExAtlas's names") {
  for (auto c : all_capabilities())
    CHECK(capability_from_string(to_string(c)) == c);
  CHECK(to_string(capability::http_proxy) == "http_proxy");
  CHECK_FALSE(capability_from_string("teleport"));
  for (auto s : {compute_status::provisioning, compute_status::running, compute_status::stopped,
                 compute_status::terminated, compute_status::failed})
    CHECK(compute_status_from_string(to_string(s)) == s);
}

TEST_CASE("compute filters match on status, name, region and gpu, unset ones on anything") {
  compute c;
  c.name = "atlas-a";
  c.region = "iad";
  c.gpu_type = "h100";
  c.status = compute_status::running;
  CHECK(matches(compute_filter{}, c));
  CHECK(matches(compute_filter::with_status(compute_status::running), c));
  CHECK_FALSE(matches(compute_filter::with_status(compute_status::stopped), c));
  compute_filter f;
  f.region = "ord";
  CHECK_FALSE(matches(f, c));
  f.region = "iad";
  f.gpu = "h100";
  CHECK(matches(f, c));
}
