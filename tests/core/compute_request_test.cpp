// Compute requests (ExAtlas's ComputeRequest, reference/exatlas.md §13.1):
// defaults, validation that names the field, text fields, and defect 30
// (one key list shared with job requests) proven absent.
#include <atlas/core/compute_request.hpp>
#include <atlas/core/job.hpp>

#include <doctest/doctest.h>

using namespace atlas;

TEST_CASE("a compute request has ExAtlas's defaults") {
  auto r = make_compute_request({{"gpu", "h100"}});
  REQUIRE(r);
  CHECK(r->gpu_count == 1);
  CHECK(r->cloud_type == cloud_type::any);
  CHECK_FALSE(r->spot);
  CHECK(r->auth == auth_scheme::none);
  CHECK(r->ports.empty());
}

TEST_CASE("a compute request without gpu, or with a bad field, is errc::validation naming the field") {
  auto none = make_compute_request({{"image", "x"}});
  REQUIRE_FALSE(none);
  CHECK(none.error().code() == errc::validation);
  CHECK(none.error().message().find("gpu is required") != std::string::npos);
  auto hybrid = make_compute_request({{"gpu", "h100"}, {"cloud_type", "hybrid"}});
  REQUIRE_FALSE(hybrid);
  CHECK(hybrid.error().message().find("cloud_type = \"hybrid\"") != std::string::npos);
  CHECK(hybrid.error().message().find("secure community any") != std::string::npos);
  auto count = make_compute_request({{"gpu", "h100"}, {"gpu_count", "0"}});
  REQUIRE_FALSE(count);
  CHECK(count.error().message().find("gpu_count") != std::string::npos);
  auto gpu = make_compute_request({{"gpu", "h1000"}});
  REQUIRE_FALSE(gpu);
  CHECK(gpu.error().message().find("gpu = \"h1000\"") != std::string::npos);
  auto port = make_compute_request({{"gpu", "none"}, {"ports", "70000/http"}});
  REQUIRE_FALSE(port);
  CHECK(port.error().message().find("ports") != std::string::npos);
}

TEST_CASE("text fields become lists, ports and maps") {
  auto r = make_compute_request({{"gpu", "a100_80g"},
                                 {"region_hints", "iad,ord"},
                                 {"ports", "8000/http,22/tcp"},
                                 {"env", "A=1,B=two"},
                                 {"spot", "true"},
                                 {"auth", "bearer"},
                                 {"volume_gb", "10"}});
  REQUIRE(r);
  CHECK(r->region_hints == std::vector<std::string>{"iad", "ord"});
  REQUIRE(r->ports.size() == 2);
  CHECK(r->ports[1] == port_spec{22, port_protocol::tcp});
  CHECK(r->env.at("B") == "two");
  CHECK(r->spot);
  CHECK(r->auth == auth_scheme::bearer);
  CHECK(r->volume_gb == 10);
}

TEST_CASE("defect 30: a job key is not a compute key, and splitting by compute keys leaves job keys to the caller") {
  auto refused = make_compute_request({{"gpu", "h100"}, {"timeout_ms", "5000"}});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message().find("unknown key \"timeout_ms\"") != std::string::npos);
  auto [request, rest] = split_fields({{"gpu", "h100"}, {"timeout_ms", "5000"}, {"endpoint", "e"}},
                                      compute_request_keys());
  auto r = make_compute_request(request);
  REQUIRE(r);
  CHECK(rest.size() == 2);
  CHECK(rest.count("timeout_ms") == 1);
  // ...and the other way round: compute keys stay out of a job request.
  auto [jfields, jrest] = split_fields({{"endpoint", "e"}, {"input", "{}"}, {"gpu", "h100"}, {"idle_ttl_ms", "5"}},
                                       job_request_keys());
  auto j = make_job_request(jfields);
  REQUIRE(j);
  CHECK(jrest.count("gpu") == 1);
  CHECK(jrest.count("idle_ttl_ms") == 1);
  for (auto k : compute_request_keys())
    for (auto jk : job_request_keys())
      if (k != "provider_opts") // the one field both genuinely have
        CHECK_MESSAGE(k != jk, k);
}

TEST_CASE("with_prefix adds the safety prefix once") {
  CHECK(with_prefix("atlas-", "web") == "atlas-web");
  CHECK(with_prefix("atlas-", "atlas-web") == "atlas-web");
}
