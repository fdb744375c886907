// The parts of the Machines client that need no server (the rest runs
// against the simulator: tests/sim/fly_simulator_test.cpp).
#include <atlas/net/fly_machines_client.hpp>

#include <doctest/doctest.h>

using namespace atlas;

TEST_CASE("the Authorization header as flyctl sends it: FlyV1 for macaroons, Bearer otherwise") {
  CHECK(fly_authorization(secret{"fm2_abc+/="}).reveal() == "FlyV1 fm2_abc+/=");
  CHECK(fly_authorization(secret{"fm1r_abc"}).reveal() == "FlyV1 fm1r_abc");
  CHECK(fly_authorization(secret{"fm1a_abc"}).reveal() == "FlyV1 fm1a_abc");
  CHECK(fly_authorization(secret{"fo1_oauthtoken"}).reveal() == "Bearer fo1_oauthtoken");
  // a token that already carries its scheme (FLY_API_TOKEN="FlyV1 fm2_…") keeps it
  CHECK(fly_authorization(secret{"FlyV1 fm2_abc"}).reveal() == "FlyV1 fm2_abc");
  CHECK(fly_authorization(secret{"Bearer fo1_x"}).reveal() == "Bearer fo1_x");
  CHECK(to_string(fly_authorization(secret{"fm2_abc"})).find("fm2_abc") == std::string::npos);
}
