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

/// The time spans of options and of Atlas's APIs, in milliseconds; parse_duration() reads their text.
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
  duration spawn_timeout = std::chrono::minutes{10};     ///< cap of one provider spawn (Fly: until `started`)
  duration heartbeat = std::chrono::minutes{1};          ///< a tracked resource's idle check and heartbeat event
  duration terminate_timeout = std::chrono::seconds{30}; ///< one terminate call to a provider
  std::uint32_t terminate_attempts = 3;                  ///< terminate calls before terminate_failed is final
  duration terminate_backoff = std::chrono::seconds{1};  ///< wait before the 2nd attempt; doubles after
  /// Ownership mark written at spawn and required by the Reaper; empty: the host name.
  std::string owner;
  bool reap_dry_run = false; ///< the Reaper only reports what it would terminate
  std::string fly_app;       ///< the Fly app holding Atlas's machines; empty: name_prefix + "compute"
};

/// [node]: `atlas node` (docs/node.md).
struct node_options {
  /// Address (HOST:PORT) of the node's HTTP API.
  std::string listen = "127.0.0.1:4600";
  /// Where the node discovers fly.toml apps.
  std::string project_root = ".";
  std::string tls_cert; ///< PEM certificate chain; with tls_key: HTTPS
  std::string tls_key;  ///< PEM private key
  /// API bearer tokens (SHA-256 hashes, 0600); empty: <tokens.storage_dir>/node_tokens.json
  std::string auth_file;
  /// The HMAC key of signed URLs and sessions (256 random bits, made 0600 at
  /// first start); empty: <tokens.storage_dir>/node_secret
  std::string auth_secret_file;
  duration session_ttl = std::chrono::hours{12}; ///< a dashboard login lasts this long
  duration sse_heartbeat = std::chrono::seconds{15}; ///< a comment line on an idle event stream
  std::uint32_t sse_buffer = 1024; ///< log batches kept per stream for Last-Event-ID resume
  /// A log stream nobody watches keeps its subscription (and its resume
  /// buffer) this long, so a reconnecting client misses nothing.
  duration sse_linger = std::chrono::minutes{1};
  std::uint32_t sse_queue_limit = 256; ///< events queued per client before it is closed as too slow
  std::uint32_t max_connections = 1024; ///< HTTP and SSE connections; more are closed at once
  duration read_timeout = std::chrono::seconds{30}; ///< a whole request, from its first byte
  duration write_timeout = std::chrono::seconds{30}; ///< each write; a client that stops reading is closed
  duration idle_timeout = std::chrono::seconds{60}; ///< a kept-alive connection between requests
  duration shutdown_timeout = std::chrono::seconds{10}; ///< streams and requests get this long at stop
  std::uint32_t caf_port = 0; ///< publish the facade on CAF's network layer; 0: off
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

/// Sets one key from text, as the environment does (flags use it). A bad
/// value is an errc::validation naming `where`, the key, the value and what
/// is allowed; an unknown key names the known ones.
expected<void> set_option(options& o, std::string_view key, const std::string& value,
                          std::string_view where);

/// Every key, in the order of docs/configuration.md.
std::vector<std::string> option_keys();

/// A commented atlas.toml holding every key at its default (`atlas init`).
std::string commented_defaults();

/// One line of `atlas config`: key, value as text (secrets redacted), what it is.
struct option_view {
  /// The dotted key, e.g. "logs.poll_interval".
  std::string key;
  /// Its value as text; secrets as [REDACTED].
  std::string value;
  /// What it is for.
  std::string help;
};
/// `atlas config`'s lines for `o`: every key in option_keys() order, then
/// fly.access_token (its value never shown).
std::vector<option_view> describe(const options& o);

/// The environment variable for a key: "logs.poll_interval" → "ATLAS_LOGS_POLL_INTERVAL".
std::string env_name_for(std::string_view key);

/// "1h30m", "500ms", "2s", "0" → milliseconds; units ms, s, m, h, d.
expected<duration> parse_duration(std::string_view text);
/// The shortest exact spelling: 90000ms → "1m30s", 0 → "0s".
std::string format_duration(duration d);

} // namespace atlas
