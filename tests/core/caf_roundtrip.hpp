#pragma once
// Serialises a value with CAF 0.17's binary serializer and reads it back:
// what crossing CAF's network layer does to a message field.

#include <caf/actor_system.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include <vector>

namespace atlas::test {

template <class T>
T caf_roundtrip(caf::actor_system& sys, T value) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  if (auto err = sink(value))
    throw std::runtime_error("serialize failed: " + sys.render(err));
  T out{};
  caf::binary_deserializer source{sys, buf};
  if (auto err = source(out))
    throw std::runtime_error("deserialize failed: " + sys.render(err));
  return out;
}

} // namespace atlas::test
