#pragma once
// The apps and Machines of the simulated Fly (reference/fly_api.md §1.2–1.3):
// what each call answers and how a machine moves between states. No I/O and
// no clock of its own: the simulator serializes calls, runs the transitions
// it is given back after their delay, and answers `wait`s.

#include <atlas/core/options.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace atlas::sim {

/// A status and a JSON body (null: no body), or a body in another format.
struct reply {
  int status = 200;          ///< HTTP status to answer
  boost::json::value body{}; ///< JSON body; null: none
  std::string text{};         ///< used instead of `body` when not empty
  std::string content_type{}; ///< of `text`
};

/// A machine's move to state `to` after `after`, if nothing has changed it
/// in between (`epoch`).
struct transition {
  std::string app;         ///< the machine's app
  std::string machine;     ///< the machine's id
  std::uint64_t epoch = 0; ///< the machine's change count when this was scheduled
  std::string to;          ///< the state to move to
  duration after{0};       ///< how long after scheduling (0: at once)
  std::string then{}; ///< a further state, one transition time after `to`
};

/// What a call answers, and the state moves it scheduled.
struct outcome {
  reply answer;                   ///< what to answer the request
  std::vector<transition> next{}; ///< for the simulator to apply() after their delay
};

/// Fly's error body: {"error": text} plus "status" when Fly sends one.
reply fly_error(int status, std::string text, std::string fly_status = {});

/// The simulated Fly's apps, machines, leases, metadata, volumes, secrets,
/// certificates and IP addresses, one call of the Machines API per method.
/// Not thread-safe: the simulator serializes calls. `body` is the parsed
/// request body; a method answers what Fly would, errors included.
class machines_model {
public:
  /// `org`: the one organization's slug (org_slug "personal" means it too);
  /// `transition_time`: how long a transient state (starting, stopping, ...) lasts.
  machines_model(std::string org, duration transition_time);

  /// POST /v1/apps: `app_name` or `name`, 201; a taken name 422 name_taken.
  outcome create_app(const boost::json::value& body);
  /// GET /v1/apps/{app}: status "deployed" while it has a machine not destroyed, else "pending".
  outcome get_app(const std::string& app) const;
  /// GET /v1/apps?org_slug=: all apps for the model's org or "personal", none for another; 400 without one.
  outcome list_apps(const std::string& org_slug) const;
  /// DELETE /v1/apps/{app}: 202, machines and all with it.
  outcome delete_app(const std::string& app);
  /// Whether an app of that name exists.
  bool has_app(const std::string& app) const;

  /// Query filters: include_deleted, state (comma list), region, metadata.K=V.
  outcome list_machines(const std::string& app, const std::multimap<std::string, std::string>& query) const;
  /// POST …/machines: `config.image` required; created → starting → started
  /// (stays created with skip_launch).
  outcome create_machine(const std::string& app, const boost::json::value& body);
  /// GET …/machines/{id}.
  outcome get_machine(const std::string& app, const std::string& id) const;
  /// `nonce`: the fly-machine-lease-nonce header (empty: none).
  outcome update_machine(const std::string& app, const std::string& id, const boost::json::value& body,
                         const std::string& nonce);
  /// POST …/start from created, stopped, suspended or failed (else 412): starting → started.
  outcome start(const std::string& app, const std::string& id, const std::string& nonce);
  /// POST …/stop: stopping → stopped; already stopped or stopping: nothing moves.
  outcome stop(const std::string& app, const std::string& id, const std::string& nonce);
  /// POST …/suspend of a started machine (else 412): suspending → suspended.
  outcome suspend(const std::string& app, const std::string& id, const std::string& nonce);
  /// POST …/restart of a started machine (else 412): restarting → started.
  outcome restart(const std::string& app, const std::string& id, const std::string& nonce);
  /// POST …/signal (`signal`: a name, or 9 or 15) to a started machine;
  /// SIGKILL, SIGTERM and SIGINT stop it.
  outcome signal(const std::string& app, const std::string& id, const boost::json::value& body,
                 const std::string& nonce);
  /// DELETE …/machines/{id}: one not created, stopped, suspended or failed
  /// needs `force` (else 412); destroying → destroyed.
  outcome destroy(const std::string& app, const std::string& id, bool force, const std::string& nonce);

  /// POST …/lease (`ttl` seconds, 30 when absent): 201 with a new nonce, or
  /// the same one when `nonce` is the holder's (a refresh); another holder's: 409.
  outcome acquire_lease(const std::string& app, const std::string& id, const boost::json::value& body,
                        const std::string& nonce);
  /// GET …/lease without its nonce; 404 when none is held.
  outcome get_lease(const std::string& app, const std::string& id) const;
  /// DELETE …/lease: releases it if `nonce` is the holder's (else 409).
  outcome release_lease(const std::string& app, const std::string& id, const std::string& nonce);

  /// GET …/metadata: the config's metadata object.
  outcome get_metadata(const std::string& app, const std::string& id) const;
  /// POST …/metadata/{key} with `{"value": string}`: 204.
  outcome set_metadata(const std::string& app, const std::string& id, const std::string& key,
                       const boost::json::value& body, const std::string& nonce);
  /// DELETE …/metadata/{key}: 204, whether it was there or not.
  outcome delete_metadata(const std::string& app, const std::string& id, const std::string& key,
                          const std::string& nonce);

  // Volumes (reference/fly_api.md §1.4).
  /// GET …/volumes, without destroyed ones.
  outcome list_volumes(const std::string& app) const;
  /// POST …/volumes: `name` (lowercase letters, digits, `_`, at most 30),
  /// `size_gb` 1–500 (default 3), `encrypted`, `fstype` ext4 or raw.
  outcome create_volume(const std::string& app, const boost::json::value& body);
  /// GET …/volumes/{id}.
  outcome get_volume(const std::string& app, const std::string& id) const;
  /// PUT …/volumes/{id}: `snapshot_retention` (1–60 days) and `auto_backup_enabled`.
  outcome update_volume(const std::string& app, const std::string& id, const boost::json::value& body);
  /// PUT …/volumes/{id}/extend: grow only, at most 500 GB (else 400); needs_restart is false.
  outcome extend_volume(const std::string& app, const std::string& id, const boost::json::value& body);
  /// DELETE …/volumes/{id}: 200 with the volume, state "destroyed".
  outcome delete_volume(const std::string& app, const std::string& id);
  /// GET …/volumes/{id}/snapshots.
  outcome list_snapshots(const std::string& app, const std::string& id) const;
  /// POST …/volumes/{id}/snapshots: takes one (status "created"), 200 without a body.
  outcome create_snapshot(const std::string& app, const std::string& id);

  // Secrets (§1.5).
  /// GET …/secrets; values only with `show_values` (show_secrets=true).
  outcome list_secrets(const std::string& app, bool show_values) const;
  /// POST …/secrets `{"values": {NAME: string or null}}`: sets and unsets
  /// at once, all or none; counts the app's secrets version.
  outcome set_secrets(const std::string& app, const boost::json::value& body);
  /// GET …/secrets/{name}, without its value.
  outcome get_secret(const std::string& app, const std::string& name) const;
  /// POST …/secrets/{name} `{"value"}`: 201; counts the secrets version.
  outcome set_secret(const std::string& app, const std::string& name, const boost::json::value& body);
  /// DELETE …/secrets/{name}: answers the new secrets version.
  outcome delete_secret(const std::string& app, const std::string& name);

  // Certificates, by hostname (§1.6), and IP assignments (§1.7).
  /// GET …/certificates: `{"certificates", "total_count"}`, summaries.
  outcome list_certificates(const std::string& app) const;
  /// POST …/certificates/acme, or …/custom when `custom` (needs fullchain and
  /// private_key, and is configured at once); a bad or taken hostname 422.
  outcome request_certificate(const std::string& app, const boost::json::value& body, bool custom);
  /// GET …/certificates/{hostname}, in detail.
  outcome get_certificate(const std::string& app, const std::string& hostname) const;
  /// POST …/certificates/{hostname}/check: the simulated DNS is always right, so it becomes active.
  outcome check_certificate(const std::string& app, const std::string& hostname);
  /// DELETE …/certificates/{hostname}: 204.
  outcome delete_certificate(const std::string& app, const std::string& hostname);
  /// GET …/ip_assignments: `{"ips": [...]}`.
  outcome list_ips(const std::string& app) const;
  /// POST …/ip_assignments `{"type", "region"?}`: v4, v6, shared_v4,
  /// private_v6, egress_v4 or egress_v6 (else 400); region "global" when none.
  outcome assign_ip(const std::string& app, const boost::json::value& body);
  /// DELETE …/ip_assignments/{ip}: 204; 404 when not assigned.
  outcome release_ip(const std::string& app, const std::string& ip);

  /// The answer to a `wait` for any of `states` if the machine is in one now
  /// (or an error if there is no such machine); nothing while it is not.
  std::optional<reply> wait_answer(const std::string& app, const std::string& id,
                                   const std::set<std::string>& states) const;

  /// Applies `t` if still current; returns what follows it.
  std::vector<transition> apply(const transition& t);

private:
  struct machine;
  struct volume;
  struct secret_value;
  struct certificate;
  struct app_record;
  using clock = std::chrono::system_clock;

  app_record* find_app(const std::string& app);
  const app_record* find_app(const std::string& app) const;
  machine* find_machine(const std::string& app, const std::string& id, reply& error);
  const machine* find_machine(const std::string& app, const std::string& id, reply& error) const;
  std::optional<reply> lease_conflict(const machine& m, const std::string& nonce) const;
  /// The machine, if it exists and `nonce` may change it (else `error` says why).
  machine* machine_to_change(const std::string& app, const std::string& id, const std::string& nonce,
                             reply& error);
  std::vector<transition> go(machine& m, const std::string& now_state, const std::string& then_state,
                             const std::string& event);
  boost::json::value machine_json(const machine& m) const;
  boost::json::value app_json(const app_record& a) const;
  volume* find_volume(const std::string& app, const std::string& id, reply& error);
  const volume* find_volume(const std::string& app, const std::string& id, reply& error) const;
  boost::json::value volume_json(const volume& v) const;
  boost::json::value secret_json(const std::string& name, const secret_value& s, bool show) const;
  boost::json::value certificate_json(const app_record& a, const certificate& c, bool detail) const;
  std::string random_id(std::size_t n, const char* alphabet);
  std::string ulid();

  std::string org_;
  duration transition_;
  std::map<std::string, std::shared_ptr<app_record>> apps_;
  std::mt19937_64 rng_;
};

} // namespace atlas::sim
