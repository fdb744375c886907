#pragma once
// Waiting for something that happens on another thread, with a deadline.
// Tests never sleep a fixed time hoping the thing has happened: they wait on
// the event itself and fail when the deadline passes.

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace atlas::test {

using namespace std::chrono_literals;

/// The default deadline: generous, since CI machines are slow and shared.
inline constexpr std::chrono::milliseconds default_deadline = 10s;

/// A one-shot flag another thread sets; wait() returns as soon as it is set.
class event {
public:
  void set() {
    {
      std::lock_guard guard{mtx_};
      set_ = true;
    }
    cv_.notify_all();
  }
  bool is_set() const {
    std::lock_guard guard{mtx_};
    return set_;
  }
  /// True when set before the deadline.
  bool wait(std::chrono::milliseconds deadline = default_deadline) {
    std::unique_lock lock{mtx_};
    return cv_.wait_for(lock, deadline, [this] { return set_; });
  }

private:
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  bool set_ = false;
};

/// Waits until `pred()` is true or the deadline passes; returns pred()'s last
/// value. For state nobody signals (a process exiting, a file appearing): it
/// re-checks at a growing interval capped at 20 ms.
template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds deadline = default_deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  auto interval = std::chrono::microseconds{50};
  std::mutex mtx;
  std::condition_variable never_notified;
  std::unique_lock lock{mtx};
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= until)
      return pred();
    never_notified.wait_for(lock, interval);
    interval = std::min<std::chrono::microseconds>(interval * 2, 20ms);
  }
  return true;
}

} // namespace atlas::test
