#include <atlas/actors/token_cache.hpp>

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ctime>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace atlas {

namespace {

// -- epoch-based reclamation --------------------------------------------------
// One domain for the process. A reader stores the current epoch in its own
// slot (its own cache line: readers never write a shared line) before it
// loads any pointer, and clears it after. A writer that unlinks an object
// stamps it with the epoch and advances the epoch; the object is freed once
// every slot is clear or shows a later epoch: no reader can still hold it.
//
// The reader's announcement must be ordered before its loads (StoreLoad). A
// seq_cst store does that but is a full barrier on every read. Instead, as
// liburcu and folly do, the rare writer pays: membarrier(PRIVATE_EXPEDITED)
// makes every running thread of the process execute a full barrier, after
// which a reader's announcement is visible or its later loads see the unlink.
// Where membarrier is unavailable, readers fall back to the seq_cst store.

const bool asymmetric_fence = [] {
  return ::syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}();

// The writer's half: a full barrier on every thread of the process.
void heavy_fence() {
  if (!asymmetric_fence || ::syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
    std::atomic_thread_fence(std::memory_order_seq_cst);
}

struct alignas(64) reader_slot {
  std::atomic<std::uint64_t> active{0}; // 0: not reading
  std::atomic<bool> in_use{false};
};

struct epoch_domain {
  std::atomic<std::uint64_t> epoch{1};
  std::mutex mtx;                 // guards `slots` growth and slot hand-out
  std::deque<reader_slot> slots;  // a deque: slots never move

  reader_slot* acquire_slot() {
    std::lock_guard g{mtx};
    for (auto& s : slots) {
      bool expected = false;
      if (s.in_use.compare_exchange_strong(expected, true))
        return &s;
    }
    auto& s = slots.emplace_back();
    s.in_use.store(true);
    return &s;
  }

  // The smallest epoch a reader is in, or UINT64_MAX when none reads.
  std::uint64_t oldest_reader() {
    heavy_fence();
    std::lock_guard g{mtx};
    std::uint64_t min = UINT64_MAX;
    for (auto& s : slots) {
      auto e = s.active.load(std::memory_order_seq_cst);
      if (e != 0 && e < min)
        min = e;
    }
    return min;
  }
};

epoch_domain& domain() {
  static epoch_domain* d = new epoch_domain; // never destroyed: threads may outlive statics
  return *d;
}

// The calling thread's slot, returned to the domain when the thread ends.
struct thread_slot {
  reader_slot* slot = domain().acquire_slot();
  ~thread_slot() { slot->in_use.store(false); }
};

reader_slot& my_slot() {
  thread_local thread_slot ts;
  return *ts.slot;
}

// Marks the calling thread as reading for the guard's lifetime.
struct read_guard {
  reader_slot& slot = my_slot();
  read_guard() {
    // Acquire: if this reads a writer's advanced epoch, that writer's unlink
    // happened before, so the loads below cannot see what it unlinked.
    auto e = domain().epoch.load(std::memory_order_acquire);
    if (asymmetric_fence) {
      slot.active.store(e, std::memory_order_relaxed);
      std::atomic_signal_fence(std::memory_order_seq_cst); // the writer's membarrier does the rest
    } else {
      slot.active.store(e, std::memory_order_seq_cst);
    }
  }
  ~read_guard() { slot.active.store(0, std::memory_order_release); }
};

} // namespace

// -- the table ------------------------------------------------------------------

struct token_cache::impl {
  struct entry {
    std::string app;
    std::size_t hash;
    std::atomic<const token_record*> record{nullptr};
  };
  // An immutable open-addressing index; replaced whole when it must grow.
  // Each slot keeps the entry's hash beside it: a probe compares hashes
  // without touching the entry's cache line.
  struct slot_ref {
    std::size_t hash = 0;
    const entry* e = nullptr;
  };
  struct index {
    std::size_t mask;
    std::vector<slot_ref> slots;
  };
  struct retired {
    std::uint64_t epoch;
    std::function<void()> free;
  };

  std::atomic<const index*> idx{nullptr};
  std::mutex write_mtx;
  std::vector<std::unique_ptr<entry>> entries; // stable for the cache's life
  std::vector<retired> garbage;
  std::size_t live = 0;

  static std::size_t hash_of(std::string_view app) { return std::hash<std::string_view>{}(app); }

  static const entry* find(const index* ix, std::string_view app, std::size_t h) {
    if (ix == nullptr)
      return nullptr;
    for (std::size_t i = h & ix->mask;; i = (i + 1) & ix->mask) {
      const slot_ref& s = ix->slots[i];
      if (s.e == nullptr)
        return nullptr;
      if (s.hash == h && s.e->app == app)
        return s.e;
    }
  }

  // Writers only (write_mtx held).
  entry* find_or_add(std::string_view app) {
    auto h = hash_of(app);
    const index* ix = idx.load(std::memory_order_relaxed);
    if (auto* e = find(ix, app, h))
      return const_cast<entry*>(e);
    auto& e = entries.emplace_back(std::make_unique<entry>());
    e->app = std::string{app};
    e->hash = h;
    std::size_t n = entries.size();
    std::size_t cap = ix == nullptr ? 16 : ix->mask + 1;
    while (cap < n * 2) // load factor at most 1/2: probes stay short
      cap *= 2;
    auto* fresh = new index{cap - 1, std::vector<slot_ref>(cap)};
    for (auto& en : entries) {
      std::size_t i = en->hash & fresh->mask;
      while (fresh->slots[i].e != nullptr)
        i = (i + 1) & fresh->mask;
      fresh->slots[i] = {en->hash, en.get()};
    }
    idx.store(fresh, std::memory_order_seq_cst);
    if (ix != nullptr)
      retire([ix] { delete ix; });
    return e.get();
  }

  void retire(std::function<void()> free) {
    auto e = domain().epoch.fetch_add(1, std::memory_order_seq_cst);
    garbage.push_back({e, std::move(free)});
  }

  void collect() {
    auto oldest = domain().oldest_reader();
    std::erase_if(garbage, [oldest](retired& r) {
      if (r.epoch >= oldest)
        return false; // a reader that began by then may still hold it
      r.free();
      return true;
    });
  }
};

token_cache::token_cache() : impl_(std::make_unique<impl>()) {
}

token_cache::~token_cache() {
  for (auto& r : impl_->garbage)
    r.free();
  for (auto& e : impl_->entries)
    delete e->record.load();
  delete impl_->idx.load();
}

token_cache::clock::time_point token_cache::coarse_now() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return clock::time_point{std::chrono::duration_cast<clock::duration>(
    std::chrono::seconds{ts.tv_sec} + std::chrono::nanoseconds{ts.tv_nsec})};
}

std::optional<token_record> token_cache::get(std::string_view app, clock::time_point now) const {
  read_guard reading;
  const auto* e = impl::find(impl_->idx.load(std::memory_order_seq_cst), app, impl::hash_of(app));
  if (e == nullptr)
    return std::nullopt;
  const token_record* r = e->record.load(std::memory_order_seq_cst);
  if (r == nullptr || r->expired(now))
    return std::nullopt;
  return *r; // copied while the guard keeps it alive
}

void token_cache::put(std::string_view app, token_record record) {
  std::lock_guard g{impl_->write_mtx};
  auto* e = impl_->find_or_add(app);
  const token_record* old = e->record.exchange(new token_record{std::move(record)},
                                               std::memory_order_seq_cst);
  if (old == nullptr)
    ++impl_->live;
  else
    impl_->retire([old] { delete old; });
  impl_->collect();
}

void token_cache::erase(std::string_view app) {
  std::lock_guard g{impl_->write_mtx};
  const auto* e = impl::find(impl_->idx.load(std::memory_order_relaxed), app, impl::hash_of(app));
  if (e == nullptr)
    return;
  const token_record* old =
    const_cast<impl::entry*>(e)->record.exchange(nullptr, std::memory_order_seq_cst);
  if (old != nullptr) {
    --impl_->live;
    impl_->retire([old] { delete old; });
  }
  impl_->collect();
}

void token_cache::clear() {
  std::lock_guard g{impl_->write_mtx};
  for (auto& e : impl_->entries) {
    if (const token_record* old = e->record.exchange(nullptr, std::memory_order_seq_cst)) {
      --impl_->live;
      impl_->retire([old] { delete old; });
    }
  }
  impl_->collect();
}

std::size_t token_cache::size() const {
  std::lock_guard g{impl_->write_mtx};
  return impl_->live;
}

} // namespace atlas
