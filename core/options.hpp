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

/// [fly]: the Fly APIs, flyctl and the token of the environment.
struct fly_options {
  /// Start the Fly subtree (tokens, logs, deploys).
  bool enabled = true;
  std::string api_base_url = "https://api.fly.io";         ///< FLY_API_BASE_URL: logs, GraphQL
  std::string flaps_base_url = "https://api.machines.dev"; ///< FLY_FLAPS_BASE_URL: Machines REST
  std::string org;        ///< FLY_ORG / FLY_ORGANIZATION: for `fly tokens create readonly --org`
  std::string config_dir; ///< FLY_CONFIG_DIR; empty means ~/.fly
  /// The fly executable; found on PATH when not absolute.
  std::string cli_path = "fly";
  secret access_token;    ///< FLY_ACCESS_TOKEN, else FLY_API_TOKEN (first one set wins)
  bool access_token_set = false; ///< a variable was set, even to "" (flyctl's rule)
};

/// [tokens]: the token chain and its storage.
struct tokens_options {
  /// How long a config or CLI token is cached.
  duration ttl = std::chrono::hours{24};
  duration soft_expiry_lead = std::chrono::hours{1}; ///< 0 disables proactive refresh
  /// `fly tokens create` is killed after this long.
  duration cli_timeout = std::chrono::seconds{15};
  /// Read ~/.fly/config.yml (or $FLY_CONFIG_DIR/config.yml).
  bool config_file_enabled = true;
  std::string storage_dir; ///< empty: $XDG_STATE_HOME/atlas or ~/.local/state/atlas
};

/// [logs]: live log streaming.
struct logs_options {
  /// Start the logs subtree.
  bool enabled = true;
  /// Time between polls of one app's logs.
  duration poll_interval = std::chrono::seconds{2};
  std::uint32_t max_in_flight = 64; ///< unacknowledged batches before a subscriber is evicted
  std::string endpoint = "jsonapi"; ///< "jsonapi" (Fly's) or "ndjson" (ExAtlas's)
};

/// [deploys]: `fly deploy` runs.
struct deploys_options {
  /// Cap of a whole (non-streamed) deploy.
  duration timeout = std::chrono::minutes{15};
  /// A streamed deploy silent this long is stopped.
  duration activity_timeout = std::chrono::minutes{5};
  /// A streamed deploy running this long is stopped.
  duration absolute_timeout = std::chrono::minutes{30};
  /// A stopped deploy gets SIGINT (flyctl releases its leases), this long,
  /// SIGTERM, this long again, then SIGKILL.
  duration stop_grace = std::chrono::seconds{5};
};

/// [orchestrator]: tracked compute resources (opt-in).
struct orchestrator_options {
  /// Start the orchestrator subtree.
  bool enabled = false;
  /// A tracked resource untouched this long is terminated.
  duration idle_ttl = std::chrono::minutes{30};
  /// Time between Reaper passes.
  duration reap_interval = std::chrono::minutes{1};
  /// Safety prefix of every resource Atlas creates.
  std::string name_prefix = "atlas-";
};

/// [node]: `atlas node`.
struct node_options {
  /// Address (HOST:PORT) of the node's HTTP API.
  std::string listen = "127.0.0.1:4600";
  /// Where the node discovers fly.toml apps.
  std::string project_root = ".";
  /// Port where `atlas node` publishes its logs handle on CAF's network
  /// layer (node/remote_publication.hpp); 0: not published.
  std::uint16_t caf_port = 0;
  /// Address of that publication; BASP has no authentication, so loopback.
  std::string caf_bind = "127.0.0.1";
};

/// Everything configurable. Default-constructed, it holds the defaults.
struct options {
  /// [fly]
  fly_options fly;
  /// [tokens]
  tokens_options tokens;
  /// [logs]
  logs_options logs;
  /// [deploys]
  deploys_options deploys;
  /// [orchestrator]
  orchestrator_options orchestrator;
  /// [node]
  node_options node;
  std::string log_level = "info"; ///< trace, debug, info, warn, error, critical, off
};

/// Reads one environment variable; nullopt when it is not set.
using env_lookup = std::function<std::optional<std::string>(const std::string& name)>;

/// The process environment (getenv).
env_lookup process_environment();

/// What load_options() reads.
struct load_request {
  /// atlas.toml to read. Empty: $ATLAS_CONFIG if set, else ./atlas.toml if it
  /// exists, else none. A path given here or in $ATLAS_CONFIG must exist.
  std::string config_file;
  /// Where environment variables come from.
  env_lookup env = process_environment();
};

/// Defaults, overridden by the file, overridden by the environment. A bad
/// value is an errc::validation naming the key, the value and what is allowed.
expected<options> load_options(const load_request& req = {});

/// One line of `atlas config`: key, value as text (secrets redacted), what it is.
struct option_view {
  /// The dotted key, e.g. "logs.poll_interval".
  std::string key;
  /// Its value as text; secrets as [REDACTED].
  std::string value;
  /// What it is for.
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
