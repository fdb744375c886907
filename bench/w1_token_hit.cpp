// w1: cache-hit token lookups from 2 threads, the work of the OTP reference's
// w1 (1,000 apps, 48-byte tokens, 2 x 2,000,000 random lookups, each with the
// clock read and a TTL check; ETS `read_concurrency` there).

#include "bench_util.hpp"
#include "workloads.hpp"

#include <atlas/actors/token_cache.hpp>

#include <map>
#include <random>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

namespace atlas::bench {

namespace {

constexpr int kApps = 1000;
constexpr std::size_t kTokenLen = 48;

std::string token_for(const std::string& app) {
  return ("fo1_" + app + "_" + std::string(kTokenLen, 'x')).substr(0, kTokenLen);
}

// 65,536 pre-drawn app names, as the reference pre-draws its keys.
std::vector<std::string> drawn_keys() {
  std::mt19937 rng{42};
  std::vector<std::string> keys;
  keys.reserve(65536);
  for (int i = 0; i < 65536; ++i)
    keys.push_back("app-" + std::to_string(rng() % kApps + 1));
  return keys;
}

// Runs `lookup` n times on each of `threads` threads at once; lookups/s.
template <class Lookup>
double run_threads(int threads, int n, const std::vector<std::string>& keys, Lookup lookup) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<long> hits{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      ++ready;
      while (!go.load(std::memory_order_acquire)) {
      }
      long h = 0;
      for (int i = 0; i < n; ++i)
        h += lookup(keys[static_cast<std::size_t>(i + t * 7919) & 65535]) ? 1 : 0;
      hits += h;
    });
  while (ready.load() < threads) {
  }
  auto t0 = std::chrono::steady_clock::now();
  go.store(true, std::memory_order_release);
  for (auto& t : ts)
    t.join();
  double secs = seconds_since(t0);
  if (hits.load() != static_cast<long>(threads) * n)
    std::fprintf(stderr, "w1: only %ld hits of %ld\n", hits.load(), static_cast<long>(threads) * n);
  return static_cast<double>(threads) * n / secs;
}

} // namespace

int w1_token_hit(int n) {
  auto keys = drawn_keys();
  int threads = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  auto exp = token_record::clock::now() + std::chrono::hours{1};

  token_cache cache;
  for (int i = 1; i <= kApps; ++i) {
    auto app = "app-" + std::to_string(i);
    cache.put(app, token_record{secret{token_for(app)}, token_source::cli, exp});
  }
  // get(app) reads the clock itself (coarse) and checks the expiry, as the
  // reference reads erlang:system_time and compares per lookup.
  double atlas = run_threads(threads, n, keys, [&](const std::string& app) {
    return cache.get(app).has_value();
  });
  figure("w1_token_hit_atlas", atlas, "lookups/s",
         "(threads=" + std::to_string(threads) + " n=" + std::to_string(n) + " apps=1000)");

  // The design the issue rules out, measured on the same work for reference.
  std::unordered_map<std::string, token_record> map;
  std::shared_mutex mtx;
  for (int i = 1; i <= kApps; ++i) {
    auto app = "app-" + std::to_string(i);
    map.emplace(app, token_record{secret{token_for(app)}, token_source::cli, exp});
  }
  double locked = run_threads(threads, n, keys, [&](const std::string& app) {
    std::shared_lock lock{mtx};
    auto it = map.find(app);
    if (it == map.end() || it->second.expired(token_cache::coarse_now()))
      return false;
    token_record copy = it->second;
    return !copy.value.empty();
  });
  figure("w1_token_hit_shared_mutex", locked, "lookups/s", "(the same lookups under a std::shared_mutex)");
  return 0;
}

} // namespace atlas::bench
