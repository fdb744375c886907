#include <atlas/core/telemetry.hpp>

#include <atlas/core/logger.hpp>
#include <atlas/core/redact.hpp>

#include <exception>

namespace atlas {

const std::string& telemetry_event::label(const std::string& key) const {
  static const std::string empty;
  for (auto& [k, v] : metadata)
    if (k == key)
      return v;
  return empty;
}

double telemetry_event::measurement(const std::string& key) const {
  for (auto& [k, v] : measurements)
    if (k == key)
      return v;
  return 0;
}

void emit(telemetry_sink* sink, telemetry_event ev) {
  if (sink == nullptr)
    return;
  for (auto& [k, v] : ev.metadata)
    if (contains_secret(v))
      v = redact(v);
  try {
    sink->handle(ev);
  } catch (const std::exception& e) {
    log().error("telemetry sink failed on event {}: {}", ev.name, e.what());
  } catch (...) {
    log().error("telemetry sink failed on event {} with a non-standard exception", ev.name);
  }
}

void memory_telemetry_sink::handle(const telemetry_event& ev) {
  std::lock_guard guard{mtx_};
  events_.push_back(ev);
}

std::vector<telemetry_event> memory_telemetry_sink::events() const {
  std::lock_guard guard{mtx_};
  return events_;
}

std::vector<telemetry_event> memory_telemetry_sink::events(const std::string& name) const {
  std::lock_guard guard{mtx_};
  std::vector<telemetry_event> out;
  for (auto& e : events_)
    if (e.name == name)
      out.push_back(e);
  return out;
}

} // namespace atlas
