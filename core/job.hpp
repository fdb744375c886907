#pragma once
// Serverless jobs (ExAtlas's JobRequest and Job, reference/exatlas.md
// §13.3–13.4). A job request has its own keys, never a compute request's
// (defect 30).

#include <atlas/core/expected.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace atlas {

enum class job_mode : std::uint8_t { async, sync, stream };
std::string_view to_string(job_mode m) noexcept;

enum class job_status : std::uint8_t { in_queue, in_progress, completed, failed, cancelled, timed_out };
std::string_view to_string(job_status s) noexcept;
std::optional<job_status> job_status_from_string(std::string_view s) noexcept;

struct job_request {
  std::string endpoint; ///< required
  std::string input;    ///< required: the job's input as JSON text
  job_mode mode = job_mode::async;
  std::int64_t timeout_ms = 30'000; ///< positive
  std::string webhook{};
  std::map<std::string, std::string> policy{};
  std::map<std::string, std::string> provider_opts{};

  friend bool operator==(const job_request&, const job_request&) = default;
  template <class Inspector>
  friend auto inspect(Inspector& f, job_request& x) {
    return f(x.endpoint, x.input, x.mode, x.timeout_ms, x.webhook, x.policy, x.provider_opts);
  }
};

struct job {
  std::string id;
  std::string provider;
  job_status status = job_status::in_queue;
  std::string endpoint{};
  std::string output{}; ///< JSON text, "" none
  std::string error{};
  std::int64_t execution_time_ms = 0;
  std::int64_t delay_time_ms = 0;
  std::int64_t created_at_ms = 0;
  std::string raw{};

  friend bool operator==(const job&, const job&) = default;
  template <class Inspector>
  friend auto inspect(Inspector& f, job& x) {
    return f(x.id, x.provider, x.status, x.endpoint, x.output, x.error, x.execution_time_ms, x.delay_time_ms,
             x.created_at_ms, x.raw);
  }
};

/// The field names of a job request.
std::span<const std::string_view> job_request_keys() noexcept;

expected<void> validate(const job_request& r);

/// A validated job request from text fields; an unknown key (a compute
/// key included) is refused, naming it.
expected<job_request> make_job_request(const std::map<std::string, std::string>& fields);

} // namespace atlas
