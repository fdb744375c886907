#include <atlas/core/job.hpp>

#include <algorithm>
#include <array>
#include <charconv>

namespace atlas {

namespace {
constexpr std::array<std::string_view, 7> kJobKeys{"endpoint", "input",  "mode",         "timeout_ms",
                                                "webhook",  "policy", "provider_opts"};

error bad_job_field(std::string_view key, const std::string& value, std::string_view allowed) {
  return error{errc::validation, "job request: " + std::string{key} + " = \"" + value + "\": " + std::string{allowed}};
}
} // namespace

std::string_view to_string(job_mode m) noexcept {
  switch (m) {
    case job_mode::async: return "async";
    case job_mode::sync: return "sync";
    case job_mode::stream: return "stream";
  }
  return "async";
}

std::string_view to_string(job_status s) noexcept {
  switch (s) {
    case job_status::in_queue: return "in_queue";
    case job_status::in_progress: return "in_progress";
    case job_status::completed: return "completed";
    case job_status::failed: return "failed";
    case job_status::cancelled: return "cancelled";
    case job_status::timed_out: return "timed_out";
  }
  return "failed";
}

std::optional<job_status> job_status_from_string(std::string_view s) noexcept {
  for (auto v : {job_status::in_queue, job_status::in_progress, job_status::completed, job_status::failed,
                 job_status::cancelled, job_status::timed_out})
    if (to_string(v) == s)
      return v;
  return std::nullopt;
}

std::span<const std::string_view> job_request_keys() noexcept {
  return kJobKeys;
}

expected<void> validate(const job_request& r) {
  if (r.endpoint.empty())
    return error{errc::validation, "job request: endpoint is required"};
  if (r.input.empty())
    return error{errc::validation, "job request: input is required (JSON text)"};
  if (r.timeout_ms < 1)
    return bad_job_field("timeout_ms", std::to_string(r.timeout_ms), "must be a positive integer (milliseconds)");
  return {};
}

expected<job_request> make_job_request(const std::map<std::string, std::string>& fields) {
  job_request r;
  for (const auto& [key, v] : fields) {
    if (std::find(kJobKeys.begin(), kJobKeys.end(), key) == kJobKeys.end()) {
      std::string known;
      for (auto k : kJobKeys)
        known.append(known.empty() ? "" : ", ").append(k);
      return error{errc::validation, "job request: unknown key \"" + key + "\" (known: " + known + ")"};
    }
    if (key == "endpoint") {
      r.endpoint = v;
    } else if (key == "input") {
      r.input = v;
    } else if (key == "mode") {
      if (v == "async")
        r.mode = job_mode::async;
      else if (v == "sync")
        r.mode = job_mode::sync;
      else if (v == "stream")
        r.mode = job_mode::stream;
      else
        return bad_job_field(key, v, "expected one of: async sync stream");
    } else if (key == "timeout_ms") {
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), r.timeout_ms);
      if (ec != std::errc{} || end != v.data() + v.size())
        return bad_job_field(key, v, "must be a positive integer (milliseconds)");
    } else if (key == "webhook") {
      r.webhook = v;
    } else {
      auto& m = key == "policy" ? r.policy : r.provider_opts;
      std::size_t start = 0;
      while (start < v.size()) {
        auto end = v.find(',', start);
        if (end == std::string::npos)
          end = v.size();
        auto kv = v.substr(start, end - start);
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0)
          return bad_job_field(key, v, "expected K=V pairs separated by commas");
        m[kv.substr(0, eq)] = kv.substr(eq + 1);
        start = end + 1;
      }
    }
  }
  if (auto ok = validate(r); !ok)
    return ok.error();
  return r;
}

} // namespace atlas
