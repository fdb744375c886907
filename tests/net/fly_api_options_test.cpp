// fly_options (FLY_API_BASE_URL, FLY_FLAPS_BASE_URL) onto the Fly clients' options.
#include <atlas/net/fly_api_options.hpp>

#include "../support/fake_env.hpp"

#include <doctest/doctest.h>

using namespace atlas;

TEST_CASE("the clients' options take Fly's default base URLs from default options") {
  fly_options fly;
  auto m = fly_machines_options_from(fly);
  CHECK(m.base_url == "https://api.machines.dev");
  auto l = fly_logs_options_from(fly);
  CHECK(l.api_base_url == "https://api.fly.io");
  CHECK(l.flaps_base_url == "https://api.machines.dev");
  CHECK(l.form == fly_logs_form::jsonapi);
}

TEST_CASE("FLY_API_BASE_URL and FLY_FLAPS_BASE_URL reach the Machines and logs clients' options, without trailing slashes") {
  auto o = load_options({.config_file = "",
                         .env = test::fake_env({{"FLY_API_BASE_URL", "http://127.0.0.1:4001"},
                                                {"FLY_FLAPS_BASE_URL", "http://127.0.0.1:4002//"}})});
  REQUIRE(o);
  auto m = fly_machines_options_from(o->fly);
  CHECK(m.base_url == "http://127.0.0.1:4002");
  CHECK(m.pace); // the rest stays the client's defaults
  CHECK(m.limits.count("get_machine") == 1);
  auto l = fly_logs_options_from(o->fly, fly_logs_form::ndjson);
  CHECK(l.api_base_url == "http://127.0.0.1:4001");
  CHECK(l.flaps_base_url == "http://127.0.0.1:4002");
  CHECK(l.form == fly_logs_form::ndjson);
}
