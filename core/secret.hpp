#pragma once
// A string that must never be printed: a token, a key, a signing secret.

#include <string>
#include <string_view>

namespace atlas {

/// Holds a credential. Every way of turning it into text (to_string, CAF's
/// stringification of a message that carries it, fmt/spdlog via to_string)
/// gives "[REDACTED]"; only reveal() gives the value, so each use is visible
/// in review. Serialisation (CAF's network layer) carries the real value.
class secret {
public:
  secret() = default;
  /// Holds `value`.
  explicit secret(std::string value) : value_(std::move(value)) {}

  /// The credential itself. Call only where it leaves for its destination
  /// (an HTTP header, a storage write, stdout of `atlas token get`).
  const std::string& reveal() const noexcept { return value_; }
  /// True when it holds nothing.
  bool empty() const noexcept { return value_.empty(); }

  /// Equal when the values are (not constant-time: not for comparing credentials an attacker controls).
  friend bool operator==(const secret&, const secret&) = default;

  template <class Inspector>
  friend auto inspect(Inspector& f, secret& x) {
    return f(x.value_);
  }

private:
  std::string value_;
};

/// Always "[REDACTED]" (or "" for an empty secret, so absence stays visible).
std::string to_string(const secret& s);

} // namespace atlas
