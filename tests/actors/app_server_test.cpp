// The token server of one app: the chain, its order, TTL, soft expiry,
// coalescing, refresh, invalidate and set_manual, on virtual time.
#include "token_fixture.hpp"

#include "../support/log_capture.hpp"

using namespace atlas;
using namespace atlas::test;

namespace {

const std::string& value(const expected<token_record>& r) {
  REQUIRE(r);
  return r->value.reveal();
}

} // namespace

// -- the chain, link by link, in order ------------------------------------------------

TEST_CASE("the cache answers first, without running the chain") {
  token_fixture fx;
  fx.svc->cache->put("app-a", {secret{cli_token}, token_source::cli, fx.wall_now() + 1h});
  fx.write_config(config_token);
  auto r = fx.acquire();
  CHECK(value(r) == cli_token);
  CHECK(r->source == token_source::cache);
  CHECK(fx.storage->gets == 0);
}

TEST_CASE("durable storage answers before the environment, the config file and the CLI") {
  token_fixture fx;
  fx.store(token_key::cached, cli_token, fx.wall_now() + 2h);
  fx.set_env(env_token);
  fx.write_config(config_token);
  auto r = fx.acquire();
  CHECK(value(r) == cli_token);
  CHECK(r->source == token_source::storage);
  CHECK(r->expires_at == fx.wall_now() + 2h); // the stored expiry, not a new TTL
  CHECK(fx.svc->cache->get("app-a", fx.wall_now())->value.reveal() == cli_token);
  CHECK(fx.mints.empty());
}

TEST_CASE("an expired stored token is skipped") {
  token_fixture fx;
  fx.store(token_key::cached, cli_token, fx.wall_now() - 1s);
  fx.write_config(config_token);
  CHECK(fx.acquire()->source == token_source::config);
}

TEST_CASE("the environment answers before the config file, with the TTL, and is not persisted") {
  token_fixture fx;
  fx.set_env(env_token);
  fx.write_config(config_token);
  auto r = fx.acquire();
  CHECK(value(r) == env_token);
  CHECK(r->source == token_source::env);
  CHECK(r->expires_at == fx.wall_now() + 24h);
  CHECK_FALSE(fx.stored(token_key::cached));
}

TEST_CASE("an environment variable set but empty is no token: the chain goes on") {
  token_fixture fx;
  fx.set_env("");
  fx.write_config(config_token);
  CHECK(fx.acquire()->source == token_source::config);
}

TEST_CASE("a malformed environment token is refused where it enters, and the chain goes on") {
  token_fixture fx;
  fx.set_env("fm2_tooshort");
  fx.write_config(config_token);
  CHECK(fx.acquire()->source == token_source::config);
}

TEST_CASE("the config file answers before the CLI and is persisted after the answer") {
  token_fixture fx;
  fx.write_config(config_token);
  auto r = fx.acquire();
  CHECK(value(r) == config_token);
  CHECK(r->source == token_source::config);
  CHECK(fx.mints.empty());
  auto kept = fx.stored(token_key::cached);
  REQUIRE(kept);
  CHECK(kept->value.reveal() == config_token);
  CHECK(kept->expires_at == r->expires_at);
}

TEST_CASE("with the config file disabled, the CLI answers") {
  token_fixture fx;
  fx.svc->tokens.config_file_enabled = false;
  fx.write_config(config_token);
  auto caller = fx.ask_async(fx.server(), acquire_atom_v);
  REQUIRE(fx.mints.size() == 1);
  fx.finish_mint(0, secret{cli_token});
  CHECK(fx.collect<expected<token_record>>(*caller)->value().source == token_source::cli);
}

TEST_CASE("the CLI answers before the manual token, with the org, and is persisted") {
  token_fixture fx;
  fx.store(token_key::manual, manual_token, token_record::never);
  auto caller = fx.ask_async(fx.server(), acquire_atom_v);
  REQUIRE(fx.mints.size() == 1);
  CHECK(fx.mints[0]->req.org == "acme");
  CHECK(fx.mints[0]->req.timeout == 15s);
  fx.finish_mint(0, secret{cli_token});
  auto r = fx.collect<expected<token_record>>(*caller);
  REQUIRE(r);
  CHECK(value(*r) == cli_token);
  CHECK((*r)->source == token_source::cli);
  CHECK(fx.stored(token_key::cached)->value.reveal() == cli_token);
}

TEST_CASE("the manual token answers when no other link has one, and is then cached (ExAtlas defect 12)") {
  token_fixture fx;
  fx.mint_refusal = error{errc::validation, "no organisation: set fly.org or FLY_ORG"};
  fx.store(token_key::manual, manual_token, token_record::never);
  auto r = fx.acquire();
  CHECK(value(r) == manual_token);
  CHECK(r->source == token_source::manual);
  auto gets = fx.storage->gets.load();
  auto again = fx.acquire();
  CHECK(again->source == token_source::cache);
  CHECK(fx.storage->gets == gets); // no storage, config or CLI run before it
}

TEST_CASE("fly missing falls through to the manual token instead of crashing (ExAtlas defect 13)") {
  token_fixture fx;
  fx.mint_refusal = error{errc::not_found, "fly: not found on PATH"};
  fx.store(token_key::manual, manual_token, token_record::never);
  auto r = fx.acquire();
  CHECK(r->source == token_source::manual);
  // The server is alive and answers: the manual token, now from the cache.
  auto again = fx.acquire();
  CHECK(value(again) == manual_token);
  CHECK(again->source == token_source::cache);
}

TEST_CASE("with nothing anywhere, no_token_available says why each link had nothing") {
  token_fixture fx;
  fx.mint_refusal = error{errc::not_found, "fly: not found on PATH"};
  auto r = fx.acquire();
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::no_token_available);
  const auto& m = r.error().message();
  for (const char* link : {"storage:", "env:", "config:", "cli: fly: not found", "manual:"})
    CHECK_MESSAGE(m.find(link) != std::string::npos, link);
  CHECK(m.find("storage:") < m.find("env:"));
  CHECK(m.find("env:") < m.find("config:"));
  CHECK(m.find("config:") < m.find("cli:"));
  CHECK(m.find("cli:") < m.find("manual:"));
}

TEST_CASE("a storage read failure is a miss, never a crash (ExAtlas defect 16)") {
  token_fixture fx;
  fx.storage->fail_get = true;
  fx.write_config(config_token);
  CHECK(fx.acquire()->source == token_source::config);
}

TEST_CASE("a failed asynchronous persist is logged with the app, never the token — the caller has its token") {
  token_fixture fx;
  log_capture logs;
  fx.storage->fail_put = true;
  fx.write_config(config_token);
  auto r = fx.acquire();
  CHECK(value(r) == config_token);
  CHECK(logs.contains("token persist failed for app app-a"));
  CHECK_FALSE(logs.contains(config_token));
}

TEST_CASE("a storage that throws is a miss for reads and persist_failed for writes, and its owner and writer survive (ExAtlas defect 16)") {
  token_fixture fx;
  log_capture logs;
  fx.write_config(config_token);
  fx.storage->set_throw_text("disk on fire near " + cli_token);
  fx.storage->throw_on_call = true;
  auto r = fx.acquire(); // the storage read threw: a miss, and the chain goes on
  CHECK(value(r) == config_token);
  CHECK(r->source == token_source::config);
  CHECK(logs.contains("token persist failed for app app-a")); // the asynchronous write threw
  auto manual = fx.ask<expected<void>>(fx.server(), set_manual_atom_v, secret{manual_token});
  REQUIRE_FALSE(manual);
  CHECK(manual.error().code() == errc::persist_failed);
  CHECK(manual.error().message().find("threw") != std::string::npos);
  CHECK(manual.error().message().find(cli_token) == std::string::npos);
  auto inv = fx.ask<expected<void>>(fx.server(), invalidate_atom_v);
  REQUIRE_FALSE(inv);
  CHECK(inv.error().code() == errc::persist_failed);
  auto read = fx.ask<expected<stored_token>>(fx.storage_owner, storage_get_atom_v,
                                             std::string{"app-a"}, token_key::cached);
  REQUIRE_FALSE(read);
  CHECK(read.error().message().find(cli_token) == std::string::npos);
  CHECK_FALSE(logs.contains(cli_token));
  // The same owner, writer and server answer once the storage behaves.
  fx.storage->throw_on_call = false;
  CHECK(fx.ask<expected<void>>(fx.server(), set_manual_atom_v, secret{manual_token}));
  auto back = fx.ask<expected<stored_token>>(fx.storage_owner, storage_get_atom_v,
                                             std::string{"app-a"}, token_key::manual);
  REQUIRE(back);
  CHECK(back->found);
  CHECK(value(fx.acquire()) == config_token);
}

TEST_CASE("a storage factory that throws fails the owner's start with an error, not a crash") {
  token_fixture fx;
  log_capture logs;
  auto svc = std::make_shared<token_services>();
  svc->detach_blocking = false;
  svc->open_storage = []() -> expected<std::shared_ptr<token_storage>> {
    throw std::runtime_error{"disk on fire"};
  };
  auto owner = spawn_token_storage_owner(fx.sys, svc);
  fx.self->send(owner, init_atom_v);
  fx.run();
  bool refused = false;
  fx.self->receive([&](caf::error&) { refused = true; }, [](caf::ok_atom) {},
                   caf::after(0s) >> [] {});
  CHECK(refused);
  CHECK(logs.contains("opening token storage threw: disk on fire"));
}

TEST_CASE("with the storage owner stopped, the chain still answers and the app server survives (ExAtlas defect 16)") {
  token_fixture fx;
  fx.write_config(config_token);
  fx.self->send_exit(fx.storage_owner, caf::exit_reason::kill);
  fx.run();
  auto r = fx.acquire(); // storage is a miss, the config file answers
  CHECK(value(r) == config_token);
  CHECK(fx.acquire()->source == token_source::cache);
  // The writer keeps its own reference to storage: manual tokens still persist.
  CHECK(fx.ask<expected<void>>(fx.server(), set_manual_atom_v, secret{manual_token}));
  CHECK(fx.ask<expected<void>>(fx.server(), invalidate_atom_v));
  std::filesystem::remove(fx.config_dir / "config.yml");
  fx.mint_refusal = error{errc::not_found, "fly: not found on PATH"};
  auto none = fx.acquire(); // neither storage link can be read now
  REQUIRE_FALSE(none);
  CHECK(none.error().code() == errc::no_token_available);
  CHECK(none.error().message().find("storage:") != std::string::npos);
  CHECK(none.error().message().find("manual:") != std::string::npos);
}

TEST_CASE("with the persist workers stopped, set_manual and invalidate are persist_failed, the chain answers, the server survives (ExAtlas defect 16)") {
  token_fixture fx;
  fx.write_config(config_token);
  fx.self->send_exit(fx.writer, caf::exit_reason::kill);
  fx.run();
  CHECK(value(fx.acquire()) == config_token); // its persist goes nowhere; the caller has it
  auto manual = fx.ask<expected<void>>(fx.server(), set_manual_atom_v, secret{manual_token});
  REQUIRE_FALSE(manual);
  CHECK(manual.error().code() == errc::persist_failed);
  auto inv = fx.ask<expected<void>>(fx.server(), invalidate_atom_v);
  REQUIRE_FALSE(inv);
  CHECK(inv.error().code() == errc::persist_failed);
  CHECK(inv.error().message().find("removed from the cache") != std::string::npos);
  auto again = fx.acquire(); // the same server runs the chain again
  CHECK(value(again) == config_token);
  CHECK(again->source == token_source::config);
  // With no writer handle at all, the same answers.
  fx.writer = caf::actor{};
  fx.run();
  CHECK(fx.ask<expected<void>>(fx.server(), set_manual_atom_v, secret{manual_token}).error().code()
        == errc::persist_failed);
}

// -- time ------------------------------------------------------------------------------

TEST_CASE("a cached token expires after the TTL and the chain runs again") {
  token_fixture fx;
  fx.svc->tokens.soft_expiry_lead = 0ms;
  fx.write_config(config_token);
  CHECK(fx.acquire()->source == token_source::config);
  fx.advance(24h - 1s);
  CHECK(fx.acquire()->source == token_source::cache);
  fx.advance(2s);
  CHECK_FALSE(fx.svc->cache->get("app-a", fx.wall_now()));
  auto r = fx.acquire(); // the stored copy has expired too
  CHECK(r->source == token_source::config);
  CHECK(r->expires_at == fx.wall_now() + 24h);
}

TEST_CASE("soft expiry: a new token is fetched one lead before expiry, without any caller") {
  token_fixture fx;
  auto caller = fx.ask_async(fx.server(), acquire_atom_v);
  fx.finish_mint(0, secret{cli_token});
  CHECK(fx.collect<expected<token_record>>(*caller));
  fx.advance(23h - 1s);
  CHECK(fx.mints.size() == 1);
  fx.advance(2s);
  REQUIRE(fx.mints.size() == 2);
  // Until the new token arrives, the old one still answers.
  CHECK(fx.acquire()->value.reveal() == cli_token);
  fx.finish_mint(1, secret{cli_token_2});
  auto now = fx.svc->cache->get("app-a", fx.wall_now());
  REQUIRE(now);
  CHECK(now->value.reveal() == cli_token_2);
  CHECK(fx.stored(token_key::cached)->value.reveal() == cli_token_2);
}

TEST_CASE("soft expiry lead 0 disables the proactive refresh") {
  token_fixture fx;
  fx.svc->tokens.soft_expiry_lead = 0ms;
  auto caller = fx.ask_async(fx.server(), acquire_atom_v);
  fx.finish_mint(0, secret{cli_token});
  fx.advance(24h + 1s);
  CHECK(fx.mints.size() == 1);
}

TEST_CASE("the soft-expiry timer survives cache hits, coalesced answers, manual replies and failures (ExAtlas defect 11)") {
  token_fixture fx;
  auto caller = fx.ask_async(fx.server(), acquire_atom_v);
  auto coalesced = fx.ask_async(fx.server(), acquire_atom_v); // joins the first mint
  REQUIRE(fx.mints.size() == 1);
  fx.finish_mint(0, secret{cli_token});
  CHECK(value(*fx.collect<expected<token_record>>(*caller)) == cli_token);
  CHECK(value(*fx.collect<expected<token_record>>(*coalesced)) == cli_token);
  CHECK(fx.acquire()->source == token_source::cache);
  CHECK(fx.ask<expected<void>>(fx.server(), set_manual_atom_v, secret{manual_token})); // succeeds
  fx.storage->fail_put = true;
  CHECK_FALSE(fx.ask<expected<void>>(fx.server(), set_manual_atom_v, secret{manual_token}));
  CHECK_FALSE(fx.ask<expected<void>>(fx.server(), set_manual_atom_v, secret{"bad"}));
  fx.advance(23h - 1s);
  CHECK(fx.mints.size() == 1); // not early
  fx.advance(2s);
  CHECK(fx.mints.size() == 2); // still armed after all of them
}

// -- callers ---------------------------------------------------------------------------

TEST_CASE("concurrent callers share one acquisition: one CLI run, every caller answered") {
  token_fixture fx;
  std::vector<std::shared_ptr<caf::scoped_actor>> callers;
  for (int i = 0; i < 10; ++i)
    callers.push_back(fx.ask_async(fx.server(), acquire_atom_v));
  REQUIRE(fx.mints.size() == 1);
  fx.finish_mint(0, secret{cli_token});
  for (auto& c : callers) {
    auto r = fx.collect<expected<token_record>>(*c);
    REQUIRE(r);
    CHECK(value(*r) == cli_token);
    CHECK((*r)->source == token_source::cli); // from the one run, none from elsewhere
  }
  CHECK(fx.storage->gets == 1); // one chain run: storage read once, the CLI answered
}

TEST_CASE("the apps of one org share one CLI run and one minted token") {
  token_fixture fx;
  auto a = fx.ask_async(fx.server("app-a"), acquire_atom_v);
  auto b = fx.ask_async(fx.server("app-b"), acquire_atom_v);
  REQUIRE(fx.mints.size() == 1);
  fx.finish_mint(0, secret{cli_token});
  CHECK(value(*fx.collect<expected<token_record>>(*a)) == cli_token);
  CHECK(value(*fx.collect<expected<token_record>>(*b)) == cli_token);
  CHECK(value(fx.acquire("app-c")) == cli_token); // later, still no new run
  CHECK(fx.mints.size() == 1);
}

TEST_CASE("while an acquisition runs, the server answers invalidate and set_manual at once (ExAtlas defect 15)") {
  token_fixture fx;
  auto slow = fx.ask_async(fx.server(), acquire_atom_v);
  REQUIRE(fx.mints.size() == 1);
  CHECK(fx.ask<expected<void>>(fx.server(), set_manual_atom_v, secret{manual_token}));
  CHECK(fx.ask<expected<void>>(fx.server(), invalidate_atom_v));
  CHECK_FALSE(fx.collect<expected<token_record>>(*slow)); // still running
  fx.finish_mint(0, secret{cli_token});
  CHECK(fx.collect<expected<token_record>>(*slow));
  // It began before the invalidate: its callers get it, the cache does not.
  CHECK_FALSE(fx.svc->cache->get("app-a", fx.wall_now()));
}

TEST_CASE("refresh is atomic: nobody who asks after it began gets the old token") {
  token_fixture fx;
  fx.store(token_key::cached, cli_token, fx.wall_now() + 2h);
  CHECK(fx.acquire()->source == token_source::storage);
  auto refresher = fx.ask_async(fx.server(), refresh_atom_v);
  CHECK_FALSE(fx.svc->cache->get("app-a", fx.wall_now())); // readers miss at once
  CHECK_FALSE(fx.stored(token_key::cached));               // and so does storage
  auto later = fx.ask_async(fx.server(), acquire_atom_v);
  REQUIRE(fx.mints.size() == 1);
  fx.finish_mint(0, secret{cli_token_2});
  CHECK(value(*fx.collect<expected<token_record>>(*refresher)) == cli_token_2);
  CHECK(value(*fx.collect<expected<token_record>>(*later)) == cli_token_2);
}

TEST_CASE("a refresh during an acquisition waits for it, then mints anew for itself and later callers") {
  token_fixture fx;
  auto first = fx.ask_async(fx.server(), acquire_atom_v);
  auto refresher = fx.ask_async(fx.server(), refresh_atom_v);
  auto after = fx.ask_async(fx.server(), acquire_atom_v);
  REQUIRE(fx.mints.size() == 1);
  fx.finish_mint(0, secret{cli_token});
  CHECK(value(*fx.collect<expected<token_record>>(*first)) == cli_token);
  REQUIRE(fx.mints.size() == 2); // a refresh never takes the org's minted token
  CHECK(fx.mints[0]->req.org == fx.mints[1]->req.org);
  fx.finish_mint(1, secret{cli_token_2});
  CHECK(value(*fx.collect<expected<token_record>>(*refresher)) == cli_token_2);
  CHECK(value(*fx.collect<expected<token_record>>(*after)) == cli_token_2);
  CHECK(fx.svc->cache->get("app-a", fx.wall_now())->value.reveal() == cli_token_2);
}

TEST_CASE("invalidate removes the cached token and its durable copy (ExAtlas defect 10)") {
  token_fixture fx;
  fx.store(token_key::cached, cli_token, fx.wall_now() + 2h);
  CHECK(fx.acquire()->source == token_source::storage);
  CHECK(fx.ask<expected<void>>(fx.server(), invalidate_atom_v));
  CHECK_FALSE(fx.svc->cache->get("app-a", fx.wall_now()));
  CHECK_FALSE(fx.stored(token_key::cached));
  auto next = fx.ask_async(fx.server(), acquire_atom_v);
  CHECK(fx.mints.size() == 1); // the bad token does not come back from storage
}

TEST_CASE("after invalidate, a CLI-minted token is not handed back: the next acquisition mints anew (ExAtlas defect 10)") {
  token_fixture fx;
  auto first = fx.ask_async(fx.server(), acquire_atom_v);
  REQUIRE(fx.mints.size() == 1);
  fx.finish_mint(0, secret{cli_token});
  CHECK(value(*fx.collect<expected<token_record>>(*first)) == cli_token);
  CHECK(fx.ask<expected<void>>(fx.server(), invalidate_atom_v)); // a 401
  auto next = fx.ask_async(fx.server(), acquire_atom_v);
  REQUIRE(fx.mints.size() == 2); // the minter did not hand back the bad token
  fx.finish_mint(1, secret{cli_token_2});
  auto r = fx.collect<expected<token_record>>(*next);
  REQUIRE(r);
  CHECK(value(*r) == cli_token_2);
  CHECK((*r)->source == token_source::cli);
  CHECK(fx.svc->cache->get("app-a", fx.wall_now())->value.reveal() == cli_token_2);
}

TEST_CASE("after one app's invalidate, the org's other apps share the newly minted token: one run per 401, not per app") {
  token_fixture fx;
  auto a = fx.ask_async(fx.server("app-a"), acquire_atom_v);
  auto b = fx.ask_async(fx.server("app-b"), acquire_atom_v);
  REQUIRE(fx.mints.size() == 1);
  fx.finish_mint(0, secret{cli_token});
  CHECK(value(*fx.collect<expected<token_record>>(*b)) == cli_token);
  CHECK(fx.ask<expected<void>>(fx.server("app-a"), invalidate_atom_v));
  // An app that asks the minter now is not given the forgotten token either.
  auto c = fx.ask_async(fx.server("app-c"), acquire_atom_v);
  REQUIRE(fx.mints.size() == 2);
  auto again = fx.ask_async(fx.server("app-a"), acquire_atom_v);
  CHECK(fx.mints.size() == 2); // joins the run app-c started
  fx.finish_mint(1, secret{cli_token_2});
  CHECK(value(*fx.collect<expected<token_record>>(*c)) == cli_token_2);
  CHECK(value(*fx.collect<expected<token_record>>(*again)) == cli_token_2);
  // app-b keeps the old token until its own 401; then it gets the new one
  // without another run.
  CHECK(fx.acquire("app-b")->value.reveal() == cli_token);
  CHECK(fx.ask<expected<void>>(fx.server("app-b"), invalidate_atom_v));
  CHECK(value(fx.acquire("app-b")) == cli_token_2);
  CHECK(fx.mints.size() == 2);
}

TEST_CASE("set_manual refuses a malformed token, naming the app but not the token") {
  token_fixture fx;
  auto r = fx.ask<expected<void>>(fx.server(), set_manual_atom_v, secret{"fm2_abc"});
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::validation);
  CHECK(r.error().message().find("app-a") != std::string::npos);
  CHECK(r.error().message().find("fm2_abc") == std::string::npos);
  CHECK_FALSE(fx.stored(token_key::manual));
}

TEST_CASE("set_manual stores durably before it answers — a storage failure is persist_failed") {
  token_fixture fx;
  CHECK(fx.ask<expected<void>>(fx.server(), set_manual_atom_v, secret{manual_token}));
  CHECK(fx.stored(token_key::manual)->value.reveal() == manual_token);
  fx.storage->fail_put = true;
  log_capture logs;
  auto r = fx.ask<expected<void>>(fx.server(), set_manual_atom_v, secret{sample_oauth});
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::persist_failed);
  CHECK(logs.contains("manual token for app app-a was not stored"));
  CHECK_FALSE(logs.contains(sample_oauth));
}

TEST_CASE("set_manual replaces a cached manual token, not a token of another link") {
  token_fixture fx;
  fx.mint_refusal = error{errc::not_found, "fly: not found"};
  CHECK(fx.ask<expected<void>>(fx.server(), set_manual_atom_v, secret{manual_token}));
  CHECK(fx.acquire()->value.reveal() == manual_token);
  CHECK(fx.ask<expected<void>>(fx.server(), set_manual_atom_v, secret{sample_oauth}));
  CHECK(fx.acquire()->value.reveal() == sample_oauth);

  token_fixture other;
  other.write_config(config_token);
  CHECK(other.acquire()->source == token_source::config);
  CHECK(other.ask<expected<void>>(other.server(), set_manual_atom_v, secret{manual_token}));
  CHECK(other.acquire()->value.reveal() == config_token);
}

// -- crashes ---------------------------------------------------------------------------

TEST_CASE("an app server's crash keeps the cache") {
  token_fixture fx;
  fx.write_config(config_token);
  CHECK(fx.acquire());
  fx.self->send_exit(fx.server(), caf::exit_reason::kill);
  fx.run();
  CHECK(fx.svc->cache->get("app-a", fx.wall_now())->value.reveal() == config_token);
}

TEST_CASE("the cache owner empties the cache when it exits and when it starts") {
  token_fixture fx;
  fx.write_config(config_token);
  CHECK(fx.acquire());
  fx.self->send_exit(fx.owner, caf::exit_reason::kill);
  fx.run();
  CHECK(fx.svc->cache->size() == 0);
  fx.svc->cache->put("app-z", {secret{cli_token}, token_source::cli, fx.wall_now() + 1h});
  fx.owner = spawn_token_cache_owner(fx.sys, fx.svc);
  fx.run();
  CHECK(fx.svc->cache->size() == 0);
}

TEST_CASE("the minter's exit cancels the CLI runs still going") {
  token_fixture fx;
  auto caller = fx.ask_async(fx.server(), acquire_atom_v);
  REQUIRE(fx.mints.size() == 1);
  fx.self->send_exit(fx.minter, caf::exit_reason::kill);
  fx.run();
  CHECK(fx.mints[0]->cancelled);
  // The app server's request failed: it goes on to the manual link and answers.
  auto r = fx.collect<expected<token_record>>(*caller);
  REQUIRE(r);
  CHECK(r->error().code() == errc::no_token_available);
}

TEST_CASE("a running app server is in the services' registry and leaves it when it exits") {
  token_fixture fx;
  auto s = fx.server();
  fx.run();
  CHECK(fx.svc->find_server("app-a") == s);
  CHECK_FALSE(fx.svc->find_server("app-b"));
  fx.self->send_exit(s, caf::exit_reason::kill);
  fx.run();
  CHECK_FALSE(fx.svc->find_server("app-a"));
}
