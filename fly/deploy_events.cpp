#include <atlas/fly/deploy_events.hpp>

#include <charconv>

namespace atlas {

std::string_view to_string(deploy_event_kind k) noexcept {
  switch (k) {
    case deploy_event_kind::text: return "text";
    case deploy_event_kind::phase_started: return "phase_started";
    case deploy_event_kind::phase_finished: return "phase_finished";
    case deploy_event_kind::image: return "image";
    case deploy_event_kind::machine: return "machine";
    case deploy_event_kind::succeeded: return "succeeded";
    case deploy_event_kind::failed: return "failed";
  }
  return "invalid_deploy_event_kind";
}

namespace {

// flyctl colours its headings on a terminal: CSI sequences (ESC [ ... final byte).
std::string strip_ansi(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\x1b' && i + 1 < s.size() && s[i + 1] == '[') {
      i += 2;
      while (i < s.size() && !(s[i] >= 0x40 && s[i] <= 0x7e))
        ++i;
      continue;
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string_view trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos)
    return {};
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::optional<std::uint32_t> number(std::string_view s) {
  std::uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size())
    return std::nullopt;
  return v;
}

} // namespace

deploy_event parse_deploy_line(std::string_view line) {
  deploy_event e;
  auto clean = strip_ansi(line);
  e.text = std::string{trim(clean)};
  std::string_view t = e.text;
  if (starts_with(t, "==> ")) {
    e.kind = deploy_event_kind::phase_started;
    e.value = std::string{trim(t.substr(4))};
  } else if (starts_with(t, "--> ")) {
    e.kind = deploy_event_kind::phase_finished;
    e.value = std::string{trim(t.substr(4))};
  } else if (starts_with(t, "image: ")) {
    e.kind = deploy_event_kind::image;
    e.value = std::string{trim(t.substr(7))};
  } else if (starts_with(t, "[") && t.find("update") != std::string_view::npos) {
    auto close = t.find(']');
    auto slash = t.find('/');
    auto n = slash < close ? number(t.substr(1, slash - 1)) : std::nullopt;
    auto total = slash < close ? number(t.substr(slash + 1, close - slash - 1)) : std::nullopt;
    if (n && total) {
      e.kind = deploy_event_kind::machine;
      e.index = *n;
      e.total = *total;
      auto rest = trim(t.substr(close + 1));
      if (starts_with(rest, "Machine ")) {
        auto id = rest.substr(8);
        e.value = std::string{id.substr(0, id.find(' '))};
      }
      e.success = rest.find("update finished: success") != std::string_view::npos;
    }
  } else if (t == "Finished deploying" || starts_with(t, "Visit your newly deployed app at ")) {
    e.kind = deploy_event_kind::succeeded;
  } else if (starts_with(t, "Error: ") || starts_with(t, "Error ")) {
    e.kind = deploy_event_kind::failed;
    e.value = e.text;
  }
  return e;
}

void deploy_summary::add(const deploy_event& e) {
  switch (e.kind) {
    case deploy_event_kind::phase_started: phases_started.push_back(e.value); break;
    case deploy_event_kind::phase_finished: phases_finished.push_back(e.value); break;
    case deploy_event_kind::image: image = e.value; break;
    case deploy_event_kind::machine:
      machines_total = std::max(machines_total, e.total);
      ++(e.success ? machines_done : machines_failed);
      if (!e.success)
        verdict = false;
      break;
    case deploy_event_kind::succeeded:
      if (!verdict || *verdict)
        verdict = true;
      break;
    case deploy_event_kind::failed:
      verdict = false;
      last_error = e.value;
      break;
    case deploy_event_kind::text: break;
  }
}

std::string deploy_summary::contradiction(int exit_code) const {
  if (!verdict)
    return {};
  if (*verdict && exit_code != 0)
    return "flyctl exited with status " + std::to_string(exit_code)
           + " but printed that the deploy finished";
  if (!*verdict && exit_code == 0)
    return "flyctl exited with status 0 but printed a failure: "
           + (last_error.empty() ? std::to_string(machines_failed) + " machine update(s) failed"
                                 : last_error);
  return {};
}

} // namespace atlas
