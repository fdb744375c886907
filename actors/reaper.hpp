#pragma once
// The Reaper (ExAtlas's Reaper, reference/exatlas.md §17.4): every
// orchestrator.reap_interval it lists each registered provider's resources
// and terminates the orphans — those that carry both of Atlas's ownership
// marks (the safety name prefix and labels["atlas_owner"] == this node's
// owner id, written at spawn) and that nothing tracks (no registry row, no
// spawn in progress under that name). A resource missing either mark is
// never touched: another node's, or a human's (ExAtlas went by the prefix
// alone and reaped other nodes' resources: defect 28). In dry-run mode it
// only reports. A provider that fails to list is skipped and reported; it
// never takes the Reaper down.
//
// - (reap_atom) → reap_report: one pass now (the timer keeps its rhythm).
// The first timed pass runs one interval after the start, as ExAtlas's.

#include <atlas/actors/orchestrator_services.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>

namespace atlas {

/// Spawns the Reaper: orphan passes every orchestrator.reap_interval (the first one
/// interval after the start), and one on each (reap_atom).
caf::actor spawn_reaper(caf::actor_system& sys, std::shared_ptr<orchestrator_services> svc);

/// Whether the Reaper may terminate `c`: both marks present (not whether it is tracked).
bool carries_ownership_marks(const compute& c, const std::string& prefix, const std::string& owner);

} // namespace atlas
