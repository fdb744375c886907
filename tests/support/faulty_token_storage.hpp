#pragma once
// Token storage that fails on demand (ExAtlas's Raising test double, and
// more): for the chain's handling of storage outages. It can return errors,
// as a well-behaved storage does, or throw, as a user's storage may.

#include <atlas/storage/memory_token_storage.hpp>

#include <atomic>
#include <mutex>
#include <stdexcept>

namespace atlas::test {

class faulty_token_storage final : public token_storage {
public:
  std::atomic<bool> fail_get{false};
  std::atomic<bool> fail_put{false};
  /// Every call throws std::runtime_error(throw_text()) instead.
  std::atomic<bool> throw_on_call{false};
  std::atomic<int> puts{0};
  std::atomic<int> gets{0};
  std::atomic<int> erases{0};

  void set_throw_text(std::string text) {
    std::lock_guard lock{mtx_};
    throw_text_ = std::move(text);
  }

  expected<std::optional<token_record>> get(std::string_view app, token_key key) override {
    ++gets;
    maybe_throw();
    if (fail_get)
      return error{errc::storage_corrupt, "simulated storage outage for " + std::string{app}};
    return inner_.get(app, key);
  }
  expected<void> put(std::string_view app, token_key key, const token_record& record) override {
    ++puts;
    maybe_throw();
    if (fail_put)
      return error{errc::persist_failed, "simulated storage outage for " + std::string{app}};
    return inner_.put(app, key, record);
  }
  expected<void> erase(std::string_view app, token_key key) override {
    ++erases;
    maybe_throw();
    return inner_.erase(app, key);
  }

private:
  void maybe_throw() {
    if (!throw_on_call)
      return;
    std::lock_guard lock{mtx_};
    throw std::runtime_error{throw_text_};
  }

  memory_token_storage inner_;
  std::mutex mtx_;
  std::string throw_text_ = "simulated storage exception";
};

} // namespace atlas::test
