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

struct fly_app {
  std::string id;
  std::string name;
  std::string status;
  std::string org_slug;
  std::int64_t machine_count = 0;
};

struct fly_machine {
  std::string id;
  std::string name;
  std::string state;
  std::string region;
  std::string instance_id;
  std::string version;
  std::string private_ip;
  std::string created_at;
  std::string updated_at;
  boost::json::object config{}; ///< fly.MachineConfig as Fly sends it
};

/// What create and update send (CreateMachineRequest / UpdateMachineRequest).
struct fly_machine_request {
  std::string name{};   ///< create only: a name is immutable
  std::string region{}; ///< create only
  boost::json::object config{}; ///< full config; "image" is required (no partial updates)
  bool skip_launch = false;
};

struct fly_lease {
  std::string nonce; ///< the holder's secret: send it back to refresh, release or act
  std::string owner;
  std::string description;
  std::string version;
  std::int64_t expires_at = 0; ///< unix seconds
};

struct fly_wait_result {
  std::string state;
  std::string version;
  std::string event_id;
};

struct fly_volume {
  std::string id;
  std::string name;
  std::string state;
  std::string region;
  std::string zone;
  std::int64_t size_gb = 0;
  bool encrypted = true;
  std::string attached_machine_id{};
  std::int64_t snapshot_retention = 0;
  bool auto_backup_enabled = true;
};

struct fly_volume_request {
  std::string name;   ///< lowercase letters, digits and underscores
  std::string region; ///< empty: Fly's choice
  std::int64_t size_gb = 3;
  bool encrypted = true;
};

/// What a volume update changes (UpdateVolumeRequest); unset fields are kept.
struct fly_volume_update {
  std::optional<std::int64_t> snapshot_retention{}; ///< days, 1–60
  std::optional<bool> auto_backup_enabled{};
};

struct fly_volume_snapshot {
  std::string id; ///< vs_…
  std::string status;
  std::string digest;
  std::string created_at;
  std::int64_t size = 0;        ///< bytes
  std::int64_t volume_size = 0; ///< bytes
  std::int64_t retention_days = 0;
};

struct fly_secret {
  std::string name;
  std::string digest;
  std::string created_at;
  std::string updated_at;
  secret value{}; ///< only when asked for (show_values)
};

struct fly_certificate {
  std::string hostname;
  std::string status; ///< "pending_validation", "active", ...
  bool configured = false;
  bool acme_requested = false;
  bool has_custom_certificate = false; ///< one was uploaded (upload_custom_certificate)
};

struct fly_ip_assignment {
  std::string ip;
  std::string region;
  std::string service_name;
  bool shared = false;
  bool egress = false;
};

struct fly_machines_options {
  std::string base_url = "https://api.machines.dev"; ///< fly_options::flaps_base_url
  retry_policy retry{};
  bool pace = true; ///< wait for Fly's rate limits client-side
  std::map<std::string, bucket_spec, std::less<>> limits = {{"get_machine", bucket_spec{5, 10}}};
  bucket_spec default_limit{1, 3};
  /// Pace this share below the table's rates: requests reach Fly with
  /// jitter, and one that arrives a little early at a full-rate pace is a
  /// 429. 0.2: 1 req/s becomes one every 1.25 s (bursts unchanged).
  double pace_headroom = 0.2;
  /// The longest single wait request wait_machine sends (Fly allows 1–60 s;
  /// values outside are clamped). Lower only to loop more often.
  std::chrono::seconds max_wait_per_request{60};
};

class fly_machines_client {
public:
  template <class T>
  using callback = std::function<void(expected<T>)>;

  /// `http` must outlive this client and what it has in flight.
  fly_machines_client(http_client& http, secret token, fly_machines_options opts = {});

  void create_app(const std::string& name, const std::string& org_slug, callback<fly_app> done);
  void get_app(const std::string& name, callback<fly_app> done);
  void list_apps(const std::string& org_slug, callback<std::vector<fly_app>> done);
  void delete_app(const std::string& name, callback<void> done);

  void list_machines(const std::string& app, callback<std::vector<fly_machine>> done);
  void create_machine(const std::string& app, const fly_machine_request& req, callback<fly_machine> done);
  void get_machine(const std::string& app, const std::string& id, callback<fly_machine> done);
  /// `lease_nonce`: needed while the machine is leased.
  void update_machine(const std::string& app, const std::string& id, const fly_machine_request& req,
                      callback<fly_machine> done, const std::string& lease_nonce = {});
  void start_machine(const std::string& app, const std::string& id, callback<void> done);
  void stop_machine(const std::string& app, const std::string& id, callback<void> done);
  void suspend_machine(const std::string& app, const std::string& id, callback<void> done);
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

  void acquire_lease(const std::string& app, const std::string& id, std::chrono::seconds ttl,
                     callback<fly_lease> done);
  /// Extends the lease held with `nonce` by `ttl` from now (POST …/lease
  /// with fly-machine-lease-nonce, as flyctl refreshes); the nonce stays.
  void refresh_lease(const std::string& app, const std::string& id, const std::string& nonce,
                     std::chrono::seconds ttl, callback<fly_lease> done);
  /// The current lease, as others see it: no nonce (errc::not_found without one).
  void get_lease(const std::string& app, const std::string& id, callback<fly_lease> done);
  void release_lease(const std::string& app, const std::string& id, const std::string& nonce,
                     callback<void> done);

  void get_metadata(const std::string& app, const std::string& id,
                    callback<std::map<std::string, std::string>> done);
  void set_metadata(const std::string& app, const std::string& id, const std::string& key,
                    const std::string& value, callback<void> done);
  void delete_metadata(const std::string& app, const std::string& id, const std::string& key,
                       callback<void> done);

  void list_volumes(const std::string& app, callback<std::vector<fly_volume>> done);
  void create_volume(const std::string& app, const fly_volume_request& req, callback<fly_volume> done);
  void get_volume(const std::string& app, const std::string& id, callback<fly_volume> done);
  /// Grows a volume (never shrinks); the answer says whether its machine must restart.
  void extend_volume(const std::string& app, const std::string& id, std::int64_t size_gb,
                     callback<std::pair<fly_volume, bool>> done);
  void delete_volume(const std::string& app, const std::string& id, callback<fly_volume> done);
  /// PUT …/volumes/{id}: snapshot retention and automatic backups.
  void update_volume(const std::string& app, const std::string& id, const fly_volume_update& upd,
                     callback<fly_volume> done);
  void list_snapshots(const std::string& app, const std::string& volume_id,
                      callback<std::vector<fly_volume_snapshot>> done);
  /// Takes a snapshot now (Fly answers no body: list_snapshots shows it).
  void create_snapshot(const std::string& app, const std::string& volume_id, callback<void> done);

  void list_secrets(const std::string& app, bool show_values, callback<std::vector<fly_secret>> done);
  /// Sets (a value) and unsets (nothing) secrets in one call; answers the
  /// new secrets version. Machines pick them up when next updated.
  void set_secrets(const std::string& app, const std::map<std::string, std::optional<secret>>& values,
                   callback<std::int64_t> done);
  void delete_secret(const std::string& app, const std::string& name, callback<std::int64_t> done);

  void list_certificates(const std::string& app, callback<std::vector<fly_certificate>> done);
  /// A Fly-managed (ACME) certificate for `hostname`: pending until DNS is right.
  void request_certificate(const std::string& app, const std::string& hostname, callback<fly_certificate> done);
  /// Your own certificate for `hostname` (PEM chain and key); the key goes
  /// only into the request body, never into a log or an error.
  void upload_custom_certificate(const std::string& app, const std::string& hostname, const std::string& fullchain,
                                 const secret& private_key, callback<fly_certificate> done);
  void get_certificate(const std::string& app, const std::string& hostname, callback<fly_certificate> done);
  void check_certificate(const std::string& app, const std::string& hostname, callback<fly_certificate> done);
  void delete_certificate(const std::string& app, const std::string& hostname, callback<void> done);

  void list_ip_assignments(const std::string& app, callback<std::vector<fly_ip_assignment>> done);
  /// `type`: v4, v6, shared_v4, private_v6, egress_v4, egress_v6.
  void assign_ip(const std::string& app, const std::string& type, const std::string& region,
                 callback<fly_ip_assignment> done);
  void release_ip(const std::string& app, const std::string& ip, callback<void> done);

  struct state;

private:
  std::shared_ptr<state> st_; // shared with calls in flight
};

} // namespace atlas
