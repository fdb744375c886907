#pragma once
// atlas::expected<T>: a value or an atlas::error, usable in CAF messages.
//
// Why not std::expected: it is C++23 and g++ 12 in C++20 mode lacks it. Why
// not caf::expected: it carries caf::error, and core/ knows no CAF (DESIGN.md
// §1). This is the small subset Atlas needs, with the same member names as
// std::expected so switching later is a rename of the alias.

#include <atlas/core/error.hpp>

#include <type_traits>
#include <utility>
#include <variant>

namespace atlas {

/// Wraps an error for returning from a function whose type is expected<T>:
/// `return unexpected(error{errc::not_found, "..."});`. Plain `return error{...}`
/// works too; this spelling exists for symmetry with std::expected.
struct unexpected {
  error value;
  explicit unexpected(error e) : value(std::move(e)) {}
};

template <class T>
class [[nodiscard]] expected {
public:
  using value_type = T;

  /// Default: a value-initialised T (CAF needs default-constructible messages).
  expected() : state_(std::in_place_index<0>) {}
  expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  expected(atlas::error err) : state_(std::in_place_index<1>, std::move(err)) {}
  expected(unexpected u) : state_(std::in_place_index<1>, std::move(u.value)) {}

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// The error; only valid when !has_value().
  const atlas::error& error() const& { return std::get<1>(state_); }
  atlas::error& error() & { return std::get<1>(state_); }

  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

  friend bool operator==(const expected&, const expected&) = default;

  // CAF 0.17 inspectors: saving and stringifying read the state; a loading
  // inspector (deserializer) first reads the flag, then the matching field.
  template <class Inspector>
  friend auto inspect(Inspector& f, expected& x) -> typename Inspector::result_type {
    if constexpr (Inspector::reads_state) {
      bool ok = x.has_value();
      if (ok)
        return f(ok, std::get<0>(x.state_));
      return f(ok, std::get<1>(x.state_));
    } else {
      bool ok = true;
      if (auto err = f(ok))
        return err;
      if (ok) {
        T v{};
        auto err = f(v);
        x = expected{std::move(v)};
        return err;
      }
      atlas::error e;
      auto err = f(e);
      x = expected{std::move(e)};
      return err;
    }
  }

private:
  std::variant<T, atlas::error> state_;
};

/// expected<void>: success, or an error.
template <>
class [[nodiscard]] expected<void> {
public:
  using value_type = void;

  expected() = default;
  expected(atlas::error err) : ok_(false), error_(std::move(err)) {}
  expected(unexpected u) : ok_(false), error_(std::move(u.value)) {}

  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  void value() const {}
  const atlas::error& error() const& { return error_; }
  atlas::error& error() & { return error_; }

  friend bool operator==(const expected&, const expected&) = default;

  template <class Inspector>
  friend auto inspect(Inspector& f, expected& x) -> typename Inspector::result_type {
    return f(x.ok_, x.error_);
  }

private:
  bool ok_ = true;
  atlas::error error_;
};

} // namespace atlas
