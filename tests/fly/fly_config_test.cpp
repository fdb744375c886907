#include <atlas/fly/fly_config.hpp>

#include "../support/sample_tokens.hpp"

#include "../support/fake_env.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

namespace fs = std::filesystem;
using namespace atlas;

namespace {

const std::string& kMac = atlas::test::sample_macaroon_1;
const std::string& kMac2 = atlas::test::sample_macaroon_2;
const std::string& kOauth = atlas::test::sample_oauth;

// A config directory holding `content` as config.yml (or no file when nullopt).
struct config_dir {
  fs::path path;
  explicit config_dir(std::optional<std::string> content) {
    std::random_device rd;
    path = fs::temp_directory_path() / ("atlas-flycfg-" + std::to_string(rd()));
    fs::create_directories(path);
    if (content)
      std::ofstream{path / "config.yml"} << *content;
  }
  ~config_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fly_config_token read() const { return read_fly_config_token(path.string()); }
};

} // namespace

TEST_CASE("access_token is read bare, double-quoted and single-quoted") {
  for (auto line : {"access_token: " + kOauth, "access_token: \"" + kOauth + "\"",
                    "access_token: '" + kOauth + "'"}) {
    config_dir d{"last_login: 2026-01-01T00:00:00Z\n" + line + "\nsend_metrics: true\n"};
    auto r = d.read();
    REQUIRE_MESSAGE(r.token, line);
    CHECK(r.token->reveal() == kOauth);
  }
}

TEST_CASE("a macaroon list with its FlyV1 scheme is read and normalised") {
  config_dir d{"access_token: FlyV1 " + kMac + "," + kMac2 + "\n"};
  auto r = d.read();
  REQUIRE(r.token);
  CHECK(r.token->reveal() == kMac + "," + kMac2);
}

TEST_CASE("missing, empty and malformed files mean no token, with the reason, never a crash") {
  struct no_token_case {
    std::optional<std::string> content;
    std::string says;
  };
  for (auto& [content, says] : std::initializer_list<no_token_case>{
         {std::nullopt, "no file"},
         {"", "is empty"},
         {"access_token: [unclosed\n", "not valid YAML (line"},
         {"- a\n- list\n", "not a YAML mapping"},
         {"send_metrics: true\n", "has no access_token"},
         {"access_token:\n", "has no access_token"},
         {"access_token: \"  \"\n", "blank"},
         {"access_token:\n  nested: map\n", "not text"},
         {"access_token: fm2_tooshort\n", "malformed"},
       }) {
    config_dir d{content};
    auto r = d.read();
    CHECK_FALSE(r.token);
    CHECK_MESSAGE(r.why_none.find(says) != std::string::npos, r.why_none);
  }
}

TEST_CASE("the reason for a malformed token never holds the token") {
  config_dir d{"access_token: \"" + kOauth + " with a blank\"\n"};
  auto r = d.read();
  CHECK_FALSE(r.token);
  CHECK(r.why_none.find(kOauth) == std::string::npos);
  CHECK(r.why_none.find("Zm9v") == std::string::npos);
}

TEST_CASE("the config directory: the option, then FLY_CONFIG_DIR, then ~/.fly") {
  using atlas::test::fake_env;
  CHECK(fly_config_dir(fake_env({{"FLY_CONFIG_DIR", "/c"}, {"HOME", "/h"}}), "/opt") == "/opt");
  CHECK(fly_config_dir(fake_env({{"FLY_CONFIG_DIR", "/c"}, {"HOME", "/h"}})) == "/c");
  CHECK(fly_config_dir(fake_env({{"HOME", "/h"}})) == "/h/.fly");
}
