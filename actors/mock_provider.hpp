#pragma once
// The built-in `mock` provider (ExAtlas's Providers.Mock, reference/exatlas.md
// §15.2): every call implemented, in memory. Its store is an object of its
// own, held by the provider actor (and by whoever else the caller gives it
// to, such as a test): it never belongs to whichever process called first
// (ExAtlas's ETS table did, and died with it: defect 31).

#include <atlas/actors/provider.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace atlas {

/// The mock's resources and jobs. Thread-safe. Tests may inject failures:
/// the next `times` calls of `operation` ("spawn_compute", "terminate",
/// "list_compute", ...) answer `e` instead.
class mock_store {
public:
  /// Stores `c` under its id, replacing any earlier record.
  void put(const compute& c);
  /// The resource `id`, if stored.
  std::optional<compute> get(const std::string& id) const;
  /// Copies of every stored resource, ordered by id.
  std::vector<compute> all() const;
  /// Sets the status of `id`; false when no such resource is stored.
  bool set_status(const std::string& id, compute_status s);
  /// Stores `j` under its id, replacing any earlier record.
  void put_job(const job& j);
  /// The job `id`, if stored.
  std::optional<job> get_job(const std::string& id) const;
  /// Sets the status of job `id`; false when no such job is stored.
  bool set_job_status(const std::string& id, job_status s);
  /// How many resources are stored (jobs not counted).
  std::size_t size() const;
  /// Forgets every resource, job, armed failure and call count.
  void reset();

  /// Arms `e` for the next `times` calls of `operation`, replacing what was armed for it.
  void inject_failure(const std::string& operation, std::uint32_t times, error e);
  /// The injected error for one call of `operation`, if any is armed.
  std::optional<error> take_failure(const std::string& operation);
  /// How many calls of `operation` reached the store (failed ones included).
  std::uint64_t calls(const std::string& operation) const;
  /// Counts one call of `operation`; the provider calls it before take_failure.
  void count_call(const std::string& operation);

private:
  mutable std::mutex mtx_;
  std::map<std::string, compute> computes_;
  std::map<std::string, job> jobs_;
  std::map<std::string, std::pair<std::uint32_t, error>> failures_;
  std::map<std::string, std::uint64_t> calls_;
};

/// The `mock` provider: every call answered from its mock_store, synchronously.
/// Resources spawn already running at 203.0.113.1; jobs complete at once,
/// echoing their input.
class mock_provider final : public compute_provider {
public:
  /// Uses `store`, which may be shared with a test to inspect or fail calls.
  explicit mock_provider(std::shared_ptr<mock_store> store = std::make_shared<mock_store>());

  std::string name() const override { return "mock"; }
  /// spot, serverless, network_volumes, http_proxy, raw_tcp and webhooks.
  std::vector<capability> capabilities() const override;

  /// A running resource with an id "mock-…", the request's GPU, name, labels
  /// and first region hint; ports map to themselves, and auth bearer gets a minted key.
  expected<compute> spawn_compute(const compute_request& r) override;
  /// The stored resource, or errc::not_found.
  expected<compute> get_compute(const std::string& id) override;
  /// The stored resources that match `f`.
  expected<std::vector<compute>> list_compute(const compute_filter& f) override;
  /// Marks `id` stopped; errc::not_found when unknown.
  expected<void> stop(const std::string& id) override;
  /// Marks `id` running; errc::not_found when unknown.
  expected<void> start(const std::string& id) override;
  /// Marks `id` terminated (the record is kept); errc::not_found when unknown.
  expected<void> terminate(const std::string& id) override;
  /// A completed job whose output is `{"echo": input}`.
  expected<job> run_job(const job_request& r) override;
  /// The stored job, or errc::not_found.
  expected<job> get_job(const std::string& id) override;
  /// Marks job `id` cancelled; errc::not_found when unknown.
  expected<void> cancel_job(const std::string& id) override;
  /// The job's output as its one chunk; nothing for an unknown job.
  expected<std::vector<std::string>> stream_job(const std::string& id) override;
  /// One GPU type, "mock-h100" (canonical h100, 80 GB, price 0).
  expected<std::vector<gpu_type>> list_gpu_types() override;

  /// The store this provider answers from.
  const std::shared_ptr<mock_store>& store() const noexcept { return store_; }

private:
  expected<void> set(const std::string& op, const std::string& id, compute_status s);
  std::shared_ptr<mock_store> store_;
};

/// A bearer key as ExAtlas's Auth.Token mints it: 32 random bytes as
/// 43-character base64url, and its SHA-256 in hex (what a resource stores).
compute_auth mint_bearer_auth();

/// spawn_provider(sys, make_shared<mock_provider>(store)).
provider_actor spawn_mock_provider(caf::actor_system& sys,
                                   std::shared_ptr<mock_store> store = std::make_shared<mock_store>());

} // namespace atlas
