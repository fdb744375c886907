#include <atlas/net/rate_limiter.hpp>

#include <cmath>

namespace atlas {

rate_limiter::rate_limiter(std::map<std::string, bucket_spec, std::less<>> actions,
                           bucket_spec fallback)
  : actions_(std::move(actions)), fallback_(fallback) {
}

const bucket_spec& rate_limiter::spec_for(std::string_view action) const {
  auto it = actions_.find(action);
  return it == actions_.end() ? fallback_ : it->second;
}

rate_limiter::bucket& rate_limiter::refilled(std::string_view action, std::string_view resource,
                                             clock::time_point now) {
  std::string key{action};
  key += '\0';
  key += resource;
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    const auto& spec = spec_for(action);
    it = buckets_.emplace(std::move(key), bucket{spec.burst, now, spec}).first;
  }
  auto& b = it->second;
  if (now > b.at) {
    double secs = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(b.spec.burst, b.tokens + secs * b.spec.per_second);
    b.at = now;
  }
  return b;
}

namespace {

duration time_for(double missing_tokens, double per_second) {
  return duration{static_cast<duration::rep>(std::ceil(missing_tokens / per_second * 1000))};
}

} // namespace

duration rate_limiter::reserve(std::string_view action, std::string_view resource,
                               clock::time_point now) {
  std::lock_guard guard{mtx_};
  auto& b = refilled(action, resource, now);
  // Tokens go negative when callers reserve ahead, which is what spaces the
  // waiting ones out.
  b.tokens -= 1;
  if (b.tokens >= 0)
    return duration{0};
  return time_for(-b.tokens, b.spec.per_second);
}

duration rate_limiter::try_take(std::string_view action, std::string_view resource,
                                clock::time_point now) {
  std::lock_guard guard{mtx_};
  auto& b = refilled(action, resource, now);
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return duration{0};
  }
  return std::max(duration{1}, time_for(1 - b.tokens, b.spec.per_second));
}

std::size_t rate_limiter::prune(clock::time_point now) {
  std::lock_guard guard{mtx_};
  std::erase_if(buckets_, [now](const auto& kv) {
    const auto& b = kv.second;
    double secs = std::chrono::duration<double>(now - b.at).count();
    return b.tokens + secs * b.spec.per_second >= b.spec.burst;
  });
  return buckets_.size();
}

} // namespace atlas
