#pragma once
// The CLI link of the token chain, per organisation: `fly tokens create
// readonly --org ORG` mints an org-wide token, so the apps of one org share
// one minted token and one CLI run, however many ask at once.

#include <atlas/actors/token_messages.hpp>
#include <atlas/actors/token_services.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>

namespace atlas {

/// Spawns the minter; it publishes itself as token_role::minter. It answers
/// (mint_atom, org, bool fresh) → expected<token_record> (source cli, expiring
/// tokens.ttl after it was minted):
/// - the org's minted token while more than tokens.soft_expiry_lead of it is
///   left, unless `fresh` (after a 401 or a refresh) asks for a new one;
/// - else joins the org's running CLI run, or starts one (svc->mint);
/// - errc::validation (no org), errc::not_found (no `fly`), errc::timeout,
///   errc::exit_status as token_cli reports them.
/// and (invalidate_atom, org, secret token), no answer: an app forgot
/// `token` (a 401); if it is the org's minted token, the minter drops it, so
/// the next request of any app of the org mints anew instead of getting it
/// back (ExAtlas's defect 10). A newer token is kept: after the first app's
/// 401 has minted one, the org's other apps share it.
/// Its exit cancels the runs still going (their process groups are stopped).
caf::actor spawn_token_minter(caf::actor_system& sys, std::shared_ptr<token_services> svc);

} // namespace atlas
