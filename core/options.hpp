#pragma once
// Atlas's configuration: defaults, then atlas.toml, then the environment.
// Every key, its default and its environment variable: docs/configuration.md.

#include <atlas/core/expected.hpp>
#include <atlas/core/secret.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atlas {

using duration = std::chrono::milliseconds;

struct fly_options {
  bool enabled = true;
  std::string api_base_url = "https://api.fly.io";         ///< FLY_API_BASE_URL: logs, GraphQL
  std::string flaps_base_url = "https://api.machines.dev"; ///< FLY_FLAPS_BASE_URL: Machines REST
  std::string org;        ///< FLY_ORG / FLY_ORGANIZATION: for `fly tokens create readonly --org`
  std::string config_dir; ///< FLY_CONFIG_DIR; empty means ~/.fly
  std::string cli_path = "fly";
  secret access_token;    ///< FLY_ACCESS_TOKEN, else FLY_API_TOKEN (first one set wins)
  bool access_token_set = false; ///< a variable was set, even to "" (flyctl's rule)
};

struct tokens_options {
  duration ttl = std::chrono::hours{24};
  duration soft_expiry_lead = std::chrono::hours{1}; ///< 0 disables proactive refresh
  duration cli_timeout = std::chrono::seconds{15};
  bool config_file_enabled = true;
  std::string storage_dir; ///< empty: $XDG_STATE_HOME/atlas or ~/.local/state/atlas
};

struct logs_options {
  bool enabled = true;
  duration poll_interval = std::chrono::seconds{2};
  std::uint32_t max_in_flight = 64; ///< unacknowledged batches before a subscriber is evicted
  std::string endpoint = "jsonapi"; ///< "jsonapi" (Fly's) or "ndjson" (ExAtlas's)
};

struct deploys_options {
  duration timeout = std::chrono::minutes{15};
  duration activity_timeout = std::chrono::minutes{5};
  duration absolute_timeout = std::chrono::minutes{30};
  /// A stopped deploy gets SIGINT (flyctl releases its leases), this long,
  /// SIGTERM, this long again, then SIGKILL.
  duration stop_grace = std::chrono::seconds{5};
};

struct orchestrator_options {
  bool enabled = false;
  duration idle_ttl = std::chrono::minutes{30};
  duration reap_interval = std::chrono::minutes{1};
  std::string name_prefix = "atlas-";
};

struct node_options {
  std::string listen = "127.0.0.1:4600";
  std::string project_root = ".";
  /// Port where `atlas node` publishes its logs handle on CAF's network
  /// layer (node/remote_publication.hpp); 0: not published.
  std::uint16_t caf_port = 0;
  /// Address of that publication; BASP has no authentication, so loopback.
  std::string caf_bind = "127.0.0.1";
};

/// Everything configurable. Default-constructed, it holds the defaults.
struct options {
  fly_options fly;
  tokens_options tokens;
  logs_options logs;
  deploys_options deploys;
  orchestrator_options orchestrator;
  node_options node;
  std::string log_level = "info"; ///< trace, debug, info, warn, error, critical, off
};

/// Reads one environment variable; nullopt when it is not set.
using env_lookup = std::function<std::optional<std::string>(const std::string& name)>;

/// The process environment (getenv).
env_lookup process_environment();

struct load_request {
  /// atlas.toml to read. Empty: $ATLAS_CONFIG if set, else ./atlas.toml if it
  /// exists, else none. A path given here or in $ATLAS_CONFIG must exist.
  std::string config_file;
  env_lookup env = process_environment();
};

/// Defaults, overridden by the file, overridden by the environment. A bad
/// value is an errc::validation naming the key, the value and what is allowed.
expected<options> load_options(const load_request& req = {});

/// One line of `atlas config`: key, value as text (secrets redacted), what it is.
struct option_view {
  std::string key;
  std::string value;
  std::string help;
};
std::vector<option_view> describe(const options& o);

/// The environment variable for a key: "logs.poll_interval" → "ATLAS_LOGS_POLL_INTERVAL".
std::string env_name_for(std::string_view key);

/// "1h30m", "500ms", "2s", "0" → milliseconds; units ms, s, m, h, d.
expected<duration> parse_duration(std::string_view text);
/// The shortest exact spelling: 90000ms → "1m30s", 0 → "0s".
std::string format_duration(duration d);

} // namespace atlas
