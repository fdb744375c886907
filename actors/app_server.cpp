#include <atlas/actors/app_server.hpp>

#include <atlas/core/logger.hpp>
#include <atlas/core/token_shape.hpp>
#include <atlas/fly/fly_config.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>

#include <optional>
#include <vector>

namespace atlas {

namespace {

using soft_refresh_atom = caf::atom_constant<caf::atom("toksoft")>;
using read_config_atom = caf::atom_constant<caf::atom("tokreadcfg")>;

/// The links after the cache, in chain order.
enum class link : std::uint8_t { storage, env, config, cli, manual, none };

/// get: the whole chain. refresh: the token is bad, so neither the cache nor
/// the durable copy is read, and the CLI mints anew. soft: the token is about
/// to expire; the durable copy is the same token, so it is skipped too.
enum class run_kind : std::uint8_t { get, refresh, soft };

struct run {
  run_kind kind = run_kind::get;
  std::uint64_t id = 0;
  std::vector<caf::response_promise> waiters{};
  bool cache_result = true; ///< false once an invalidate or refresh overtook it
  std::vector<std::string> misses{};
};

// flyctl's config file is read on a thread that may block: a one-shot actor,
// detached unless the services say otherwise (deterministic tests).
caf::actor spawn_config_reader(caf::actor_system& sys, bool detached) {
  auto body = [](caf::event_based_actor* self) -> caf::behavior {
    return {
      [self](read_config_atom, const std::string& dir) {
        self->quit();
        auto r = read_fly_config_token(dir);
        if (r.token)
          return expected<secret>{*r.token};
        auto why = r.why_none.find(r.path) == std::string::npos ? r.path + ": " + r.why_none
                                                                 : r.why_none;
        return expected<secret>{error{errc::not_found, std::move(why)}};
      },
    };
  };
  return detached ? sys.spawn<caf::detached>(body) : sys.spawn(body);
}

class app_server_actor : public caf::event_based_actor {
public:
  app_server_actor(caf::actor_config& cfg, std::shared_ptr<token_services> svc, std::string app)
    : caf::event_based_actor(cfg), svc_(std::move(svc)), app_(std::move(app)) {
  }

  const char* name() const override { return "atlas.app_server"; }

  // CAF 0.17 drops an undelivered promise silently: answer the callers still
  // waiting now rather than let them wait for their deadline.
  void on_exit() override {
    svc_->unregister_server(app_, address());
    for (auto* r : {&running_, &next_})
      if (*r)
        for (auto& w : (*r)->waiters)
          w.deliver(expected<token_record>{
            error{errc::shutdown, "the token server of app " + app_ + " stopped"}});
    running_.reset();
    next_.reset();
  }

  caf::behavior make_behavior() override {
    svc_->register_server(app_, caf::actor_cast<caf::actor>(this));
    return {
      [this](acquire_atom) -> caf::result<expected<token_record>> {
        if (auto hit = svc_->cache->get(app_, svc_->now())) {
          hit->source = token_source::cache;
          return expected<token_record>{std::move(*hit)};
        }
        auto rp = make_response_promise();
        join(rp);
        return rp;
      },
      [this](refresh_atom) -> caf::result<expected<token_record>> {
        auto rp = make_response_promise();
        begin_refresh(rp);
        return rp;
      },
      [this](invalidate_atom) -> caf::result<expected<void>> { return invalidate(); },
      [this](set_manual_atom, const secret& raw) -> caf::result<expected<void>> {
        return set_manual(raw);
      },
      [this](soft_refresh_atom, std::uint64_t epoch) { on_soft_refresh(epoch); },
    };
  }

private:
  // -- callers ------------------------------------------------------------------

  // Joins the acquisition callers will get an answer from: a pending refresh
  // (the cache is empty for them too), else the running one, else a new one.
  void join(caf::response_promise rp) {
    if (next_)
      next_->waiters.push_back(std::move(rp));
    else if (running_)
      running_->waiters.push_back(std::move(rp));
    else
      start(run_kind::get, {std::move(rp)});
  }

  void begin_refresh(caf::response_promise rp) {
    forget_cached();
    if (next_) {
      next_->waiters.push_back(std::move(rp));
    } else if (running_) {
      // Its callers asked before the refresh began; it may answer them, but
      // what it finds must not reach the cache.
      running_->cache_result = false;
      next_ = run{.kind = run_kind::refresh, .id = ++run_ids_, .waiters = {std::move(rp)}};
    } else {
      start(run_kind::refresh, {std::move(rp)});
    }
  }

  caf::result<expected<void>> invalidate() {
    forget_cached();
    if (running_)
      running_->cache_result = false;
    auto writer = svc_->handle(token_role::persister);
    if (!writer)
      return expected<void>{durable_copy_kept("the persist workers are not running")};
    auto rp = make_response_promise();
    request(writer, svc_->storage_timeout, storage_erase_atom_v, app_, token_key::cached)
      .then([this, rp](expected<void>& done) mutable {
              rp.deliver(done ? done : expected<void>{durable_copy_kept(done.error().message())});
            },
            [this, rp](caf::error& err) mutable {
              rp.deliver(expected<void>{durable_copy_kept(render(err))});
            });
    return rp;
  }

  caf::result<expected<void>> set_manual(const secret& raw) {
    auto token = parse_token(raw.reveal());
    if (!token)
      return expected<void>{
        error{errc::validation, "set_manual for app " + app_ + ": " + token.error().message()}};
    auto writer = svc_->handle(token_role::persister);
    if (!writer)
      return expected<void>{manual_not_stored("the persist workers are not running")};
    auto rp = make_response_promise();
    token_record stored{*token, token_source::manual, token_record::never};
    request(writer, svc_->storage_timeout, storage_put_atom_v, app_, token_key::manual, stored)
      .then(
        [this, rp, stored](expected<void>& done) mutable {
          if (!done) {
            rp.deliver(expected<void>{manual_not_stored(done.error().message())});
            return;
          }
          // A cached manual token is the old one: replace it. A token from
          // any other link keeps winning until it expires (the chain's order).
          if (auto cur = svc_->cache->get(app_, svc_->now());
              cur && cur->source == token_source::manual)
            svc_->cache->put(app_, cacheable(stored));
          rp.deliver(expected<void>{});
        },
        [this, rp](caf::error& err) mutable {
          rp.deliver(expected<void>{manual_not_stored(render(err))});
        });
    return rp;
  }

  // -- acquisition ------------------------------------------------------------------

  void start(run_kind kind, std::vector<caf::response_promise> waiters) {
    running_ = run{.kind = kind, .id = ++run_ids_, .waiters = std::move(waiters)};
    auto id = running_->id;
    if (kind != run_kind::refresh) {
      next_link(id, kind == run_kind::get ? link::storage : link::env);
      return;
    }
    // The durable copy is the bad token too: remove it before anything can
    // read it again (ExAtlas's defect 10). The writer applies this after any
    // earlier write of this app, so no older persist can bring it back.
    auto writer = svc_->handle(token_role::persister);
    if (!writer) {
      miss(id, "storage: the persist workers are not running; the durable copy stays");
      next_link(id, link::env);
      return;
    }
    request(writer, svc_->storage_timeout, storage_erase_atom_v, app_, token_key::cached)
      .then(
        [this, id](expected<void>& done) {
          if (!done)
            log().error("refresh of app {}: the durable copy could not be removed: {}", app_,
                        to_string(done.error()));
          next_link(id, link::env);
        },
        [this, id](caf::error& err) {
          log().error("refresh of app {}: the durable copy could not be removed: {}", app_,
                      render(err));
          next_link(id, link::env);
        });
  }

  bool current(std::uint64_t id) const { return running_ && running_->id == id; }

  void miss(std::uint64_t id, std::string why) {
    if (current(id))
      running_->misses.push_back(std::move(why));
  }

  void next_link(std::uint64_t id, link l) {
    if (!current(id))
      return;
    switch (l) {
      case link::storage: return try_storage(id, token_key::cached, link::env);
      case link::env: return try_env(id);
      case link::config: return try_config(id);
      case link::cli: return try_cli(id);
      case link::manual: return try_storage(id, token_key::manual, link::none);
      case link::none: break;
    }
    std::string why = "no token for app " + app_;
    for (std::size_t i = 0; i < running_->misses.size(); ++i)
      why += (i == 0 ? ": " : "; ") + running_->misses[i];
    finish(id, error{errc::no_token_available, std::move(why)});
  }

  void try_storage(std::uint64_t id, token_key key, link after) {
    auto what = std::string{key == token_key::manual ? "manual" : "storage"};
    auto owner = svc_->handle(token_role::storage_owner);
    if (!owner) {
      miss(id, what + ": the storage owner is not running");
      return next_link(id, after);
    }
    request(owner, svc_->storage_timeout, storage_get_atom_v, app_, key)
      .then(
        [this, id, key, after, what](expected<stored_token>& got) {
          if (!current(id))
            return;
          if (!got) {
            // A storage failure is a miss, never a crash (ExAtlas's defect 16).
            log().error("token storage read for app {} failed: {}", app_, to_string(got.error()));
            miss(id, what + ": " + got.error().message());
          } else if (!got->found || got->record.value.empty()) {
            miss(id, what + ": none stored");
          } else if (key == token_key::cached && got->record.expired(svc_->now())) {
            miss(id, what + ": the stored token has expired");
          } else {
            auto rec = std::move(got->record);
            rec.source = key == token_key::manual ? token_source::manual : token_source::storage;
            return finish(id, std::move(rec));
          }
          next_link(id, after);
        },
        [this, id, after, what](caf::error& err) {
          log().error("token storage read for app {} failed: {}", app_, render(err));
          miss(id, what + ": " + render(err));
          next_link(id, after);
        });
  }

  void try_env(std::uint64_t id) {
    const auto& fly = svc_->fly;
    if (!fly.access_token_set) {
      miss(id, "env: neither FLY_ACCESS_TOKEN nor FLY_API_TOKEN is set");
    } else if (fly.access_token.empty()) {
      miss(id, "env: the token variable is set but empty");
    } else if (auto token = parse_token(fly.access_token.reveal()); !token) {
      log().warn("the token in FLY_ACCESS_TOKEN/FLY_API_TOKEN is refused: {}",
                 token.error().message());
      miss(id, "env: " + token.error().message());
    } else {
      return finish(id, token_record{*token, token_source::env, svc_->now() + svc_->tokens.ttl});
    }
    next_link(id, link::config);
  }

  void try_config(std::uint64_t id) {
    if (!svc_->tokens.config_file_enabled) {
      miss(id, "config: tokens.config_file_enabled is off");
      return next_link(id, link::cli);
    }
    auto reader = spawn_config_reader(system(), svc_->detach_blocking);
    request(reader, svc_->storage_timeout, read_config_atom::value, svc_->fly_config_dir)
      .then(
        [this, id](expected<secret>& token) {
          if (!current(id))
            return;
          if (token)
            return finish(id, token_record{std::move(*token), token_source::config,
                                           svc_->now() + svc_->tokens.ttl});
          miss(id, "config: " + token.error().message());
          next_link(id, link::cli);
        },
        [this, id](caf::error& err) {
          miss(id, "config: " + render(err));
          next_link(id, link::cli);
        });
  }

  void try_cli(std::uint64_t id) {
    auto minter = svc_->handle(token_role::minter);
    if (!minter) {
      miss(id, "cli: the minter is not running");
      return next_link(id, link::manual);
    }
    bool fresh = running_->kind == run_kind::refresh;
    request(minter, svc_->mint_timeout(), mint_atom_v, svc_->fly.org, fresh)
      .then(
        [this, id](expected<token_record>& minted) {
          if (!current(id))
            return;
          if (minted)
            return finish(id, std::move(*minted));
          // `fly` missing, no org, a timeout: fall through to the manual
          // token (ExAtlas's defect 13 crashed here instead).
          miss(id, "cli: " + minted.error().message());
          next_link(id, link::manual);
        },
        [this, id](caf::error& err) {
          miss(id, "cli: " + render(err));
          next_link(id, link::manual);
        });
  }

  void finish(std::uint64_t id, expected<token_record> result) {
    if (!current(id))
      return;
    run done = std::move(*running_);
    running_.reset();
    if (result)
      last_ = result->value;
    if (result && done.cache_result)
      keep(*result);
    if (!result && done.kind == run_kind::soft)
      log().warn("soft-expiry refresh of app {} found no new token; the current one stays "
                 "until it expires: {}",
                 app_, to_string(result.error()));
    for (auto& w : done.waiters)
      w.deliver(result);
    if (next_) {
      run pending = std::move(*next_);
      next_.reset();
      start(pending.kind, std::move(pending.waiters));
    }
  }

  // Caches what the chain found, persists what can be re-acquired only by
  // running the chain again, and arms the soft-expiry refresh.
  void keep(const token_record& rec) {
    svc_->cache->put(app_, cacheable(rec));
    if (rec.source == token_source::config || rec.source == token_source::cli) {
      if (auto writer = svc_->handle(token_role::persister))
        send(writer, persist_atom_v, app_, rec);
      else
        log().error("token persist failed for app {}: the persist workers are not running", app_);
    }
    arm_soft_refresh(rec);
  }

  // What goes into the cache: manual tokens (which never expire) are
  // re-checked against the chain once per TTL, like every other token.
  token_record cacheable(token_record rec) const {
    if (rec.source == token_source::manual)
      rec.expires_at = svc_->now() + svc_->tokens.ttl;
    return rec;
  }

  // Armed for every token the chain can fetch anew; an answer from the cache
  // or a failure leaves a pending timer alone (ExAtlas's defect 11).
  void arm_soft_refresh(const token_record& rec) {
    auto lead = svc_->tokens.soft_expiry_lead;
    if (lead.count() <= 0 || rec.expires_at == token_record::never)
      return;
    if (rec.source != token_source::storage && rec.source != token_source::config
        && rec.source != token_source::cli)
      return;
    auto delay = rec.expires_at - lead - svc_->now();
    if (delay <= token_record::clock::duration::zero())
      return;
    delayed_send(caf::actor_cast<caf::actor>(this), std::chrono::duration_cast<caf::timespan>(delay), soft_refresh_atom::value,
                 ++soft_epoch_);
  }

  void on_soft_refresh(std::uint64_t epoch) {
    if (epoch != soft_epoch_ || running_ || next_)
      return; // cancelled, or an acquisition under way will bring a new token
    start(run_kind::soft, {});
  }

  // Forgets the app's token (invalidate, refresh): the cache, a pending soft
  // refresh, and the minter's copy when it is the org's minted token, so that
  // neither this app's next acquisition nor another app of the org gets the
  // bad token back from the minter (ExAtlas's defect 10). The minter receives
  // this before any later request of ours: one sender, one mailbox, in order.
  void forget_cached() {
    auto cur = svc_->cache->get(app_, svc_->now());
    auto bad = cur ? std::optional<secret>{std::move(cur->value)} : std::move(last_);
    last_.reset();
    svc_->cache->erase(app_);
    ++soft_epoch_; // cancels a pending soft refresh
    if (bad && !bad->empty())
      if (auto minter = svc_->handle(token_role::minter))
        send(minter, invalidate_atom_v, svc_->fly.org, *bad);
  }

  error durable_copy_kept(const std::string& why) const {
    return error{errc::persist_failed, "invalidate of app " + app_
                                         + ": removed from the cache, but the durable copy "
                                           "could not be removed: "
                                         + why};
  }

  error manual_not_stored(const std::string& why) const {
    log().error("manual token for app {} was not stored: {}", app_, why);
    return error{errc::persist_failed, "set_manual for app " + app_ + ": " + why};
  }

  std::string render(const caf::error& err) { return system().render(err); }

  std::shared_ptr<token_services> svc_;
  std::string app_;
  std::optional<run> running_;
  std::optional<run> next_; ///< a refresh that waits for the running acquisition
  std::uint64_t run_ids_ = 0;
  std::uint64_t soft_epoch_ = 0;
  /// The token the chain last answered with: what an invalidate forgets when
  /// the cache no longer holds it.
  std::optional<secret> last_;
};

} // namespace

caf::actor spawn_app_server(caf::actor_system& sys, std::shared_ptr<token_services> svc,
                            std::string app) {
  return sys.spawn<app_server_actor>(std::move(svc), std::move(app));
}

} // namespace atlas
