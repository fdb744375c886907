#include <atlas/actors/compute_registry.hpp>

#include <atlas/actors/compute_messages.hpp>
#include <atlas/actors/orchestrator_services.hpp>
#include <atlas/actors/request_error.hpp>
#include <atlas/core/random_name.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>


namespace atlas {

bool compute_registry::insert(const std::string& id, tracked_compute row) {
  std::lock_guard g{mtx_};
  return rows_.emplace(id, std::move(row)).second;
}

std::optional<tracked_compute> compute_registry::get(const std::string& id) const {
  std::lock_guard g{mtx_};
  auto it = rows_.find(id);
  if (it == rows_.end())
    return std::nullopt;
  return it->second;
}

bool compute_registry::contains(const std::string& id) const {
  std::lock_guard g{mtx_};
  return rows_.count(id) > 0;
}

bool compute_registry::update(const std::string& id, const std::function<void(tracked_compute&)>& change) {
  std::lock_guard g{mtx_};
  auto it = rows_.find(id);
  if (it == rows_.end())
    return false;
  change(it->second);
  return true;
}

bool compute_registry::erase(const std::string& id) {
  std::lock_guard g{mtx_};
  return rows_.erase(id) > 0;
}

std::vector<std::string> compute_registry::ids() const {
  std::lock_guard g{mtx_};
  std::vector<std::string> out;
  out.reserve(rows_.size());
  for (auto& [id, row] : rows_)
    out.push_back(id);
  return out;
}

std::vector<tracked_compute> compute_registry::rows() const {
  std::lock_guard g{mtx_};
  std::vector<tracked_compute> out;
  out.reserve(rows_.size());
  for (auto& [id, row] : rows_)
    out.push_back(row);
  return out;
}

std::size_t compute_registry::size() const {
  std::lock_guard g{mtx_};
  return rows_.size();
}

void compute_registry::clear() {
  std::lock_guard g{mtx_};
  rows_.clear();
  spawning_.clear();
}

bool compute_registry::reserve_name(const std::string& name) {
  std::lock_guard g{mtx_};
  return spawning_.insert(name).second;
}

void compute_registry::release_name(const std::string& name) {
  std::lock_guard g{mtx_};
  spawning_.erase(name);
}

bool compute_registry::name_reserved(const std::string& name) const {
  std::lock_guard g{mtx_};
  return spawning_.count(name) > 0;
}

namespace {

/// The fresh resource could not be tracked: terminate it, then answer `why`.
void undo_spawn(caf::event_based_actor* self, const std::shared_ptr<orchestrator_services>& svc,
                provider_actor p, const compute& c, error why, caf::response_promise rp) {
  svc->registry->erase(c.id);
  auto what = "compute " + c.id;
  self->request(p, svc->orch.terminate_timeout, compute_terminate_atom_v, c.id)
    .then(
      [rp, why, what](expected<void>& r) mutable {
        auto text = why.message() + (r ? "; the fresh resource was terminated"
                                       : "; terminating the fresh resource failed too (" + to_string(r.error())
                                           + "): the Reaper will find it");
        rp.deliver(expected<compute>{error{why.code(), what + " could not be tracked: " + text}});
      },
      [rp, why, what](caf::error&) mutable {
        rp.deliver(expected<compute>{error{why.code(), what + " could not be tracked: " + why.message()
                                                         + "; terminating it got no answer: the Reaper will find it"}});
      });
}

} // namespace

caf::actor spawn_compute_registry(caf::actor_system& sys, std::shared_ptr<orchestrator_services> svc) {
  // svc as a spawn argument, not a capture (UBSan, reference/runtime.md §1.1).
  return sys.spawn([](caf::event_based_actor* self, std::shared_ptr<orchestrator_services> svc) -> caf::behavior {
    svc->registry->clear();
    return {
      [self, svc](compute_spawn_atom, const std::string& provider_name, compute_request req,
                  const std::string& user_id) -> caf::result<expected<compute>> {
        auto p = svc->provider(provider_name);
        if (!p)
          return expected<compute>{error{errc::not_found, "provider \"" + provider_name
                                                            + "\" is not registered (registered: "
                                                            + svc->provider_names() + ")"}};
        req.name = with_prefix(svc->orch.name_prefix, req.name.empty() ? random_name_suffix() : req.name);
        req.labels[std::string{owner_label}] = svc->owner;
        if (auto ok = validate(req); !ok)
          return expected<compute>{ok.error()};
        if (!svc->registry->reserve_name(req.name))
          return expected<compute>{error{errc::conflict, "compute name \"" + req.name + "\" is being spawned already"}};
        auto rp = self->make_response_promise();
        auto name = req.name;
        auto idle_ttl = req.idle_ttl_ms > 0 ? duration{req.idle_ttl_ms} : svc->orch.idle_ttl;
        self->request(p, svc->orch.spawn_timeout, compute_spawn_atom_v, std::move(req))
          .then(
            [self, svc, p, rp, name, user_id, idle_ttl, provider_name](expected<compute>& c) mutable {
              svc->registry->release_name(name);
              if (!c)
                return rp.deliver(expected<compute>{c.error()});
              tracked_compute row;
              row.resource = *c;
              row.provider = provider_name;
              row.user_id = user_id;
              row.idle_ttl = idle_ttl;
              row.heartbeat = std::min(svc->orch.heartbeat, idle_ttl);
              row.last_activity = self->clock().now();
              row.tracked_since = row.last_activity;
              if (!svc->registry->insert(c->id, row))
                return undo_spawn(self, svc, p, *c,
                                  error{errc::conflict, "provider \"" + provider_name + "\" answered an id already tracked"},
                                  rp);
              if (!svc->start_server)
                return undo_spawn(self, svc, p, *c, error{errc::shutdown, "the compute servers are not running"}, rp);
              svc->start_server(self, c->id, [self, svc, p, rp, res = *c](expected<void> started) mutable {
                if (!started)
                  return undo_spawn(self, svc, p, res, started.error(), rp);
                rp.deliver(expected<compute>{res});
              });
            },
            [self, svc, rp, name, provider_name](caf::error& e) mutable {
              svc->registry->release_name(name);
              rp.deliver(expected<compute>{request_error(self->system(), e, "provider \"" + provider_name + "\" spawn")});
            });
        return rp;
      },
      [svc](caf::get_atom) { return svc->registry->size(); },
    };
  }, std::move(svc));
}

} // namespace atlas
