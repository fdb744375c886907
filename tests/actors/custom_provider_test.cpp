// A user's own provider — the example in examples/custom_provider, a plain
// C++ class — passes the same conformance suite as Atlas's providers.
#include "../../examples/custom_provider/pool_provider.hpp"

#include <atlas/actors/provider_conformance.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <doctest/doctest.h>

using namespace atlas;

TEST_CASE("the example pool provider, a plain C++ class, passes the provider conformance suite") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto impl = std::make_shared<example::pool_provider>(
    std::vector<example::pool_machine>{{"box-1", "h100", "rack-a"}, {"box-2", "h100", "rack-a"}});
  auto p = spawn_provider(sys, impl);
  check_provider_conformance(sys, p);
  caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
}
