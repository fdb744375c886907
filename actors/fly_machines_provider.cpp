#include <atlas/actors/fly_machines_provider.hpp>

#include <atlas/core/gpu_catalog.hpp>
#include <atlas/core/random_name.hpp>
#include <atlas/net/json_fields.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <set>

namespace atlas {

namespace json = boost::json;

struct fly_machines_provider::shared {
  fly_machines_provider_config cfg;
  fly_machines_client client;
  shared(http_client& http, const secret& token, fly_machines_provider_config c)
    : cfg(std::move(c)), client(http, token, cfg.machines) {}
};

namespace {

const char* const kName = "fly_machines";

compute_status status_of(const std::string& state) {
  if (state == "started")
    return compute_status::running;
  if (state == "stopped" || state == "suspended" || state == "stopping" || state == "suspending")
    return compute_status::stopped;
  if (state == "destroyed" || state == "destroying")
    return compute_status::terminated;
  if (state == "failed" || state == "launch_failed")
    return compute_status::failed;
  return compute_status::provisioning;
}

error with_provider(error e) {
  return error{e.code(), e.message(), e.http_status(), kName};
}

error bad_opt(const std::string& key, const std::string& v, const std::string& allowed) {
  return error{errc::validation, "fly_machines: provider_opts " + key + " = \"" + v + "\": " + allowed, 0, kName};
}

bool parse_pos(const std::string& v, std::int64_t& out) {
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc{} && end == v.data() + v.size() && out > 0;
}

/// The machine config for `r` (without the mount, added once the volume exists).
expected<json::object> machine_config(const compute_request& r) {
  if (r.image.empty())
    return error{errc::validation, "fly_machines: image is required (a Fly machine runs an image)", 0, kName};
  static const std::set<std::string> known{"cpu_kind", "cpus", "memory_mb", "restart", "auto_destroy", "volume_path"};
  for (auto& [k, v] : r.provider_opts)
    if (known.count(k) == 0)
      return error{errc::validation, "fly_machines: unknown provider_opts key \"" + k
                                       + "\" (known: auto_destroy, cpu_kind, cpus, memory_mb, restart, volume_path)",
                   0, kName};
  auto opt = [&](const char* k) {
    auto it = r.provider_opts.find(k);
    return it == r.provider_opts.end() ? std::string{} : it->second;
  };
  json::object guest;
  auto cpu_kind = opt("cpu_kind");
  if (cpu_kind.empty())
    cpu_kind = r.gpu == no_gpu ? "shared" : "performance";
  if (cpu_kind != "shared" && cpu_kind != "performance")
    return bad_opt("cpu_kind", cpu_kind, "expected shared or performance");
  guest["cpu_kind"] = cpu_kind;
  std::int64_t cpus = 1, memory = cpu_kind == "shared" ? 256 : 2048;
  if (auto v = opt("cpus"); !v.empty() && !parse_pos(v, cpus))
    return bad_opt("cpus", v, "expected a positive integer");
  if (auto v = opt("memory_mb"); !v.empty() && (!parse_pos(v, memory) || memory % 256 != 0))
    return bad_opt("memory_mb", v, "expected a positive multiple of 256");
  guest["cpus"] = cpus;
  guest["memory_mb"] = memory;
  if (r.gpu != no_gpu) {
    auto kind = gpu_for_provider(r.gpu, kName);
    if (!kind)
      return kind.error();
    guest["gpu_kind"] = *kind;
    guest["gpus"] = r.gpu_count;
  }
  json::object cfg{{"image", r.image}, {"guest", std::move(guest)}};
  json::object env;
  for (auto& [k, v] : r.env)
    env[k] = v;
  cfg["env"] = std::move(env);
  json::object metadata;
  for (auto& [k, v] : r.labels)
    metadata[k] = v;
  cfg["metadata"] = std::move(metadata);
  auto restart = opt("restart");
  if (restart.empty())
    restart = "on-failure";
  if (restart != "no" && restart != "always" && restart != "on-failure")
    return bad_opt("restart", restart, "expected no, always or on-failure");
  cfg["restart"] = json::object{{"policy", restart}};
  auto auto_destroy = opt("auto_destroy");
  if (!auto_destroy.empty() && auto_destroy != "true" && auto_destroy != "false")
    return bad_opt("auto_destroy", auto_destroy, "expected true or false");
  cfg["auto_destroy"] = auto_destroy == "true";
  json::array services;
  for (auto& p : r.ports) {
    json::array ports;
    if (p.protocol == port_protocol::http) {
      ports.push_back(json::object{{"port", 443}, {"handlers", json::array{"tls", "http"}}});
      ports.push_back(json::object{{"port", 80}, {"handlers", json::array{"http"}}, {"force_https", true}});
    } else {
      ports.push_back(json::object{{"port", p.port}});
    }
    services.push_back(json::object{{"protocol", "tcp"}, {"internal_port", p.port}, {"ports", std::move(ports)}});
  }
  cfg["services"] = std::move(services);
  return cfg;
}

/// Fly volume names: lowercase letters, digits and underscores, at most 30.
std::string volume_name(const std::string& machine_name) {
  std::string out;
  for (char c : machine_name) {
    if (out.size() == 30)
      break;
    auto u = static_cast<unsigned char>(c);
    out.push_back(std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '_');
  }
  return out;
}

/// One spawn on its way through the steps; shared by their callbacks.
struct spawn_op {
  std::shared_ptr<fly_machines_provider::shared> sh;
  compute_request req;
  std::string name;
  json::object config;
  std::vector<std::string> regions; ///< to try, in order ("" : Fly's choice)
  std::size_t region_index = 0;
  std::string volume_id{};
  compute_provider::reply<compute> done;
};

void create_machine(std::shared_ptr<spawn_op> op);

void fail(const std::shared_ptr<spawn_op>& op, error e) {
  op->done(with_provider(std::move(e)));
}

void wait_started(std::shared_ptr<spawn_op> op, fly_machine m) {
  auto& app = op->sh->cfg.app;
  op->sh->client.wait_machine(app, m.id, "started", op->sh->cfg.start_timeout,
                              [op, m](expected<fly_wait_result> w) mutable {
                                if (w) {
                                  m.state = "started";
                                  return op->done(compute_from_machine(m, op->sh->cfg.app));
                                }
                                // Never leave a machine that did not start behind.
                                auto why = w.error();
                                op->sh->client.destroy_machine(
                                  op->sh->cfg.app, m.id, true, [op, id = m.id, why](expected<void> d) {
                                    fail(op, error{why.code(),
                                                   "machine " + id + " did not start (" + why.message() + "); "
                                                     + (d ? "it was destroyed"
                                                          : "destroying it failed too: " + d.error().message()),
                                                   why.http_status()});
                                  });
                              });
}

void create_machine(std::shared_ptr<spawn_op> op) {
  fly_machine_request mr;
  mr.name = op->name;
  mr.region = op->regions.empty() ? std::string{} : op->regions[op->region_index];
  mr.config = op->config;
  op->sh->client.create_machine(op->sh->cfg.app, mr, [op](expected<fly_machine> m) {
    if (m)
      return wait_started(op, std::move(*m));
    // Not here, not now: the next region hint, if the volume does not pin one.
    if (m.error().code() == errc::capacity && op->volume_id.empty() && op->region_index + 1 < op->regions.size()) {
      ++op->region_index;
      return create_machine(op);
    }
    fail(op, m.error());
  });
}

void create_volume_then_machine(std::shared_ptr<spawn_op> op) {
  if (op->req.volume_gb <= 0)
    return create_machine(op);
  fly_volume_request vr;
  vr.name = volume_name(op->name);
  vr.region = op->regions.empty() ? std::string{} : op->regions.front();
  vr.size_gb = op->req.volume_gb;
  op->sh->client.create_volume(op->sh->cfg.app, vr, [op](expected<fly_volume> v) {
    if (!v)
      return fail(op, v.error());
    op->volume_id = v->id;
    auto path = op->req.provider_opts.count("volume_path") ? op->req.provider_opts.at("volume_path") : "/data";
    op->config["mounts"] = json::array{json::object{{"volume", v->id}, {"path", path}}};
    // The machine must be where its volume is.
    op->regions = {v->region};
    op->region_index = 0;
    create_machine(op);
  });
}

void set_secrets_then_rest(std::shared_ptr<spawn_op> op) {
  if (op->req.secrets.empty())
    return create_volume_then_machine(op);
  std::map<std::string, std::optional<secret>> values;
  for (auto& [k, v] : op->req.secrets)
    values[k] = v;
  op->sh->client.set_secrets(op->sh->cfg.app, values, [op](expected<std::int64_t> r) {
    if (!r)
      return fail(op, r.error());
    create_volume_then_machine(op);
  });
}

} // namespace

compute compute_from_machine(const fly_machine& m, const std::string& app) {
  compute c;
  c.id = m.id;
  c.provider = kName;
  c.status = status_of(m.state);
  c.name = m.name;
  c.region = m.region;
  c.image = json_string(m.config, "image");
  if (auto* md = m.config.if_contains("metadata"); md != nullptr && md->is_object())
    for (auto& [k, v] : md->as_object())
      if (v.is_string())
        c.labels[std::string{k}] = std::string{v.as_string()};
  c.gpu_type = no_gpu;
  c.gpu_count = 0;
  if (auto* g = m.config.if_contains("guest"); g != nullptr && g->is_object()) {
    auto kind = json_string(g->as_object(), "gpu_kind");
    if (!kind.empty()) {
      c.gpu_type = kind;
      for (auto& canonical : supported_gpus(kName))
        if (auto id = gpu_for_provider(canonical, kName); id && *id == kind)
          c.gpu_type = canonical;
      c.gpu_count = static_cast<std::int32_t>(json_int64(g->as_object(), "gpus"));
    }
  }
  if (auto* s = m.config.if_contains("services"); s != nullptr && s->is_array())
    for (auto& svc : s->as_array()) {
      if (!svc.is_object())
        continue;
      auto internal = static_cast<std::int32_t>(json_int64(svc.as_object(), "internal_port"));
      auto* ports = svc.as_object().if_contains("ports");
      if (ports == nullptr || !ports->is_array())
        continue;
      for (auto& p : ports->as_array()) {
        if (!p.is_object())
          continue;
        port_mapping pm;
        pm.internal = internal;
        pm.external = static_cast<std::int32_t>(json_int64(p.as_object(), "port"));
        auto* h = p.as_object().if_contains("handlers");
        bool http = false;
        if (h != nullptr && h->is_array())
          for (auto& x : h->as_array())
            http = http || (x.is_string() && x.as_string() == "http");
        pm.protocol = http ? port_protocol::http : port_protocol::tcp;
        pm.url = http ? (pm.external == 443 ? "https://" : "http://") + app + ".fly.dev"
                          + (pm.external == 443 || pm.external == 80 ? "" : ":" + std::to_string(pm.external))
                      : "tcp://" + app + ".fly.dev:" + std::to_string(pm.external);
        c.ports.push_back(std::move(pm));
      }
    }
  json::object raw{{"id", m.id},           {"name", m.name},       {"state", m.state},
                   {"region", m.region},   {"instance_id", m.instance_id}, {"private_ip", m.private_ip},
                   {"created_at", m.created_at}, {"app", app}};
  c.raw = json::serialize(raw);
  return c;
}

fly_machines_provider::fly_machines_provider(http_client& http, const secret& token, fly_machines_provider_config cfg)
  : sh_(std::make_shared<shared>(http, token, std::move(cfg))) {
}

std::vector<capability> fly_machines_provider::capabilities() const {
  return {capability::http_proxy, capability::raw_tcp, capability::global_networking};
}

void fly_machines_provider::spawn_compute_async(const compute_request& r, reply<compute> done) {
  if (auto ok = validate(r); !ok)
    return done(with_provider(ok.error()));
  auto cfg = machine_config(r);
  if (!cfg)
    return done(cfg.error());
  auto op = std::make_shared<spawn_op>();
  op->sh = sh_;
  op->req = r;
  op->name = with_prefix(sh_->cfg.name_prefix, r.name.empty() ? random_name_suffix() : r.name);
  op->config = std::move(*cfg);
  op->regions = r.region_hints;
  if (op->regions.empty() && !sh_->cfg.default_region.empty())
    op->regions.push_back(sh_->cfg.default_region);
  op->done = std::move(done);
  sh_->client.get_app(sh_->cfg.app, [op](expected<fly_app> a) {
    if (a)
      return set_secrets_then_rest(op);
    if (a.error().code() != errc::not_found)
      return fail(op, a.error());
    op->sh->client.create_app(op->sh->cfg.app, op->sh->cfg.org, [op](expected<fly_app> created) {
      // Taken meanwhile (another spawn created it): as good as created.
      if (!created && created.error().code() != errc::conflict)
        return fail(op, created.error());
      set_secrets_then_rest(op);
    });
  });
}

void fly_machines_provider::get_compute_async(const std::string& id, reply<compute> done) {
  auto sh = sh_;
  sh_->client.get_machine(sh_->cfg.app, id, [sh, done](expected<fly_machine> m) {
    if (!m)
      return done(with_provider(m.error()));
    done(compute_from_machine(*m, sh->cfg.app));
  });
}

void fly_machines_provider::list_compute_async(const compute_filter& f, reply<std::vector<compute>> done) {
  auto sh = sh_;
  sh_->client.list_machines(sh_->cfg.app, [sh, f, done](expected<std::vector<fly_machine>> ms) {
    if (!ms) {
      // No app yet: no machines.
      if (ms.error().code() == errc::not_found)
        return done(std::vector<compute>{});
      return done(with_provider(ms.error()));
    }
    std::vector<compute> out;
    for (auto& m : *ms) {
      auto c = compute_from_machine(m, sh->cfg.app);
      if (matches(f, c))
        out.push_back(std::move(c));
    }
    done(std::move(out));
  });
}

namespace {

/// Answers once the machine is in `state` (Fly's /wait, looped), so a stop
/// or start that returns has happened, and the next call finds it settled.
void then_wait(const std::shared_ptr<fly_machines_provider::shared>& sh, const std::string& id, const char* state,
               expected<void> r, compute_provider::reply<void> done) {
  if (!r)
    return done(with_provider(r.error()));
  sh->client.wait_machine(sh->cfg.app, id, state, sh->cfg.start_timeout, [done](expected<fly_wait_result> w) {
    done(w ? expected<void>{} : expected<void>{with_provider(w.error())});
  });
}

} // namespace

void fly_machines_provider::stop_async(const std::string& id, reply<void> done) {
  auto sh = sh_;
  sh_->client.stop_machine(sh_->cfg.app, id, [sh, id, done](expected<void> r) {
    then_wait(sh, id, "stopped", std::move(r), done);
  });
}

void fly_machines_provider::start_async(const std::string& id, reply<void> done) {
  auto sh = sh_;
  sh_->client.start_machine(sh_->cfg.app, id, [sh, id, done](expected<void> r) {
    then_wait(sh, id, "started", std::move(r), done);
  });
}

void fly_machines_provider::terminate_async(const std::string& id, reply<void> done) {
  sh_->client.destroy_machine(sh_->cfg.app, id, true, [done](expected<void> r) {
    done(r ? r : expected<void>{with_provider(r.error())});
  });
}

expected<std::vector<gpu_type>> fly_machines_provider::list_gpu_types() {
  std::vector<gpu_type> out;
  for (auto& canonical : supported_gpus(kName)) {
    gpu_type g;
    g.id = *gpu_for_provider(canonical, kName);
    g.provider = kName;
    g.canonical = canonical;
    g.display_name = g.id;
    g.stock = "unknown";
    out.push_back(std::move(g));
  }
  return out;
}

provider_actor spawn_fly_machines_provider(caf::actor_system& sys, http_client& http, const secret& token,
                                           fly_machines_provider_config cfg) {
  return spawn_provider(sys, std::make_shared<fly_machines_provider>(http, token, std::move(cfg)));
}

} // namespace atlas
