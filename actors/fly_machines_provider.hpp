#pragma once
// The built-in `fly_machines` provider: Fly Machines as compute, over the
// net/ Machines client (reference/fly_api.md §1.2–1.5). One provider per Fly
// app; a compute's id is its machine's id.
//
// spawn: create the app if missing → set the request's secrets → create a
// volume when volume_gb > 0 → create the machine (name with the safety
// prefix; guest size, env, services from ports, mount, restart policy,
// auto_destroy; the request's labels — Atlas's ownership mark among them —
// as config.metadata) → wait until `started` through Fly's /wait (60 s per
// call, looped to start_timeout; no fixed sleeps). Insufficient capacity in
// one region tries the next region hint. A machine that never starts is
// destroyed before the error is returned. stop/start/terminate map to the
// machine endpoints (stop and start answer once Fly's /wait says the machine
// is stopped / started; terminate: destroy with force); volumes are kept.
// provider_opts: cpu_kind (shared|performance), cpus, memory_mb (multiple of
// 256), restart (no|always|on-failure), auto_destroy (true|false),
// volume_path (default /data).

#include <atlas/actors/provider.hpp>
#include <atlas/core/secret.hpp>
#include <atlas/net/fly_machines_client.hpp>

#include <memory>
#include <string>

namespace atlas {

/// Where and how the `fly_machines` provider creates machines.
struct fly_machines_provider_config {
  std::string app;               ///< the Fly app holding the machines (orchestrator.fly_app)
  std::string org = "personal";  ///< where the app is created when missing (fly.org)
  /// Safety prefix put in front of every machine name (orchestrator.name_prefix).
  std::string name_prefix = "atlas-";
  /// How long spawn, stop and start wait for the machine to reach its state.
  duration start_timeout = std::chrono::minutes{5};
  std::string default_region{};  ///< "" : Fly's choice when the request has no region hint
  fly_machines_options machines{}; ///< the Machines client's settings (base URL, retries, pacing)
};

/// The `fly_machines` provider: each compute is a machine of one Fly app,
/// driven asynchronously through fly_machines_client (see the file comment for
/// the spawn steps and provider_opts).
class fly_machines_provider final : public compute_provider {
public:
  /// `http` must outlive the provider. The token goes into the client only.
  fly_machines_provider(http_client& http, const secret& token, fly_machines_provider_config cfg);

  std::string name() const override { return "fly_machines"; }
  /// http_proxy, raw_tcp and global_networking.
  std::vector<capability> capabilities() const override;

  /// Creates app (if missing), secrets, volume and machine, then waits until it
  /// has started; a machine that never starts is destroyed before the error.
  void spawn_compute_async(const compute_request& r, reply<compute> done) override;
  /// The machine `id` as a compute (compute_from_machine).
  void get_compute_async(const std::string& id, reply<compute> done) override;
  /// The app's machines that match `f`; none while the app does not exist.
  void list_compute_async(const compute_filter& f, reply<std::vector<compute>> done) override;
  /// Stops the machine, answering once Fly's /wait reports it stopped.
  void stop_async(const std::string& id, reply<void> done) override;
  /// Starts the machine, answering once Fly's /wait reports it started.
  void start_async(const std::string& id, reply<void> done) override;
  /// Destroys the machine with force; its volume is kept.
  void terminate_async(const std::string& id, reply<void> done) override;
  /// Fly's GPUs from the catalog, with stock "unknown" and no prices; no API call.
  expected<std::vector<gpu_type>> list_gpu_types() override;

  struct shared;

private:
  std::shared_ptr<shared> sh_; // shared with calls in flight
};

/// A compute as Atlas reports a Fly machine: started → running, stopped and
/// suspended → stopped, destroyed → terminated, failed → failed, the rest
/// provisioning; config.metadata → labels.
compute compute_from_machine(const fly_machine& m, const std::string& app);

/// spawn_provider on a fly_machines_provider; `http` must outlive the actor.
provider_actor spawn_fly_machines_provider(caf::actor_system& sys, http_client& http, const secret& token,
                                           fly_machines_provider_config cfg);

} // namespace atlas
