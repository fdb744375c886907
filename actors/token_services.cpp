#include <atlas/actors/token_services.hpp>

#include <atlas/fly/fly_config.hpp>
#include <atlas/storage/lmdb_token_storage.hpp>

#include <caf/actor_cast.hpp>

namespace atlas {

void token_services::publish(token_role r, caf::actor handle) {
  std::lock_guard guard{mtx_};
  handles_[static_cast<std::size_t>(r)] = caf::actor_cast<caf::weak_actor_ptr>(handle);
}

caf::actor token_services::handle(token_role r) const {
  std::lock_guard guard{mtx_};
  return caf::actor_cast<caf::actor>(handles_[static_cast<std::size_t>(r)].lock());
}

void token_services::register_server(const std::string& app, const caf::actor& server) {
  std::lock_guard guard{mtx_};
  servers_[app] = server.address();
}

void token_services::unregister_server(const std::string& app, const caf::actor_addr& server) {
  std::lock_guard guard{mtx_};
  if (auto it = servers_.find(app); it != servers_.end() && it->second == server)
    servers_.erase(it);
}

caf::actor token_services::find_server(const std::string& app) const {
  std::lock_guard guard{mtx_};
  auto it = servers_.find(app);
  return it == servers_.end() ? caf::actor{} : caf::actor_cast<caf::actor>(it->second);
}

std::vector<std::string> token_services::server_apps() const {
  std::lock_guard g{mtx_};
  std::vector<std::string> out;
  for (auto& [app, addr] : servers_)
    out.push_back(app);
  return out;
}

void token_services::publish_storage(std::shared_ptr<token_storage> s) {
  std::lock_guard guard{mtx_};
  storage_ = std::move(s);
}

std::shared_ptr<token_storage> token_services::storage() const {
  std::lock_guard guard{mtx_};
  return storage_;
}

std::shared_ptr<token_services> make_token_services(const options& opts,
                                                    std::shared_ptr<process_runner> runner,
                                                    std::shared_ptr<token_storage> storage,
                                                    const env_lookup& env) {
  auto svc = std::make_shared<token_services>();
  svc->fly = opts.fly;
  svc->tokens = opts.tokens;
  svc->fly_config_dir = fly_config_dir(env, opts.fly.config_dir);
  if (storage) {
    svc->open_storage = [storage]() -> expected<std::shared_ptr<token_storage>> { return storage; };
  } else {
    auto dir = opts.tokens.storage_dir.empty() ? default_token_storage_dir(env)
                                               : opts.tokens.storage_dir;
    svc->open_storage = [dir]() -> expected<std::shared_ptr<token_storage>> {
      auto s = lmdb_token_storage::open({.dir = dir});
      if (!s)
        return s.error();
      return std::shared_ptr<token_storage>{std::move(*s)};
    };
  }
  svc->mint = [runner](const token_cli_request& req, std::function<void(expected<secret>)> done)
    -> expected<std::function<void()>> {
    auto h = mint_readonly_token(*runner, req, std::move(done));
    if (!h)
      return h.error();
    return std::function<void()>{[h = *h] { h.cancel(); }};
  };
  return svc;
}

} // namespace atlas
