#pragma once
// A fake environment for code that reads variables through atlas::env_lookup,
// so tests never depend on the machine's own environment.

#include <atlas/core/options.hpp>

#include <map>
#include <optional>
#include <string>

namespace atlas::test {

inline env_lookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    if (auto it = vars.find(name); it != vars.end())
      return it->second;
    return std::nullopt;
  };
}

} // namespace atlas::test
