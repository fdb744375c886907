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

/// How a job is submitted (ExAtlas's RunPod: sync waits for the result, async and stream queue it).
enum class job_mode : std::uint8_t { async, sync, stream };
/// "async", "sync" or "stream".
std::string_view to_string(job_mode m) noexcept;

/// A job's lifecycle state (ExAtlas's Job statuses).
enum class job_status : std::uint8_t { in_queue, in_progress, completed, failed, cancelled, timed_out };
/// "in_queue", "in_progress", ... as the enumerator is spelt.
std::string_view to_string(job_status s) noexcept;
/// The status spelt `s` (as to_string spells it); nullopt for anything else.
std::optional<job_status> job_status_from_string(std::string_view s) noexcept;

/// What a caller asks a serverless provider to run. validate() checks it;
/// make_job_request() builds one from text fields.
struct job_request {
  std::string endpoint; ///< required
  std::string input;    ///< required: the job's input as JSON text
  job_mode mode = job_mode::async; ///< how the provider is asked to run it (see job_mode)
  std::int64_t timeout_ms = 30'000; ///< positive
  /// URL the provider calls when the job completes (capability::webhooks); "" none.
  std::string webhook{};
  /// The provider's execution policy for the job ("K=V,K=V" as text fields).
  std::map<std::string, std::string> policy{};
  /// Provider-specific settings ("K=V,K=V" as text fields).
  std::map<std::string, std::string> provider_opts{};

  /// True when every field is equal.
  friend bool operator==(const job_request&, const job_request&) = default;
  template <class Inspector>
  friend auto inspect(Inspector& f, job_request& x) {
    return f(x.endpoint, x.input, x.mode, x.timeout_ms, x.webhook, x.policy, x.provider_opts);
  }
};

/// A serverless job as its provider reports it.
struct job {
  std::string id; ///< the provider's job id
  std::string provider; ///< the reporting provider's name()
  job_status status = job_status::in_queue; ///< as the provider last reported it
  std::string endpoint{}; ///< the endpoint running it
  std::string output{}; ///< JSON text, "" none
  std::string error{}; ///< the provider's error text; "" none
  std::int64_t execution_time_ms = 0; ///< how long it ran, in ms
  std::int64_t delay_time_ms = 0; ///< how long it waited before running, in ms
  std::int64_t created_at_ms = 0; ///< Unix ms, 0 unknown
  std::string raw{}; ///< the provider's native record as JSON text ("" none)

  /// True when every field is equal.
  friend bool operator==(const job&, const job&) = default;
  template <class Inspector>
  friend auto inspect(Inspector& f, job& x) {
    return f(x.id, x.provider, x.status, x.endpoint, x.output, x.error, x.execution_time_ms, x.delay_time_ms,
             x.created_at_ms, x.raw);
  }
};

/// The field names of a job request.
std::span<const std::string_view> job_request_keys() noexcept;

/// Checks endpoint, input and timeout_ms; errc::validation naming the first bad one.
expected<void> validate(const job_request& r);

/// A validated job request from text fields; an unknown key (a compute
/// key included) is refused, naming it.
expected<job_request> make_job_request(const std::map<std::string, std::string>& fields);

} // namespace atlas
