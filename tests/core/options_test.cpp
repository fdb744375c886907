#include <atlas/core/options.hpp>

#include "../support/fake_env.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

using namespace std::chrono_literals;
using atlas::errc;
using atlas::load_options;

namespace {

using atlas::test::fake_env;

// A TOML file in a fresh temporary directory, removed afterwards.
struct temp_toml {
  std::filesystem::path dir;
  std::filesystem::path path;
  explicit temp_toml(const std::string& text) {
    std::random_device rd;
    dir = std::filesystem::temp_directory_path() / ("atlas-options-" + std::to_string(rd()));
    std::filesystem::create_directories(dir);
    path = dir / "atlas.toml";
    std::ofstream{path} << text;
  }
  ~temp_toml() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

atlas::expected<atlas::options> load(const std::string& toml,
                                     std::map<std::string, std::string> vars = {}) {
  temp_toml f{toml};
  return load_options({.config_file = f.path.string(), .env = fake_env(std::move(vars))});
}

} // namespace

TEST_CASE("with no file and no environment, the defaults are ExAtlas's") {
  auto o = load_options({.config_file = "", .env = fake_env({})});
  REQUIRE(o);
  CHECK(o->tokens.ttl == 24h);
  CHECK(o->tokens.soft_expiry_lead == 1h);
  CHECK(o->tokens.cli_timeout == 15s);
  CHECK(o->logs.poll_interval == 2s);
  CHECK(o->logs.max_in_flight == 64);
  CHECK(o->deploys.timeout == 15min);
  CHECK(o->deploys.activity_timeout == 5min);
  CHECK(o->deploys.absolute_timeout == 30min);
  CHECK(o->deploys.stop_grace == 5s);
  CHECK(o->orchestrator.idle_ttl == 30min);
  CHECK(o->orchestrator.reap_interval == 60s);
  CHECK(o->orchestrator.name_prefix == "atlas-");
  CHECK_FALSE(o->orchestrator.enabled);
  CHECK(o->fly.flaps_base_url == "https://api.machines.dev");
  CHECK(o->node.listen == "127.0.0.1:4600");
}

TEST_CASE("atlas.toml overrides the defaults") {
  auto o = load(R"(
[logs]
poll_interval = "500ms"   # faster
max_in_flight = 8
endpoint = "ndjson"
[tokens]
soft_expiry_lead = "0"
[orchestrator]
enabled = true
[log]
level = "debug"
)");
  REQUIRE(o);
  CHECK(o->logs.poll_interval == 500ms);
  CHECK(o->logs.max_in_flight == 8);
  CHECK(o->logs.endpoint == "ndjson");
  CHECK(o->tokens.soft_expiry_lead == 0s);
  CHECK(o->orchestrator.enabled);
  CHECK(o->log_level == "debug");
}

TEST_CASE("ATLAS_* variables override atlas.toml") {
  auto o = load("[logs]\npoll_interval = \"5s\"\n",
                {{"ATLAS_LOGS_POLL_INTERVAL", "250ms"}, {"ATLAS_FLY_ENABLED", "false"}});
  REQUIRE(o);
  CHECK(o->logs.poll_interval == 250ms);
  CHECK_FALSE(o->fly.enabled);
}

TEST_CASE("Fly's own variables are read as flyctl reads them") {
  auto o = load_options({.config_file = "",
                         .env = fake_env({{"FLY_API_BASE_URL", "http://127.0.0.1:9"},
                                        {"FLY_FLAPS_BASE_URL", "http://127.0.0.1:8"},
                                        {"FLY_CONFIG_DIR", "/tmp/flycfg"},
                                        {"FLY_ORGANIZATION", "acme"},
                                        {"FLY_API_TOKEN", "fo1_fromapitoken"}})});
  REQUIRE(o);
  CHECK(o->fly.api_base_url == "http://127.0.0.1:9");
  CHECK(o->fly.flaps_base_url == "http://127.0.0.1:8");
  CHECK(o->fly.config_dir == "/tmp/flycfg");
  CHECK(o->fly.org == "acme");
  CHECK(o->fly.access_token.reveal() == "fo1_fromapitoken");
}

TEST_CASE("FLY_ACCESS_TOKEN wins over FLY_API_TOKEN even when set but empty") {
  auto both = load_options({.config_file = "",
                            .env = fake_env({{"FLY_ACCESS_TOKEN", "fo1_access"},
                                           {"FLY_API_TOKEN", "fo1_api"}})});
  REQUIRE(both);
  CHECK(both->fly.access_token.reveal() == "fo1_access");
  auto empty = load_options({.config_file = "",
                             .env = fake_env({{"FLY_ACCESS_TOKEN", ""}, {"FLY_API_TOKEN", "fo1_api"}})});
  REQUIRE(empty);
  CHECK(empty->fly.access_token_set);
  CHECK(empty->fly.access_token.empty());
  auto none = load_options({.config_file = "", .env = fake_env({})});
  CHECK_FALSE(none->fly.access_token_set);
}

TEST_CASE("a bad value names the key, the value and what is allowed") {
  auto bad = load("[logs]\npoll_interval = \"2x\"\n");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == errc::validation);
  auto msg = bad.error().message();
  CHECK(msg.find("atlas.toml:2") != std::string::npos);
  CHECK(msg.find("logs.poll_interval = \"2x\"") != std::string::npos);
  CHECK(msg.find("500ms") != std::string::npos);

  auto env_bad = load("", {{"ATLAS_LOGS_MAX_IN_FLIGHT", "lots"}});
  REQUIRE_FALSE(env_bad);
  CHECK(env_bad.error().message()
        == "ATLAS_LOGS_MAX_IN_FLIGHT: logs.max_in_flight = \"lots\": expected a whole number");

  auto zero = load("[logs]\nmax_in_flight = 0\n");
  REQUIRE_FALSE(zero);
  CHECK(zero.error().message().find("must be at least 1") != std::string::npos);

  auto choice = load("[logs]\nendpoint = \"grpc\"\n");
  REQUIRE_FALSE(choice);
  CHECK(choice.error().message().find("expected one of: jsonapi ndjson") != std::string::npos);

  auto url = load("[fly]\nflaps_base_url = \"api.machines.dev\"\n");
  REQUIRE_FALSE(url);
  CHECK(url.error().message().find("http:// or https://") != std::string::npos);

  auto listen = load("[node]\nlisten = \"127.0.0.1:99999\"\n");
  REQUIRE_FALSE(listen);
  CHECK(listen.error().message().find("port from 0 to 65535") != std::string::npos);

  auto level = load("[log]\nlevel = \"verbose\"\n");
  REQUIRE_FALSE(level);
  CHECK(level.error().message().find("trace debug info") != std::string::npos);
}

TEST_CASE("a value of the wrong TOML type says which type the key wants") {
  auto b = load("[fly]\nenabled = \"yes\"\n");
  REQUIRE_FALSE(b);
  CHECK(b.error().message().find("fly.enabled: expected true or false") != std::string::npos);
  auto d = load("[logs]\npoll_interval = 2\n");
  REQUIRE_FALSE(d);
  CHECK(d.error().message().find("expected a duration string") != std::string::npos);
}

TEST_CASE("an unknown key or section is refused with the known ones listed") {
  auto typo = load("[logs]\npol_interval = \"2s\"\n");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().message().find("unknown key 'logs.pol_interval'") != std::string::npos);
  CHECK(typo.error().message().find("poll_interval") != std::string::npos);
  auto section = load("[loggs]\nx = 1\n");
  REQUIRE_FALSE(section);
  CHECK(section.error().message().find("[logs]") != std::string::npos);
  auto top = load("poll_interval = \"2s\"\n");
  REQUIRE_FALSE(top);
  CHECK(top.error().message().find("unknown top-level key 'poll_interval'") != std::string::npos);
}

TEST_CASE("malformed TOML is reported with its line and column") {
  auto bad = load("[logs\npoll_interval = \"2s\"\n");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().find("atlas.toml:1:") != std::string::npos);
  CHECK(bad.error().message().find("not valid TOML") != std::string::npos);
}

TEST_CASE("a configuration file named explicitly or by ATLAS_CONFIG must exist") {
  auto missing = load_options({.config_file = "/nonexistent/atlas.toml", .env = fake_env({})});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == errc::not_found);
  CHECK(missing.error().message().find("/nonexistent/atlas.toml") != std::string::npos);
  auto by_env = load_options({.config_file = "", .env = fake_env({{"ATLAS_CONFIG", "/nonexistent/a.toml"}})});
  REQUIRE_FALSE(by_env);
  CHECK(by_env.error().message().find("ATLAS_CONFIG") != std::string::npos);
}

TEST_CASE("durations parse with units and print in their shortest exact form") {
  CHECK(*atlas::parse_duration("1h30m") == 90min);
  CHECK(*atlas::parse_duration("500ms") == 500ms);
  CHECK(*atlas::parse_duration("2d") == 48h);
  CHECK(*atlas::parse_duration("0") == 0ms);
  for (auto bad : {"", "2", "2x", "-1s", "1.5s", "s", "99999999999999999999d"})
    CHECK_MESSAGE(!atlas::parse_duration(bad), bad);
  CHECK(atlas::format_duration(90min) == "1h30m");
  CHECK(atlas::format_duration(1500ms) == "1s500ms");
  CHECK(atlas::format_duration(0ms) == "0s");
  for (atlas::duration d : {atlas::duration{1ms}, atlas::duration{59s}, atlas::duration{61min},
                            atlas::duration{25h}, atlas::duration{86400001ms}})
    CHECK(*atlas::parse_duration(atlas::format_duration(d)) == d);
}

TEST_CASE("environment names are derived from keys") {
  CHECK(atlas::env_name_for("logs.poll_interval") == "ATLAS_LOGS_POLL_INTERVAL");
  CHECK(atlas::env_name_for("fly.enabled") == "ATLAS_FLY_ENABLED");
}

TEST_CASE("describe lists every key and never shows the Fly token") {
  auto o = load_options({.config_file = "", .env = fake_env({{"FLY_API_TOKEN", "fo1_secretvalue"}})});
  REQUIRE(o);
  auto lines = atlas::describe(*o);
  bool saw_poll = false, saw_token = false;
  for (auto& l : lines) {
    CHECK(l.value.find("fo1_secretvalue") == std::string::npos);
    CHECK_FALSE(l.help.empty());
    saw_poll |= l.key == "logs.poll_interval" && l.value == "2s";
    saw_token |= l.key == "fly.access_token" && l.value == "[REDACTED]";
  }
  CHECK(saw_poll);
  CHECK(saw_token);
}

TEST_CASE("docs/configuration.md documents every key") {
  std::ifstream in{std::string{ATLAS_SOURCE_DIR} + "/docs/configuration.md"};
  REQUIRE(in);
  std::string doc{std::istreambuf_iterator<char>{in}, {}};
  for (auto& l : atlas::describe(atlas::options{}))
    CHECK_MESSAGE(doc.find("| `" + l.key + "` |") != std::string::npos, l.key);
}

TEST_CASE("commented_defaults loads as the defaults, and uncommenting a key sets it") {
  auto text = atlas::commented_defaults();
  for (auto& key : atlas::option_keys())
    CHECK_MESSAGE(text.find("# " + key.substr(key.find('.') + 1) + " = ") != std::string::npos, key);
  auto as_is = load(text);
  REQUIRE(as_is);
  CHECK(atlas::describe(*as_is).size() == atlas::describe(atlas::options{}).size());
  for (std::size_t i = 0; i < atlas::describe(*as_is).size(); ++i)
    CHECK(atlas::describe(*as_is)[i].value == atlas::describe(atlas::options{})[i].value);
  auto pos = text.find("# sse_buffer = 1024");
  REQUIRE(pos != std::string::npos);
  text.replace(pos, 19, "sse_buffer = 7");
  auto changed = load(text);
  REQUIRE(changed);
  CHECK(changed->node.sse_buffer == 7);
}

TEST_CASE("set_option sets a key as the environment would and names the flag when a value is bad") {
  atlas::options o;
  REQUIRE(atlas::set_option(o, "node.listen", "127.0.0.1:0", "--listen"));
  CHECK(o.node.listen == "127.0.0.1:0");
  REQUIRE(atlas::set_option(o, "node.sse_heartbeat", "2s", "--sse-heartbeat"));
  CHECK(o.node.sse_heartbeat == 2s);
  auto bad = atlas::set_option(o, "logs.poll_interval", "2x", "--logs-poll-interval");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().starts_with("--logs-poll-interval: logs.poll_interval = \"2x\""));
  auto port = atlas::set_option(o, "node.caf_port", "70000", "--caf-port");
  REQUIRE_FALSE(port);
  CHECK(port.error().message().find("65535") != std::string::npos);
  auto unknown = atlas::set_option(o, "node.nope", "1", "--nope");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message().find("known keys in [node]") != std::string::npos);
}

TEST_CASE("node.caf_port and node.caf_bind: off and loopback by default, set by file or environment, a bad port refused") {
  auto d = load("");
  REQUIRE(d);
  CHECK(d->node.caf_port == 0);
  CHECK(d->node.caf_bind == "127.0.0.1");
  auto f = load("[node]\ncaf_port = 4601\ncaf_bind = \"0.0.0.0\"\n");
  REQUIRE(f);
  CHECK(f->node.caf_port == 4601);
  CHECK(f->node.caf_bind == "0.0.0.0");
  auto e = load("", {{"ATLAS_NODE_CAF_PORT", "4602"}});
  REQUIRE(e);
  CHECK(e->node.caf_port == 4602);
  auto bad = load("[node]\ncaf_port = 70000\n");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().find("node.caf_port") != std::string::npos);
  CHECK(bad.error().message().find("port from 0 (off) to 65535") != std::string::npos);
  auto empty = load("", {{"ATLAS_NODE_CAF_BIND", ""}});
  REQUIRE_FALSE(empty);
  CHECK(empty.error().message().find("expected an IP address") != std::string::npos);
}
