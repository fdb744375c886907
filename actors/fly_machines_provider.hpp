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

struct fly_machines_provider_config {
  std::string app;               ///< the Fly app holding the machines (orchestrator.fly_app)
  std::string org = "personal";  ///< where the app is created when missing (fly.org)
  std::string name_prefix = "atlas-";
  duration start_timeout = std::chrono::minutes{5};
  std::string default_region{};  ///< "" : Fly's choice when the request has no region hint
  fly_machines_options machines{};
};

class fly_machines_provider final : public compute_provider {
public:
  /// `http` must outlive the provider. The token goes into the client only.
  fly_machines_provider(http_client& http, const secret& token, fly_machines_provider_config cfg);

  std::string name() const override { return "fly_machines"; }
  std::vector<capability> capabilities() const override;

  void spawn_compute_async(const compute_request& r, reply<compute> done) override;
  void get_compute_async(const std::string& id, reply<compute> done) override;
  void list_compute_async(const compute_filter& f, reply<std::vector<compute>> done) override;
  void stop_async(const std::string& id, reply<void> done) override;
  void start_async(const std::string& id, reply<void> done) override;
  void terminate_async(const std::string& id, reply<void> done) override;
  expected<std::vector<gpu_type>> list_gpu_types() override;

  struct shared;

private:
  std::shared_ptr<shared> sh_; // shared with calls in flight
};

/// A compute as Atlas reports a Fly machine: started → running, stopped and
/// suspended → stopped, destroyed → terminated, failed → failed, the rest
/// provisioning; config.metadata → labels.
compute compute_from_machine(const fly_machine& m, const std::string& app);

provider_actor spawn_fly_machines_provider(caf::actor_system& sys, http_client& http, const secret& token,
                                           fly_machines_provider_config cfg);

} // namespace atlas
