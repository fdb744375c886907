#pragma once
// Fly's logs API in both forms (reference/fly_api.md §2): the JSON:API pages
// flyctl polls (GET {api}/api/v1/apps/{app}/logs?next_token=) and ExAtlas's
// NDJSON (GET {flaps}/v1/apps/{app}/logs?start_time=). One call fetches one
// page; the log streamer (issue 8) polls, dedupes and delivers.

#include <atlas/core/log_entry.hpp>
#include <atlas/net/http_client.hpp>
#include <atlas/net/retry_policy.hpp>

#include <functional>
#include <string>
#include <vector>

namespace atlas {

/// Which of Fly's two logs endpoints a fly_logs_client reads.
enum class fly_logs_form : std::uint8_t {
  jsonapi, ///< flyctl's: JSON:API document, `next_token` cursor (the default)
  ndjson,  ///< ExAtlas's: one JSON object per line, `start_time` cursor
};

/// Where a fly_logs_client reads logs, in which form, and how it retries.
struct fly_logs_options {
  std::string api_base_url = "https://api.fly.io";         ///< fly_options::api_base_url (JSON:API)
  std::string flaps_base_url = "https://api.machines.dev"; ///< fly_options::flaps_base_url (NDJSON)
  fly_logs_form form = fly_logs_form::jsonapi; ///< which endpoint fetch() asks
  retry_policy retry{}; ///< for each fetch: 429, 5xx and transport failures are tried again
};

/// Which page of which app's logs to fetch.
struct fly_logs_query {
  std::string app; ///< the Fly app's name
  /// Lines at or after this instant (ns since the epoch); 0: the latest page.
  std::int64_t cursor_ns = 0;
  std::string region{};   ///< three-letter code, or all
  std::string instance{}; ///< a machine id, or all
};

/// One page of log lines and where the next one starts.
struct fly_logs_page {
  std::vector<log_entry> entries; ///< in the order Fly gave them
  /// Where the next page starts. The cursor is inclusive: lines sharing the
  /// last timestamp of this page come again and must be told apart by
  /// their id (JSON:API) or their content (NDJSON). Unchanged on an empty page.
  std::int64_t next_cursor_ns = 0;
  std::size_t malformed = 0; ///< lines skipped: not JSON, or no valid timestamp
};

/// Fetches pages of an app's logs from Fly, one request per page.
class fly_logs_client {
public:
  /// Gets the page or the error, once, on the HTTP client's thread.
  using callback = std::function<void(expected<fly_logs_page>)>;

  /// `http` must outlive this client and what it has in flight.
  fly_logs_client(http_client& http, secret token, fly_logs_options opts = {});

  /// One page. Errors: errc::unauthorized on 401 (refresh the token and
  /// retry), errc::not_found for an unknown app, the rest as check_status().
  /// `done` runs on the HTTP client's thread.
  void fetch(const fly_logs_query& q, callback done) const;

  /// The pages' parsers, exposed for tests and other transports. `cursor_ns`
  /// is the cursor the page was asked with (next_cursor_ns when nothing moves
  /// it); a JSON:API line does not name its app, so `app` is given.
  static fly_logs_page parse_jsonapi(const std::string& body, const std::string& app, std::int64_t cursor_ns);
  /// The NDJSON parser: each line names its own app (`fly.app.name`); the
  /// next cursor is the latest timestamp seen, else `cursor_ns`.
  static fly_logs_page parse_ndjson(const std::string& body, std::int64_t cursor_ns);

private:
  http_client& http_;
  secret authorization_;
  fly_logs_options opts_;
};

} // namespace atlas
