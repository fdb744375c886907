#include <atlas/net/retry_policy.hpp>

#include <charconv>
#include <ctime>
#include <memory>

namespace atlas {

std::optional<duration> parse_retry_after(std::string_view value,
                                          std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ')
    value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ')
    value.remove_suffix(1);
  if (value.empty())
    return std::nullopt;
  std::int64_t secs = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), secs);
  if (ec == std::errc{} && end == value.data() + value.size())
    return secs < 0 ? std::nullopt : std::optional<duration>{std::chrono::seconds{secs}};
  // IMF-fixdate, the form RFC 9110 requires senders to use.
  std::tm tm{};
  std::string text{value};
  const char* rest = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (rest == nullptr || *rest != '\0')
    return std::nullopt;
  auto at = std::chrono::system_clock::from_time_t(::timegm(&tm));
  if (at <= now)
    return duration{0};
  return std::chrono::duration_cast<duration>(at - now);
}

std::optional<duration> retry_delay(const retry_policy& p, std::uint32_t attempts_made,
                                    const http_request& req,
                                    const expected<http_response>& outcome, duration elapsed,
                                    std::mt19937_64& rng) {
  if (attempts_made >= p.max_attempts)
    return std::nullopt;
  std::optional<duration> told;
  if (outcome) {
    int s = outcome->status;
    if (s != 429 && s < 500)
      return std::nullopt;
    if (const auto* ra = outcome->header("Retry-After"))
      told = parse_retry_after(*ra);
  } else {
    auto c = outcome.error().code();
    if ((c != errc::transport && c != errc::timeout) || !req.is_idempotent())
      return std::nullopt;
  }
  duration wait;
  if (told) {
    wait = std::min(*told, p.max_delay);
  } else {
    auto exp = std::min<std::uint32_t>(attempts_made - 1, 30);
    auto base = std::min<std::int64_t>(p.max_delay.count(), p.base_delay.count() << exp);
    auto cut = static_cast<std::int64_t>(static_cast<double>(base) * p.jitter
                                         * std::uniform_real_distribution<double>{0, 1}(rng));
    wait = duration{base - cut};
  }
  if (elapsed + wait > p.max_total)
    return std::nullopt;
  return wait;
}

namespace {

struct retry_state {
  http_client& client;
  http_request req;
  retry_policy p;
  std::function<void(expected<http_response>, std::uint32_t)> done;
  std::function<duration()> before_retry;
  std::uint32_t attempts = 0;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
};

// Jitter needs no fresh seed per request: seeding from random_device cost
// ~20 µs of CPU per request (a third of a log poll's, atlas_bench w4).
std::mt19937_64& jitter_rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

void attempt(std::shared_ptr<retry_state> st) {
  ++st->attempts;
  auto req = st->req;
  st->client.request(std::move(req), [st](expected<http_response> r) {
    auto elapsed = std::chrono::duration_cast<duration>(std::chrono::steady_clock::now() - st->t0);
    auto wait = r || r.error().code() != errc::cancelled
                  ? retry_delay(st->p, st->attempts, st->req, r, elapsed, jitter_rng())
                  : std::nullopt;
    if (!wait)
      return st->done(std::move(r), st->attempts);
    st->client.after(*wait, [st] {
      auto paced = st->before_retry ? st->before_retry() : duration{0};
      if (paced.count() == 0)
        return attempt(st);
      st->client.after(paced, [st] { attempt(st); });
    });
  });
}

} // namespace

void request_with_retry(http_client& client, http_request req, retry_policy p,
                        std::function<void(expected<http_response>, std::uint32_t attempts)> done,
                        std::function<duration()> before_retry) {
  attempt(std::make_shared<retry_state>(
    retry_state{client, std::move(req), p, std::move(done), std::move(before_retry)}));
}

} // namespace atlas
