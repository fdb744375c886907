#include <atlas/core/random_name.hpp>

#include <random>

namespace atlas {

std::string random_name_suffix() {
  // One seed per thread: a random_device read per call costs ~20 µs.
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char abc[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s(10, 'x');
  for (auto& c : s)
    c = abc[rng() % 36];
  return s;
}

} // namespace atlas
