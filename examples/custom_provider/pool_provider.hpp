#pragma once
// A complete custom provider: a fixed pool of machines you already own (a
// rack of GPU boxes, say), lent out one per spawn and returned on
// terminate. Written as a plain C++ class with synchronous methods — Atlas
// runs it as an actor (atlas::spawn_provider), one call at a time, so it
// needs no locking of its own. docs/writing_a_provider.md walks through it.

#include <atlas/actors/provider.hpp>

#include <map>
#include <string>
#include <vector>

namespace example {

struct pool_machine {
  std::string host;   ///< "gpu-box-1.lan"
  std::string gpu;    ///< canonical GPU: "a100_80g"
  std::string region; ///< "rack-a"
};

class pool_provider final : public atlas::compute_provider {
public:
  explicit pool_provider(std::vector<pool_machine> machines) : free_(std::move(machines)) {}

  std::string name() const override { return "pool"; }
  std::vector<atlas::capability> capabilities() const override { return {atlas::capability::raw_tcp}; }

  atlas::expected<atlas::compute> spawn_compute(const atlas::compute_request& r) override {
    if (auto ok = atlas::validate(r); !ok)
      return ok.error();
    // The first free machine with the GPU asked for (any for "none").
    for (auto it = free_.begin(); it != free_.end(); ++it) {
      if (r.gpu != atlas::no_gpu && it->gpu != r.gpu)
        continue;
      atlas::compute c;
      c.id = "pool-" + std::to_string(++counter_);
      c.provider = name();
      c.status = atlas::compute_status::running;
      c.name = r.name;
      c.image = r.image;
      c.gpu_type = it->gpu;
      c.gpu_count = 1;
      c.region = it->region;
      c.public_ip = it->host;
      c.labels = r.labels; // keep labels: the Reaper's ownership mark lives here
      for (auto& p : r.ports)
        c.ports.push_back({p.port, p.port, p.protocol, "tcp://" + it->host + ":" + std::to_string(p.port)});
      lent_[c.id] = {*it, c};
      free_.erase(it);
      return c;
    }
    return atlas::error{atlas::errc::capacity, "pool: no free machine with gpu " + r.gpu, 0, name()};
  }

  atlas::expected<atlas::compute> get_compute(const std::string& id) override {
    auto it = lent_.find(id);
    if (it == lent_.end())
      return not_found(id);
    return it->second.second;
  }

  atlas::expected<std::vector<atlas::compute>> list_compute(const atlas::compute_filter& f) override {
    std::vector<atlas::compute> out;
    for (auto& [id, lent] : lent_)
      if (atlas::matches(f, lent.second))
        out.push_back(lent.second);
    return out;
  }

  atlas::expected<void> terminate(const std::string& id) override {
    auto it = lent_.find(id);
    if (it == lent_.end())
      return not_found(id);
    free_.push_back(it->second.first); // back to the pool
    lent_.erase(it);
    return {};
  }

  // stop/start, jobs and GPU types are not overridden: they answer
  // errc::unsupported, which callers (and the conformance suite) accept.

  std::size_t free_machines() const { return free_.size(); }

private:
  atlas::error not_found(const std::string& id) const {
    return atlas::error{atlas::errc::not_found, "pool: no compute " + id, 404, name()};
  }

  std::vector<pool_machine> free_;
  std::map<std::string, std::pair<pool_machine, atlas::compute>> lent_;
  std::uint64_t counter_ = 0;
};

} // namespace example
