#pragma once
// Token storage that fails on demand (ExAtlas's Raising test double, and
// more): for the chain's handling of storage outages.

#include <atlas/storage/memory_token_storage.hpp>

#include <atomic>

namespace atlas::test {

class faulty_token_storage final : public token_storage {
public:
  std::atomic<bool> fail_get{false};
  std::atomic<bool> fail_put{false};
  std::atomic<int> puts{0};
  std::atomic<int> gets{0};

  expected<std::optional<token_record>> get(std::string_view app, token_key key) override {
    ++gets;
    if (fail_get)
      return error{errc::storage_corrupt, "simulated storage outage for " + std::string{app}};
    return inner_.get(app, key);
  }
  expected<void> put(std::string_view app, token_key key, const token_record& record) override {
    ++puts;
    if (fail_put)
      return error{errc::persist_failed, "simulated storage outage for " + std::string{app}};
    return inner_.put(app, key, record);
  }
  expected<void> erase(std::string_view app, token_key key) override {
    return inner_.erase(app, key);
  }

private:
  memory_token_storage inner_;
};

} // namespace atlas::test
