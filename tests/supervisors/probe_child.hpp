#pragma once
// A child for supervision tests: it records when it starts and stops, and
// does on command what a real child might (crash, exit, ignore shutdown,
// refuse or never answer its init handshake).

#include <atlas/supervisors/child_spec.hpp>
#include <atlas/supervisors/supervisor_messages.hpp>

#include <caf/all.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace atlas::test {

using crash_atom = caf::atom_constant<caf::atom("crash")>;
using exit_normal_atom = caf::atom_constant<caf::atom("exitnormal")>;
using exit_shutdown_atom = caf::atom_constant<caf::atom("exitshut")>;

enum class handshake_mode { ack, refuse, silent };

/// Shared by the test and every probe: what happened, in order.
struct probe_log {
  std::vector<std::string> starts;
  std::vector<std::string> stops;
  std::map<std::string, caf::actor> current; ///< the live probe of each id
  std::map<std::string, int> failing_starts; ///< the next N starts of an id fail
  std::map<std::string, bool> trap_shutdown; ///< ignore user_shutdown (only kill stops it)
  std::map<std::string, handshake_mode> handshake;
  std::map<std::string, int> ticks; ///< ordinary messages each probe has handled
};

caf::behavior probe(caf::event_based_actor* self, std::shared_ptr<probe_log> log, std::string id);

/// A child spec whose factory spawns a probe (or fails, per failing_starts).
child_spec probe_spec(std::shared_ptr<probe_log> log, std::string id,
                      restart_type restart = restart_type::permanent);

/// A dynamic supervisor's template: the probe's id is the key it was started with.
child_spec probe_template(std::shared_ptr<probe_log> log,
                          restart_type restart = restart_type::permanent);

} // namespace atlas::test
