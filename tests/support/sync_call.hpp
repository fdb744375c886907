#pragma once
// Runs an asynchronous call that reports through a callback and waits for
// its answer, with a deadline (never a fixed sleep).

#include "wait.hpp"

#include <atlas/core/expected.hpp>

#include <doctest/doctest.h>

#include <future>
#include <memory>

namespace atlas::test {

template <class T, class Start>
expected<T> sync(Start start, std::chrono::milliseconds deadline = default_deadline) {
  auto p = std::make_shared<std::promise<expected<T>>>();
  auto f = p->get_future();
  start([p](expected<T> r) { p->set_value(std::move(r)); });
  REQUIRE(f.wait_for(deadline) == std::future_status::ready);
  return f.get();
}

} // namespace atlas::test
