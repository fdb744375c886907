// Job requests and jobs (ExAtlas's JobRequest and Job, reference/exatlas.md §13.3–13.4).
#include <atlas/core/job.hpp>

#include <doctest/doctest.h>

using namespace atlas;

TEST_CASE("a job request defaults to async with a 30 s timeout") {
  auto r = make_job_request({{"endpoint", "ep"}, {"input", "{\"prompt\":\"hi\"}"}});
  REQUIRE(r);
  CHECK(r->mode == job_mode::async);
  CHECK(r->timeout_ms == 30000);
}

TEST_CASE("a job request needs an endpoint and an input, and refuses a bad mode naming it") {
  CHECK(make_job_request({{"input", "{}"}}).error().message().find("endpoint is required") != std::string::npos);
  CHECK(make_job_request({{"endpoint", "e"}}).error().message().find("input is required") != std::string::npos);
  auto mode = make_job_request({{"endpoint", "e"}, {"input", "{}"}, {"mode", "batch"}});
  REQUIRE_FALSE(mode);
  CHECK(mode.error().message().find("mode = \"batch\"") != std::string::npos);
  auto gpu = make_job_request({{"endpoint", "e"}, {"input", "{}"}, {"gpu", "h100"}});
  REQUIRE_FALSE(gpu);
  CHECK(gpu.error().message().find("unknown key \"gpu\"") != std::string::npos);
}

TEST_CASE("job statuses round-trip through their names") {
  for (auto s : {job_status::in_queue, job_status::in_progress, job_status::completed, job_status::failed,
                 job_status::cancelled, job_status::timed_out})
    CHECK(job_status_from_string(to_string(s)) == s);
  CHECK_FALSE(job_status_from_string("done"));
}
