#pragma once
// Fly's Machines REST API (reference/fly_api.md §1.2–1.3) over Atlas's HTTP
// client: apps, machines, wait, leases, metadata. Typed answers; errors as
// atlas::errc with Fly's own error text; the Authorization header as flyctl
// sends it; paced by Fly's documented rate limits and retried on 429/5xx,
// so a burst of calls does not provoke 429s. Callbacks run on the HTTP
// client's thread (DESIGN.md §1: net/ knows no actors).

#include <atlas/net/http_client.hpp>
#include <atlas/net/rate_limiter.hpp>
#include <atlas/net/retry_policy.hpp>

#include <boost/json/object.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace atlas {

/// `FlyV1 <token>` for macaroons (fm1r_, fm1a_, fm2_), `Bearer <token>`
/// otherwise; a scheme the token already carries is not repeated.
secret fly_authorization(const secret& token);

/// A Fly app as the Machines API describes it (GET /v1/apps/{app_name}).
struct fly_app {
  std::string id;     ///< Fly's app id (like 16 lowercase letters and digits), not the name
  std::string name;   ///< the app's name, unique on Fly; hostname `<name>.fly.dev`
  std::string status; ///< Fly's word: "pending" (create_app's answer), "deployed", "suspended", ...
  std::string org_slug; ///< the owning organization's slug ("personal" for one's own)
  std::int64_t machine_count = 0; ///< as Fly counts them; 0 in create_app's answer
};

/// A Fly Machine (a VM of an app) as the Machines API answers it.
struct fly_machine {
  std::string id;          ///< Fly's machine id (about 14 lowercase hex digits)
  std::string name;        ///< immutable; Fly makes one up ("aged-wind-2649") when create sends none
  std::string state;       ///< created, started, stopped, suspended, failed, destroyed, or a transient one (starting, ...)
  std::string region;      ///< three-letter region code ("iad")
  std::string instance_id; ///< 26-character ULID
  std::string version;     ///< 26-character ULID; each update makes a new version
  std::string private_ip;  ///< the machine's 6PN IPv6 address (fdaa:...)
  std::string created_at;  ///< RFC 3339 text, as Fly sends it
  std::string updated_at;  ///< RFC 3339 text, as Fly sends it
  boost::json::object config{}; ///< fly.MachineConfig as Fly sends it
};

/// What create and update send (CreateMachineRequest / UpdateMachineRequest).
struct fly_machine_request {
  std::string name{};   ///< create only: a name is immutable
  std::string region{}; ///< create only
  boost::json::object config{}; ///< full config; "image" is required (no partial updates)
  bool skip_launch = false; ///< do not start it: a created or updated machine stays `created`
};

/// A lease on a machine: while one is held, changing the machine needs its nonce.
struct fly_lease {
  std::string nonce; ///< the holder's secret: send it back to refresh, release or act
  std::string owner;       ///< who holds it, as Fly names them (an e-mail address)
  std::string description; ///< free text the holder gave
  std::string version;     ///< the lease's version (a ULID), as Fly reports it
  std::int64_t expires_at = 0; ///< unix seconds
};

/// What a wait that succeeded answers (GET …/machines/{id}/wait).
struct fly_wait_result {
  std::string state;    ///< the state that was reached
  std::string version;  ///< the machine's version when it was reached
  std::string event_id; ///< Fly's id of the machine event that ended the wait
};

/// A Fly volume (persistent disk of one region) as the Machines API answers it.
struct fly_volume {
  std::string id;     ///< vol_…
  std::string name;   ///< what a mount names (fly.toml's [mounts] source)
  std::string state;  ///< "created", "destroyed" (delete_volume's answer), or a transient one
  std::string region; ///< three-letter region code
  std::string zone;   ///< the host's zone within the region ("84d3")
  std::int64_t size_gb = 0; ///< GB
  bool encrypted = true;    ///< encrypted at rest
  std::string attached_machine_id{}; ///< the machine it is mounted in; empty: none
  std::int64_t snapshot_retention = 0; ///< days a snapshot is kept
  bool auto_backup_enabled = true;     ///< Fly takes snapshots of it automatically
};

/// What create_volume sends (POST …/volumes).
struct fly_volume_request {
  std::string name;   ///< lowercase letters, digits and underscores
  std::string region; ///< empty: Fly's choice
  std::int64_t size_gb = 3; ///< GB; 3 is Fly's default
  bool encrypted = true;    ///< encrypt at rest (Fly's default)
};

/// What a volume update changes (UpdateVolumeRequest); unset fields are kept.
struct fly_volume_update {
  std::optional<std::int64_t> snapshot_retention{}; ///< days, 1–60
  std::optional<bool> auto_backup_enabled{}; ///< automatic snapshots on or off
};

/// A snapshot of a volume (GET …/volumes/{id}/snapshots).
struct fly_volume_snapshot {
  std::string id; ///< vs_…
  std::string status;     ///< as Fly reports it ("created", ...)
  std::string digest;     ///< as Fly reports it
  std::string created_at; ///< RFC 3339 text, as Fly sends it
  std::int64_t size = 0;        ///< bytes
  std::int64_t volume_size = 0; ///< bytes
  std::int64_t retention_days = 0; ///< days Fly keeps it
};

/// An app secret (GET …/secrets): an environment variable Fly injects into the app's machines.
struct fly_secret {
  std::string name;       ///< the environment variable's name
  std::string digest;     ///< Fly's digest of the value: tells a change without reading the value
  std::string created_at; ///< RFC 3339 text, as Fly sends it
  std::string updated_at; ///< RFC 3339 text, as Fly sends it
  secret value{}; ///< only when asked for (show_values)
};

/// A TLS certificate of an app for one hostname (…/certificates, keyed by hostname).
struct fly_certificate {
  std::string hostname; ///< the custom domain it is for
  std::string status; ///< "pending_validation", "active", ...
  bool configured = false;     ///< Fly found the hostname's DNS set up for the app
  bool acme_requested = false; ///< a Fly-managed (ACME) certificate was requested
  bool has_custom_certificate = false; ///< one was uploaded (upload_custom_certificate)
};

/// An IP address assigned to an app (…/ip_assignments, keyed by the address).
struct fly_ip_assignment {
  std::string ip;           ///< the address as text, IPv4 or IPv6
  std::string region;       ///< where it is announced; "global" or a region code, as Fly answers
  std::string service_name; ///< Fly's service name for it, as answered; may be empty
  bool shared = false;      ///< a shared IPv4 (type shared_v4), not the app's own
  bool egress = false;      ///< an egress address (egress_v4, egress_v6): outgoing traffic, not incoming
};

/// How a fly_machines_client reaches, paces and retries the Machines API.
struct fly_machines_options {
  std::string base_url = "https://api.machines.dev"; ///< fly_options::flaps_base_url
  retry_policy retry{}; ///< for every call: 429 and 5xx are sent again (a retry takes a rate-limit slot too)
  bool pace = true; ///< wait for Fly's rate limits client-side
  /// Fly's documented limits per action, keyed by the client's action
  /// names ("get_machine", "lease", ...) and counted per resource (the
  /// machine or volume a call names, else the app): Get Machine 5 req/s
  /// with bursts of 10.
  std::map<std::string, bucket_spec, std::less<>> limits = {{"get_machine", bucket_spec{5, 10}}};
  bucket_spec default_limit{1, 3}; ///< every action not in `limits`: 1 req/s with bursts of 3
  /// Pace this share below the table's rates: requests reach Fly with
  /// jitter, and one that arrives a little early at a full-rate pace is a
  /// 429. 0.2: 1 req/s becomes one every 1.25 s (bursts unchanged).
  double pace_headroom = 0.2;
  /// The longest single wait request wait_machine sends (Fly allows 1–60 s;
  /// values outside are clamped). Lower only to loop more often.
  std::chrono::seconds max_wait_per_request{60};
};

/// Asynchronous, typed client of the Machines REST API for one token; every
/// call is paced and retried by its options.
class fly_machines_client {
public:
  /// Gets the call's typed answer or its error; runs on the HTTP client's thread.
  template <class T>
  using callback = std::function<void(expected<T>)>;

  /// `http` must outlive this client and what it has in flight.
  fly_machines_client(http_client& http, secret token, fly_machines_options opts = {});

  /// POST /v1/apps in org `org_slug`; Fly answers only the id, so the app
  /// has the name and org sent and status "pending". A taken name: errc::conflict.
  void create_app(const std::string& name, const std::string& org_slug, callback<fly_app> done);
  /// GET /v1/apps/{name}.
  void get_app(const std::string& name, callback<fly_app> done);
  /// GET /v1/apps?org_slug=: the org's apps ("personal": one's own).
  void list_apps(const std::string& org_slug, callback<std::vector<fly_app>> done);
  /// DELETE /v1/apps/{name} (without force).
  void delete_app(const std::string& name, callback<void> done);

  /// GET …/machines: the app's machines.
  void list_machines(const std::string& app, callback<std::vector<fly_machine>> done);
  /// POST …/machines. Fly out of capacity in the region: errc::capacity.
  void create_machine(const std::string& app, const fly_machine_request& req, callback<fly_machine> done);
  /// GET …/machines/{id}.
  void get_machine(const std::string& app, const std::string& id, callback<fly_machine> done);
  /// `lease_nonce`: needed while the machine is leased.
  void update_machine(const std::string& app, const std::string& id, const fly_machine_request& req,
                      callback<fly_machine> done, const std::string& lease_nonce = {});
  /// POST …/machines/{id}/start.
  void start_machine(const std::string& app, const std::string& id, callback<void> done);
  /// POST …/machines/{id}/stop, without a body: Fly's default signal and timeout.
  void stop_machine(const std::string& app, const std::string& id, callback<void> done);
  /// POST …/machines/{id}/suspend.
  void suspend_machine(const std::string& app, const std::string& id, callback<void> done);
  /// POST …/machines/{id}/restart, with Fly's defaults.
  void restart_machine(const std::string& app, const std::string& id, callback<void> done);
  /// `signal`: SIGHUP SIGINT SIGQUIT SIGKILL SIGUSR1 SIGUSR2 SIGTERM.
  void signal_machine(const std::string& app, const std::string& id, const std::string& signal,
                      callback<void> done);
  /// `force`: stop it first if it runs (else Fly refuses a running machine).
  void destroy_machine(const std::string& app, const std::string& id, bool force, callback<void> done,
                       const std::string& lease_nonce = {});

  /// Waits until the machine is in `state` (started, stopped, suspended,
  /// destroyed, failed, settled) or `overall` passes (errc::timeout). Fly caps
  /// one wait at 60 s: longer waits are a loop of them, as flyctl does.
  void wait_machine(const std::string& app, const std::string& id, const std::string& state,
                    duration overall, callback<fly_wait_result> done);

  /// POST …/machines/{id}/lease for `ttl`; the answer's nonce is the holder's.
  /// A lease someone else holds: errc::conflict (409).
  void acquire_lease(const std::string& app, const std::string& id, std::chrono::seconds ttl,
                     callback<fly_lease> done);
  /// Extends the lease held with `nonce` by `ttl` from now (POST …/lease
  /// with fly-machine-lease-nonce, as flyctl refreshes); the nonce stays.
  void refresh_lease(const std::string& app, const std::string& id, const std::string& nonce,
                     std::chrono::seconds ttl, callback<fly_lease> done);
  /// The current lease, as others see it: no nonce (errc::not_found without one).
  void get_lease(const std::string& app, const std::string& id, callback<fly_lease> done);
  /// DELETE …/machines/{id}/lease with the holder's `nonce`.
  void release_lease(const std::string& app, const std::string& id, const std::string& nonce,
                     callback<void> done);

  /// GET …/machines/{id}/metadata: its string entries (others are dropped).
  void get_metadata(const std::string& app, const std::string& id,
                    callback<std::map<std::string, std::string>> done);
  /// POST …/machines/{id}/metadata/{key}: sets one entry.
  void set_metadata(const std::string& app, const std::string& id, const std::string& key,
                    const std::string& value, callback<void> done);
  /// DELETE …/machines/{id}/metadata/{key}.
  void delete_metadata(const std::string& app, const std::string& id, const std::string& key,
                       callback<void> done);

  /// GET …/volumes: the app's volumes.
  void list_volumes(const std::string& app, callback<std::vector<fly_volume>> done);
  /// POST …/volumes; the region is sent only when `req` names one.
  void create_volume(const std::string& app, const fly_volume_request& req, callback<fly_volume> done);
  /// GET …/volumes/{id}.
  void get_volume(const std::string& app, const std::string& id, callback<fly_volume> done);
  /// Grows a volume (never shrinks); the answer says whether its machine must restart.
  void extend_volume(const std::string& app, const std::string& id, std::int64_t size_gb,
                     callback<std::pair<fly_volume, bool>> done);
  /// DELETE …/volumes/{id}; answers the volume, state "destroyed".
  void delete_volume(const std::string& app, const std::string& id, callback<fly_volume> done);
  /// PUT …/volumes/{id}: snapshot retention and automatic backups.
  void update_volume(const std::string& app, const std::string& id, const fly_volume_update& upd,
                     callback<fly_volume> done);
  /// GET …/volumes/{id}/snapshots.
  void list_snapshots(const std::string& app, const std::string& volume_id,
                      callback<std::vector<fly_volume_snapshot>> done);
  /// Takes a snapshot now (Fly answers no body: list_snapshots shows it).
  void create_snapshot(const std::string& app, const std::string& volume_id, callback<void> done);

  /// GET …/secrets: names and digests; with `show_values`, the values too (show_secrets=true).
  void list_secrets(const std::string& app, bool show_values, callback<std::vector<fly_secret>> done);
  /// Sets (a value) and unsets (nothing) secrets in one call; answers the
  /// new secrets version. Machines pick them up when next updated.
  void set_secrets(const std::string& app, const std::map<std::string, std::optional<secret>>& values,
                   callback<std::int64_t> done);
  /// DELETE …/secrets/{name}; answers the new secrets version.
  void delete_secret(const std::string& app, const std::string& name, callback<std::int64_t> done);

  /// GET …/certificates: the page Fly answers by default (no cursor is followed).
  void list_certificates(const std::string& app, callback<std::vector<fly_certificate>> done);
  /// A Fly-managed (ACME) certificate for `hostname`: pending until DNS is right.
  void request_certificate(const std::string& app, const std::string& hostname, callback<fly_certificate> done);
  /// Your own certificate for `hostname` (PEM chain and key); the key goes
  /// only into the request body, never into a log or an error.
  void upload_custom_certificate(const std::string& app, const std::string& hostname, const std::string& fullchain,
                                 const secret& private_key, callback<fly_certificate> done);
  /// GET …/certificates/{hostname}.
  void get_certificate(const std::string& app, const std::string& hostname, callback<fly_certificate> done);
  /// POST …/certificates/{hostname}/check: Fly checks DNS and validation now.
  void check_certificate(const std::string& app, const std::string& hostname, callback<fly_certificate> done);
  /// DELETE …/certificates/{hostname}.
  void delete_certificate(const std::string& app, const std::string& hostname, callback<void> done);

  /// GET …/ip_assignments: the app's addresses.
  void list_ip_assignments(const std::string& app, callback<std::vector<fly_ip_assignment>> done);
  /// `type`: v4, v6, shared_v4, private_v6, egress_v4, egress_v6.
  void assign_ip(const std::string& app, const std::string& type, const std::string& region,
                 callback<fly_ip_assignment> done);
  /// DELETE …/ip_assignments/{ip}.
  void release_ip(const std::string& app, const std::string& ip, callback<void> done);

  struct state;

private:
  std::shared_ptr<state> st_; // shared with calls in flight
};

} // namespace atlas
