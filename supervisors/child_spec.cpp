#include <atlas/supervisors/child_spec.hpp>

namespace atlas {

shutdown_spec child_spec::effective_shutdown() const {
  if (shutdown)
    return *shutdown;
  return type == child_type::supervisor ? shutdown_spec::infinity() : shutdown_spec{};
}

bool child_spec::effective_handshake() const {
  return init_handshake.value_or(type == child_type::supervisor);
}

std::string_view to_string(restart_type r) noexcept {
  switch (r) {
    case restart_type::permanent: return "permanent";
    case restart_type::transient: return "transient";
    case restart_type::temporary: return "temporary";
  }
  return "invalid_restart_type";
}

std::string_view to_string(child_type t) noexcept {
  switch (t) {
    case child_type::worker: return "worker";
    case child_type::supervisor: return "supervisor";
  }
  return "invalid_child_type";
}

std::string to_string(const shutdown_spec& s) {
  switch (s.how) {
    case shutdown_spec::mode::brutal_kill: return "brutal_kill";
    case shutdown_spec::mode::infinity: return "infinity";
    case shutdown_spec::mode::timeout: return format_duration(s.timeout);
  }
  return "invalid_shutdown";
}

expected<void> validate(const child_spec& spec) {
  auto bad = [&](const std::string& what) {
    return error{errc::validation, "child spec '" + spec.id + "': " + what};
  };
  if (spec.id.empty())
    return error{errc::validation, "child spec: id must not be empty"};
  if (!spec.start)
    return bad("start must be set (a factory returning the child's handle)");
  if (spec.significant && spec.restart == restart_type::permanent)
    return bad("a permanent child cannot be significant (make it transient or temporary)");
  if (spec.shutdown && spec.shutdown->how == shutdown_spec::mode::timeout
      && spec.shutdown->timeout <= duration{0})
    return bad("shutdown timeout must be positive (use brutal_kill to kill at once)");
  if (spec.effective_handshake() && spec.init_timeout <= duration{0})
    return bad("init_timeout must be positive");
  if (spec.backoff) {
    auto& b = *spec.backoff;
    if (b.min <= duration{0} || b.max < b.min)
      return bad("backoff needs 0 < min <= max");
    if (b.multiplier < 1.0 || b.jitter < 0.0 || b.jitter > 1.0)
      return bad("backoff needs multiplier >= 1 and jitter in [0, 1]");
  }
  return {};
}

child_spec on_started(child_spec spec, std::function<void(const caf::actor&)> started) {
  spec.start = [inner = std::move(spec.start), started = std::move(started)](caf::actor_system& sys,
                                                                             const std::string& id) {
    auto h = inner(sys, id);
    if (h)
      started(*h);
    return h;
  };
  return spec;
}

} // namespace atlas
