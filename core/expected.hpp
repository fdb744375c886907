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
  /// The error.
  error value;
  /// Wraps an error.
  explicit unexpected(error e) : value(std::move(e)) {}
};

/// A value of type T or an atlas::error: how Atlas returns every result (errors are values).
template <class T>
class [[nodiscard]] expected {
public:
  /// The value's type.
  using value_type = T;

  /// Default: a value-initialised T (CAF needs default-constructible messages).
  expected() : state_(std::in_place_index<0>) {}
  /// Holds a value.
  expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  /// Holds an error.
  expected(atlas::error err) : state_(std::in_place_index<1>, std::move(err)) {}
  /// Holds the wrapped error.
  expected(unexpected u) : state_(std::in_place_index<1>, std::move(u.value)) {}

  /// True when it holds a value.
  bool has_value() const noexcept { return state_.index() == 0; }
  /// True when it holds a value.
  explicit operator bool() const noexcept { return has_value(); }

  /// The value (it must hold one).
  T& value() & { return std::get<0>(state_); }
  /// The value (it must hold one).
  const T& value() const& { return std::get<0>(state_); }
  /// The value, moved out (it must hold one).
  T&& value() && { return std::get<0>(std::move(state_)); }
  /// The value (it must hold one).
  T& operator*() & { return value(); }
  /// The value (it must hold one).
  const T& operator*() const& { return value(); }
  /// The value, moved out (it must hold one).
  T&& operator*() && { return std::move(*this).value(); }
  /// The value's members (it must hold one).
  T* operator->() { return &value(); }
  /// The value's members (it must hold one).
  const T* operator->() const { return &value(); }

  /// The error; only valid when !has_value().
  const atlas::error& error() const& { return std::get<1>(state_); }
  /// The error (it must hold one).
  atlas::error& error() & { return std::get<1>(state_); }

  template <class U>
  /// The value, or `fallback` when it holds an error.
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

  /// Equal when both hold equal values or equal errors.
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
  /// No value: success or an error.
  using value_type = void;

  expected() = default;
  /// Holds an error.
  expected(atlas::error err) : ok_(false), error_(std::move(err)) {}
  /// Holds the wrapped error.
  expected(unexpected u) : ok_(false), error_(std::move(u.value)) {}

  /// True on success.
  bool has_value() const noexcept { return ok_; }
  /// True on success.
  explicit operator bool() const noexcept { return ok_; }
  /// Nothing (success carries no value).
  void value() const {}
  /// The error (it must hold one).
  const atlas::error& error() const& { return error_; }
  /// The error (it must hold one).
  atlas::error& error() & { return error_; }

  /// Equal when both succeeded or hold equal errors.
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
