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
  void put(const compute& c);
  std::optional<compute> get(const std::string& id) const;
  std::vector<compute> all() const;
  bool set_status(const std::string& id, compute_status s);
  void put_job(const job& j);
  std::optional<job> get_job(const std::string& id) const;
  bool set_job_status(const std::string& id, job_status s);
  std::size_t size() const;
  void reset();

  void inject_failure(const std::string& operation, std::uint32_t times, error e);
  /// The injected error for one call of `operation`, if any is armed.
  std::optional<error> take_failure(const std::string& operation);
  /// How many calls of `operation` reached the store (failed ones included).
  std::uint64_t calls(const std::string& operation) const;
  void count_call(const std::string& operation);

private:
  mutable std::mutex mtx_;
  std::map<std::string, compute> computes_;
  std::map<std::string, job> jobs_;
  std::map<std::string, std::pair<std::uint32_t, error>> failures_;
  std::map<std::string, std::uint64_t> calls_;
};

class mock_provider final : public compute_provider {
public:
  explicit mock_provider(std::shared_ptr<mock_store> store = std::make_shared<mock_store>());

  std::string name() const override { return "mock"; }
  std::vector<capability> capabilities() const override;

  expected<compute> spawn_compute(const compute_request& r) override;
  expected<compute> get_compute(const std::string& id) override;
  expected<std::vector<compute>> list_compute(const compute_filter& f) override;
  expected<void> stop(const std::string& id) override;
  expected<void> start(const std::string& id) override;
  expected<void> terminate(const std::string& id) override;
  expected<job> run_job(const job_request& r) override;
  expected<job> get_job(const std::string& id) override;
  expected<void> cancel_job(const std::string& id) override;
  expected<std::vector<std::string>> stream_job(const std::string& id) override;
  expected<std::vector<gpu_type>> list_gpu_types() override;

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
