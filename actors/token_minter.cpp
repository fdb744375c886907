#include <atlas/actors/token_minter.hpp>

#include <atlas/core/logger.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>

#include <map>
#include <vector>

namespace atlas {

namespace {

using minted_atom = caf::atom_constant<caf::atom("tokminted")>;

struct org_runs {
  std::optional<token_record> minted;
  std::vector<caf::response_promise> waiters;
  std::uint64_t run = 0; ///< the id of the running CLI run; 0: none
};

struct minter_state {
  std::shared_ptr<token_services> svc;
  std::map<std::string, org_runs> orgs;
  std::uint64_t next_run = 0;
  // Shared with the exit hook, which runs after the state is gone.
  std::shared_ptr<std::map<std::uint64_t, std::function<void()>>> cancels =
    std::make_shared<std::map<std::uint64_t, std::function<void()>>>();

  // CAF 0.17 drops an undelivered promise silently: answer the waiting app
  // servers now rather than let them wait for their timeout.
  ~minter_state() {
    for (auto& [org, o] : orgs)
      for (auto& w : o.waiters)
        w.deliver(expected<token_record>{
          error{errc::shutdown, "the token minter stopped before `fly` answered for org " + org}});
  }
};

using self_ptr = caf::stateful_actor<minter_state>*;

bool fresh_enough(const token_services& svc, const token_record& r) {
  return r.expires_at - svc.tokens.soft_expiry_lead > svc.now();
}

void finish(self_ptr self, const std::string& org, std::uint64_t run, expected<secret> token) {
  auto& st = self->state;
  st.cancels->erase(run);
  auto it = st.orgs.find(org);
  if (it == st.orgs.end() || it->second.run != run)
    return;
  auto& o = it->second;
  o.run = 0;
  expected<token_record> answer = token ? expected<token_record>{token_record{
                                            std::move(*token), token_source::cli,
                                            st.svc->now() + st.svc->tokens.ttl}}
                                        : expected<token_record>{token.error()};
  if (answer)
    o.minted = *answer;
  else
    log().warn("fly tokens create readonly for org {} failed: {}", org,
               to_string(answer.error()));
  auto waiters = std::move(o.waiters);
  o.waiters.clear();
  for (auto& w : waiters)
    w.deliver(answer);
}

expected<void> start_run(self_ptr self, const std::string& org) {
  auto& st = self->state;
  auto run = ++st.next_run;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  token_cli_request req{.cli_path = st.svc->fly.cli_path, .org = org,
                        .timeout = st.svc->tokens.cli_timeout};
  if (!st.svc->mint)
    return error{errc::internal, "no CLI runner configured"};
  auto cancel = st.svc->mint(req, [me, org, run](expected<secret> token) {
    caf::anon_send(me, minted_atom::value, org, run, std::move(token));
  });
  if (!cancel)
    return cancel.error();
  st.orgs[org].run = run;
  st.cancels->emplace(run, std::move(*cancel));
  return {};
}

} // namespace

caf::actor spawn_token_minter(caf::actor_system& sys, std::shared_ptr<token_services> svc) {
  auto handle = sys.spawn([svc](self_ptr self) -> caf::behavior {
    self->state.svc = svc;
    self->attach_functor([cancels = self->state.cancels] {
      for (auto& [run, cancel] : *cancels)
        cancel();
    });
    return {
      [self](mint_atom, const std::string& org,
             bool fresh) -> caf::result<expected<token_record>> {
        auto& o = self->state.orgs[org];
        if (o.run == 0) {
          if (!fresh && o.minted && fresh_enough(*self->state.svc, *o.minted))
            return expected<token_record>{*o.minted};
          if (auto started = start_run(self, org); !started)
            return expected<token_record>{started.error()};
        }
        auto rp = self->make_response_promise();
        self->state.orgs[org].waiters.push_back(rp);
        return rp;
      },
      [self](invalidate_atom, const std::string& org, const secret& token) {
        // Only that token: another app's 401 may already have minted a newer
        // one, which the org's apps should share rather than mint again.
        if (auto it = self->state.orgs.find(org);
            it != self->state.orgs.end() && it->second.minted
            && it->second.minted->value == token)
          it->second.minted.reset();
      },
      [self](minted_atom, const std::string& org, std::uint64_t run, expected<secret>& token) {
        finish(self, org, run, std::move(token));
      },
    };
  });
  svc->publish(token_role::minter, handle); // before any sibling can ask for it
  return handle;
}

} // namespace atlas
