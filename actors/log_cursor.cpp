#include <atlas/actors/log_cursor.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <unordered_set>

namespace atlas {

namespace {

// How far before an empty first poll the next one asks from: Fly's clock
// may be behind ours (nothing older can be new: the page was empty).
constexpr std::int64_t first_poll_margin_ns = 10'000'000'000;

} // namespace

std::uint64_t line_key(const log_entry& e) {
  std::hash<std::string> h;
  if (!e.id.empty())
    return h(e.id);
  std::string all = std::to_string(e.timestamp_ns);
  for (const auto* part : {&e.instance, &e.region, &e.level, &e.message})
    all.append(1, '\x1f').append(*part);
  return h(all);
}

log_step advance(log_cursor& c, fly_logs_page page, std::size_t full_page, std::int64_t polled_at_ns) {
  log_step step;
  step.fresh.reserve(page.entries.size());
  std::unordered_set<std::uint64_t> seen(c.delivered_keys.begin(), c.delivered_keys.end());
  auto page_size = page.entries.size();
  for (auto& e : page.entries) {
    if (e.timestamp_ns < c.delivered_ns) {
      ++step.duplicates;
      continue;
    }
    auto k = line_key(e);
    if (e.timestamp_ns == c.delivered_ns && !seen.insert(k).second) {
      ++step.duplicates;
      continue;
    }
    if (e.timestamp_ns > c.delivered_ns) {
      c.delivered_ns = e.timestamp_ns;
      seen.clear();
      seen.insert(k);
    }
    step.fresh.push_back(std::move(e));
  }
  c.delivered_keys.assign(seen.begin(), seen.end());
  std::sort(c.delivered_keys.begin(), c.delivered_keys.end());
  auto before = c.api_cursor_ns;
  c.api_cursor_ns = std::max(c.api_cursor_ns, page.next_cursor_ns);
  // A full page of lines all seen, and the cursor did not move: more lines
  // share this instant than a page holds. Step past it, and say so.
  if (step.fresh.empty() && page_size >= full_page && c.api_cursor_ns == before && before > 0) {
    c.api_cursor_ns = before + 1;
    step.gap = log_gap{before, before + 1, "more lines share one instant than a page holds"};
  }
  if (c.api_cursor_ns == 0 && page_size == 0)
    c.api_cursor_ns = polled_at_ns - first_poll_margin_ns;
  c.started = true;
  return step;
}

} // namespace atlas
