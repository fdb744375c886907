#pragma once
// The tokens subtree's actors on CAF's deterministic scheduler: virtual time
// for TTLs and soft expiry, storage in memory (with faults on demand), and a
// fake `fly` whose runs the test completes by hand.

#include "../support/deterministic_fixture.hpp"
#include "../support/faulty_token_storage.hpp"
#include "../support/sample_tokens.hpp"

#include <atlas/actors/app_server.hpp>
#include <atlas/actors/token_cache_owner.hpp>
#include <atlas/actors/token_minter.hpp>
#include <atlas/actors/token_persister.hpp>
#include <atlas/actors/token_storage_owner.hpp>
#include <atlas/actors/init_message.hpp>

#include <doctest/doctest.h>

#include <caf/event_based_actor.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

namespace atlas::test {

using namespace std::chrono_literals;

inline const std::string cli_token = sample_macaroon_1;
inline const std::string cli_token_2 = sample_macaroon_2;
inline const std::string config_token = sample_oauth;
inline const std::string manual_token = sample_legacy;
inline const std::string env_token = "fo1_ZW52aXJvbm1lbnR0b2tlbnZhbHVlMTIz";

struct token_fixture : deterministic_fixture {
  struct mint_call {
    token_cli_request req;
    std::function<void(expected<secret>)> done;
    bool cancelled = false;
  };

  std::shared_ptr<faulty_token_storage> storage = std::make_shared<faulty_token_storage>();
  std::shared_ptr<token_services> svc = std::make_shared<token_services>();
  std::vector<std::shared_ptr<mint_call>> mints;
  error mint_refusal{errc::internal, ""}; ///< set a code other than internal to refuse starts
  std::filesystem::path config_dir;
  token_record::clock::time_point base =
    token_record::clock::time_point{std::chrono::seconds{1'795'000'000}};
  caf::actor_clock::time_point start = now();
  caf::actor owner, storage_owner, writer, minter;

  token_fixture() {
    config_dir = std::filesystem::temp_directory_path()
                 / ("atlas-app-server-test-" + std::to_string(::getpid()) + "-"
                    + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(config_dir);
    svc->fly.org = "acme";
    svc->fly_config_dir = config_dir.string();
    svc->detach_blocking = false;
    svc->now_fn = [this] { return wall_now(); };
    svc->open_storage = [s = storage]() -> expected<std::shared_ptr<token_storage>> {
      return std::shared_ptr<token_storage>{s};
    };
    svc->mint = [this](const token_cli_request& req, std::function<void(expected<secret>)> done)
      -> expected<std::function<void()>> {
      if (mint_refusal.code() != errc::internal)
        return mint_refusal;
      auto call = std::make_shared<mint_call>(mint_call{req, std::move(done)});
      mints.push_back(call);
      return std::function<void()>{[call] { call->cancelled = true; }};
    };
    owner = spawn_token_cache_owner(sys, svc);
    storage_owner = spawn_token_storage_owner(sys, svc);
    self->send(storage_owner, init_atom_v);
    run();
    self->receive([](caf::ok_atom) {}, caf::after(0s) >> [] { FAIL("storage did not open"); });
    writer = spawn_token_persister(sys, svc);
    minter = spawn_token_minter(sys, svc);
    run();
  }

  ~token_fixture() {
    for (auto& a : servers)
      self->send_exit(a.second, caf::exit_reason::kill);
    for (auto* a : {&minter, &writer, &storage_owner, &owner})
      self->send_exit(*a, caf::exit_reason::kill);
    run();
    std::error_code ec;
    std::filesystem::remove_all(config_dir, ec);
  }

  token_record::clock::time_point wall_now() const { return base + (now() - start); }

  std::map<std::string, caf::actor> servers;
  caf::actor server(const std::string& app = "app-a") {
    auto& s = servers[app];
    if (!s)
      s = spawn_app_server(sys, svc, app);
    return s;
  }

  void write_config(const std::string& token) {
    std::ofstream{config_dir / "config.yml"} << "access_token: " << token << "\n";
  }
  void set_env(const std::string& token) {
    svc->fly.access_token = secret{token};
    svc->fly.access_token_set = true;
  }
  void store(token_key key, const std::string& token, token_record::clock::time_point exp,
             const std::string& app = "app-a") {
    REQUIRE(storage->put(app, key,
                         token_record{secret{token},
                                      key == token_key::manual ? token_source::manual
                                                               : token_source::cli,
                                      exp}));
  }
  std::optional<token_record> stored(token_key key, const std::string& app = "app-a") {
    auto r = storage->get(app, key);
    REQUIRE(r);
    return *r;
  }

  /// Completes the i-th `fly` run with `token` (or an error).
  void finish_mint(std::size_t i, expected<secret> token) {
    REQUIRE(i < mints.size());
    mints[i]->done(std::move(token));
    run();
  }

  /// Sends `msg` from a fresh caller; returns the caller to collect() later.
  template <class... Ts>
  std::shared_ptr<caf::scoped_actor> ask_async(const caf::actor& dest, Ts&&... xs) {
    auto caller = std::make_shared<caf::scoped_actor>(sys, true);
    (*caller)->send(dest, std::forward<Ts>(xs)...);
    run();
    return caller;
  }

  template <class T>
  std::optional<T> collect(caf::scoped_actor& caller) {
    std::optional<T> out;
    caller->receive([&](T& x) { out = std::move(x); }, caf::after(0s) >> [] {});
    return out;
  }

  template <class T, class... Ts>
  T ask(const caf::actor& dest, Ts&&... xs) {
    auto caller = ask_async(dest, std::forward<Ts>(xs)...);
    auto r = collect<T>(*caller);
    REQUIRE_MESSAGE(r.has_value(), "no answer (yet)");
    return std::move(*r);
  }

  expected<token_record> acquire(const std::string& app = "app-a") {
    return ask<expected<token_record>>(server(app), acquire_atom_v);
  }
};

} // namespace atlas::test
