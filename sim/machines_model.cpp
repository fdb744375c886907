#include <atlas/sim/machines_model.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace atlas::sim {

namespace json = boost::json;

namespace {

std::int64_t unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool valid_app_name(const std::string& n) {
  if (n.empty() || n.size() > 63 || n.front() == '-' || n.back() == '-')
    return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string string_field(const json::value& v, const char* key) {
  if (auto* o = v.if_object())
    if (auto* f = o->if_contains(key); f != nullptr && f->is_string())
      return std::string{f->as_string()};
  return {};
}

const std::set<std::string>& signals() {
  static const std::set<std::string> s{"SIGHUP", "SIGINT", "SIGQUIT", "SIGKILL", "SIGUSR1", "SIGUSR2", "SIGTERM"};
  return s;
}

} // namespace

reply fly_error(int status, std::string text, std::string fly_status) {
  json::object o{{"error", std::move(text)}};
  if (!fly_status.empty())
    o["status"] = std::move(fly_status);
  return {status, std::move(o)};
}

struct machines_model::machine {
  std::string app, id, name, region, state, instance_id, version, private_ip;
  json::object config;
  std::uint64_t epoch = 0;
  std::chrono::system_clock::time_point created_at, updated_at;
  json::array events;
  struct lease_t {
    std::string nonce, description, version;
    std::int64_t expires_at = 0; ///< unix seconds
  };
  std::optional<lease_t> lease;
};

struct machines_model::volume {
  std::string id, name, region, zone, state = "created", fstype = "ext4";
  std::int64_t size_gb = 3;
  bool encrypted = true;
  bool auto_backup_enabled = true;
  std::int64_t snapshot_retention = 5;
  std::chrono::system_clock::time_point created_at;
  json::array snapshots;
};

struct machines_model::secret_value {
  std::string value;
  std::chrono::system_clock::time_point created_at, updated_at;
};

struct machines_model::certificate {
  std::string hostname, source;
  bool configured = false;
  std::chrono::system_clock::time_point created_at;
};

struct machines_model::app_record {
  std::string id, name, org;
  std::map<std::string, machine> machines;
  std::map<std::string, volume> volumes;
  std::map<std::string, secret_value> secrets;
  std::int64_t secrets_version = 0;
  std::map<std::string, certificate> certificates;
  std::map<std::string, json::object> ips; ///< by address
};

machines_model::machines_model(std::string org, duration transition_time)
  : org_(std::move(org)), transition_(transition_time), rng_(std::random_device{}()) {
}

std::string machines_model::random_id(std::size_t n, const char* alphabet) {
  std::string_view a{alphabet};
  std::uniform_int_distribution<std::size_t> pick(0, a.size() - 1);
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += a[pick(rng_)];
  return out;
}

std::string machines_model::ulid() {
  return random_id(26, "0123456789ABCDEFGHJKMNPQRSTVWXYZ");
}

machines_model::app_record* machines_model::find_app(const std::string& app) {
  auto it = apps_.find(app);
  return it == apps_.end() ? nullptr : it->second.get();
}

const machines_model::app_record* machines_model::find_app(const std::string& app) const {
  auto it = apps_.find(app);
  return it == apps_.end() ? nullptr : it->second.get();
}

machines_model::machine* machines_model::find_machine(const std::string& app, const std::string& id,
                                                     reply& error) {
  auto* a = find_app(app);
  if (a == nullptr) {
    error = fly_error(404, "app not found");
    return nullptr;
  }
  auto it = a->machines.find(id);
  if (it == a->machines.end()) {
    error = fly_error(404, "Machine not found");
    return nullptr;
  }
  return &it->second;
}

const machines_model::machine* machines_model::find_machine(const std::string& app,
                                                           const std::string& id, reply& error) const {
  return const_cast<machines_model*>(this)->find_machine(app, id, error);
}

json::value machines_model::app_json(const app_record& a) const {
  std::size_t live = std::count_if(a.machines.begin(), a.machines.end(),
                                   [](const auto& kv) { return kv.second.state != "destroyed"; });
  return json::object{{"id", a.id},
                      {"name", a.name},
                      {"status", live > 0 ? "deployed" : "pending"},
                      {"organization", json::object{{"name", a.org}, {"slug", a.org}}},
                      {"machine_count", live},
                      {"volume_count", 0},
                      {"network", "default"}};
}

json::value machines_model::machine_json(const machine& m) const {
  json::object o{{"id", m.id},
                 {"name", m.name},
                 {"state", m.state},
                 {"region", m.region},
                 {"instance_id", m.instance_id},
                 {"version", m.version},
                 {"private_ip", m.private_ip},
                 {"config", m.config},
                 {"image_ref", json::object{{"registry", "registry-1.docker.io"},
                                            {"repository", string_field(m.config, "image")},
                                            {"tag", "latest"}}},
                 {"created_at", rfc3339(m.created_at)},
                 {"updated_at", rfc3339(m.updated_at)},
                 {"events", m.events},
                 {"host_status", "ok"}};
  return o;
}

std::vector<transition> machines_model::go(machine& m, const std::string& now_state,
                                           const std::string& then_state, const std::string& event) {
  m.state = now_state;
  m.updated_at = clock::now();
  ++m.epoch;
  m.events.insert(m.events.begin(), json::object{{"id", ulid()},
                                                 {"type", event},
                                                 {"status", then_state.empty() ? now_state : then_state},
                                                 {"source", "user"},
                                                 {"timestamp", unix_ms(m.updated_at)}});
  if (m.events.size() > 20)
    m.events.resize(20);
  if (then_state.empty())
    return {};
  return {transition{m.app, m.id, m.epoch, then_state, transition_}};
}

std::vector<transition> machines_model::apply(const transition& t) {
  reply ignored;
  auto* m = find_machine(t.app, t.machine, ignored);
  if (m == nullptr || m->epoch != t.epoch)
    return {}; // superseded by a later call
  m->state = t.to;
  m->updated_at = clock::now();
  ++m->epoch;
  if (t.then.empty())
    return {};
  return {transition{t.app, t.machine, m->epoch, t.then, transition_}};
}

machines_model::machine* machines_model::machine_to_change(const std::string& app, const std::string& id,
                                                           const std::string& nonce, reply& error) {
  auto* m = find_machine(app, id, error);
  if (m == nullptr)
    return nullptr;
  if (auto c = lease_conflict(*m, nonce)) {
    error = *c;
    return nullptr;
  }
  return m;
}

std::optional<reply> machines_model::lease_conflict(const machine& m, const std::string& nonce) const {
  if (!m.lease || m.lease->expires_at <= unix_ms(clock::now()) / 1000 || m.lease->nonce == nonce)
    return std::nullopt;
  return fly_error(409, "machine " + m.id + " is leased by another holder (fly-machine-lease-nonce does not match)");
}

// -- apps ------------------------------------------------------------------------------------

outcome machines_model::create_app(const json::value& body) {
  auto name = string_field(body, "app_name");
  if (name.empty())
    name = string_field(body, "name");
  auto org = string_field(body, "org_slug");
  if (name.empty())
    return {fly_error(400, "app_name (or name) is required")};
  if (!valid_app_name(name))
    return {fly_error(422, "Name can only contain lowercase letters, numbers, and dashes (at most 63)")};
  if (!org.empty() && org != org_ && org != "personal")
    return {fly_error(404, "organization " + org + " not found")};
  if (apps_.count(name) != 0)
    return {fly_error(422, "Name has already been taken", "name_taken")};
  auto a = std::make_shared<app_record>();
  a->id = random_id(16, "abcdefghijklmnopqrstuvwxyz0123456789");
  a->name = name;
  a->org = org_;
  apps_[name] = a;
  return {{201, json::object{{"id", a->id}, {"created_at", unix_ms(clock::now())}}}};
}

outcome machines_model::get_app(const std::string& app) const {
  auto* a = find_app(app);
  if (a == nullptr)
    return {fly_error(404, "app not found")};
  return {{200, app_json(*a)}};
}

outcome machines_model::list_apps(const std::string& org_slug) const {
  if (org_slug.empty())
    return {fly_error(400, "org_slug is required")};
  json::array list;
  if (org_slug == org_ || org_slug == "personal")
    for (const auto& [name, a] : apps_)
      list.push_back(app_json(*a));
  auto n = list.size();
  return {{200, json::object{{"total_apps", n}, {"apps", std::move(list)}}}};
}

bool machines_model::has_app(const std::string& app) const {
  return find_app(app) != nullptr;
}

outcome machines_model::delete_app(const std::string& app) {
  if (apps_.erase(app) == 0)
    return {fly_error(404, "app not found")};
  return {{202, nullptr}};
}

// -- machines --------------------------------------------------------------------------------

outcome machines_model::list_machines(const std::string& app,
                                      const std::multimap<std::string, std::string>& query) const {
  auto* a = find_app(app);
  if (a == nullptr)
    return {fly_error(404, "app not found")};
  auto param = [&](const std::string& k) {
    auto it = query.find(k);
    return it == query.end() ? std::string{} : it->second;
  };
  bool include_deleted = param("include_deleted") == "true";
  std::set<std::string> states;
  for (auto s = param("state"); !s.empty();) {
    auto comma = s.find(',');
    states.insert(s.substr(0, comma));
    s = comma == std::string::npos ? "" : s.substr(comma + 1);
  }
  auto region = param("region");
  json::array out;
  for (const auto& [id, m] : a->machines) {
    if (m.state == "destroyed" && !include_deleted)
      continue;
    if (!states.empty() && states.count(m.state) == 0)
      continue;
    if (!region.empty() && m.region != region)
      continue;
    bool meta_ok = true;
    for (const auto& [k, v] : query) {
      if (k.rfind("metadata.", 0) != 0)
        continue;
      auto* md = m.config.if_contains("metadata");
      auto key = k.substr(9);
      meta_ok = md != nullptr && md->is_object() && md->as_object().contains(key)
                && md->as_object().at(key).is_string() && md->as_object().at(key).as_string() == v;
      if (!meta_ok)
        break;
    }
    if (meta_ok)
      out.push_back(machine_json(m));
  }
  return {{200, std::move(out)}};
}

outcome machines_model::create_machine(const std::string& app, const json::value& body) {
  auto* a = find_app(app);
  if (a == nullptr)
    return {fly_error(404, "app not found")};
  auto* o = body.if_object();
  auto* cfg = o ? o->if_contains("config") : nullptr;
  if (cfg == nullptr || !cfg->is_object() || string_field(*cfg, "image").empty())
    return {fly_error(400, "invalid config: config.image is required")};
  machine m;
  m.app = app;
  m.id = random_id(14, "0123456789abcdef");
  m.name = string_field(body, "name");
  if (m.name.empty())
    m.name = "sim-" + random_id(4, "abcdefghijklmnopqrstuvwxyz") + "-" + random_id(4, "0123456789");
  m.region = string_field(body, "region");
  if (m.region.empty())
    m.region = "iad";
  m.config = cfg->as_object();
  m.instance_id = ulid();
  m.version = m.instance_id;
  m.private_ip = "fdaa:0:18:a7b:196:" + random_id(4, "0123456789abcdef") + ":" + random_id(4, "0123456789abcdef") + ":2";
  m.created_at = clock::now();
  bool skip_launch = o->contains("skip_launch") && o->at("skip_launch").is_bool() && o->at("skip_launch").as_bool();
  auto& stored = a->machines[m.id] = std::move(m);
  auto next = go(stored, "created", skip_launch ? "" : "starting", "launch");
  for (auto& t : next) { // created → starting at once, → started one transition later
    t.after = duration{0};
    t.then = "started";
  }
  auto answer = machine_json(stored);
  return {{200, std::move(answer)}, std::move(next)};
}

outcome machines_model::get_machine(const std::string& app, const std::string& id) const {
  reply err;
  auto* m = find_machine(app, id, err);
  if (m == nullptr)
    return {err};
  return {{200, machine_json(*m)}};
}

outcome machines_model::update_machine(const std::string& app, const std::string& id,
                                       const json::value& body, const std::string& nonce) {
  reply err;
  auto* m = machine_to_change(app, id, nonce, err);
  if (m == nullptr)
    return {err};
  if (m->state == "destroyed" || m->state == "destroying")
    return {fly_error(412, "failed_precondition: machine " + id + " is " + m->state)};
  auto* o = body.if_object();
  auto* cfg = o ? o->if_contains("config") : nullptr;
  if (cfg == nullptr || !cfg->is_object() || string_field(*cfg, "image").empty())
    return {fly_error(400, "invalid config: a full config with config.image is required (no partial updates)")};
  if (auto n = string_field(body, "name"); !n.empty() && n != m->name)
    return {fly_error(400, "a machine's name cannot be changed")};
  if (auto r = string_field(body, "region"); !r.empty() && r != m->region)
    return {fly_error(400, "a machine's region cannot be changed")};
  if (auto v = string_field(body, "current_version"); !v.empty() && v != m->version)
    return {fly_error(412, "failed_precondition: current_version " + v + " is not the machine's version")};
  m->config = cfg->as_object();
  m->instance_id = ulid();
  m->version = m->instance_id;
  bool skip_launch = o->contains("skip_launch") && o->at("skip_launch").is_bool() && o->at("skip_launch").as_bool();
  auto next = skip_launch ? go(*m, "stopped", "", "update") : go(*m, "updating", "started", "update");
  return {{200, machine_json(*m)}, std::move(next)};
}

outcome machines_model::start(const std::string& app, const std::string& id, const std::string& nonce) {
  reply err;
  auto* m = machine_to_change(app, id, nonce, err);
  if (m == nullptr)
    return {err};
  static const std::set<std::string> from{"created", "stopped", "suspended", "failed"};
  if (from.count(m->state) == 0)
    return {fly_error(412, "failed_precondition: unable to start machine from current state: '" + m->state + "'")};
  auto previous = m->state;
  auto next = go(*m, "starting", "started", "start");
  return {{200, json::object{{"previous_state", previous}, {"migrated", false}, {"new_host", ""}}},
          std::move(next)};
}

outcome machines_model::stop(const std::string& app, const std::string& id, const std::string& nonce) {
  reply err;
  auto* m = machine_to_change(app, id, nonce, err);
  if (m == nullptr)
    return {err};
  if (m->state == "destroyed" || m->state == "destroying")
    return {fly_error(412, "failed_precondition: unable to stop machine from current state: '" + m->state + "'")};
  std::vector<transition> next;
  if (m->state != "stopped" && m->state != "stopping")
    next = go(*m, "stopping", "stopped", "stop");
  return {{200, json::object{{"ok", true}}}, std::move(next)};
}

outcome machines_model::suspend(const std::string& app, const std::string& id, const std::string& nonce) {
  reply err;
  auto* m = machine_to_change(app, id, nonce, err);
  if (m == nullptr)
    return {err};
  if (m->state != "started")
    return {fly_error(412, "failed_precondition: unable to suspend machine from current state: '" + m->state + "'")};
  auto next = go(*m, "suspending", "suspended", "suspend");
  return {{200, json::object{{"ok", true}}}, std::move(next)};
}

outcome machines_model::restart(const std::string& app, const std::string& id, const std::string& nonce) {
  reply err;
  auto* m = machine_to_change(app, id, nonce, err);
  if (m == nullptr)
    return {err};
  if (m->state != "started")
    return {fly_error(412, "failed_precondition: unable to restart machine from current state: '" + m->state + "'")};
  auto next = go(*m, "restarting", "started", "restart");
  return {{200, json::object{{"ok", true}}}, std::move(next)};
}

outcome machines_model::signal(const std::string& app, const std::string& id, const json::value& body,
                               const std::string& nonce) {
  reply err;
  auto* m = machine_to_change(app, id, nonce, err);
  if (m == nullptr)
    return {err};
  std::string sig = string_field(body, "signal");
  if (auto* o = body.if_object(); o != nullptr && o->contains("signal") && o->at("signal").is_int64())
    sig = o->at("signal").as_int64() == 9 ? "SIGKILL" : o->at("signal").as_int64() == 15 ? "SIGTERM" : "";
  if (signals().count(sig) == 0)
    return {fly_error(400, "invalid signal: one of SIGHUP SIGINT SIGQUIT SIGKILL SIGUSR1 SIGUSR2 SIGTERM")};
  if (m->state != "started")
    return {fly_error(412, "failed_precondition: machine " + id + " is not running")};
  std::vector<transition> next;
  if (sig == "SIGKILL" || sig == "SIGTERM" || sig == "SIGINT")
    next = go(*m, "stopping", "stopped", "exit");
  return {{200, json::object{{"ok", true}}}, std::move(next)};
}

outcome machines_model::destroy(const std::string& app, const std::string& id, bool force,
                                const std::string& nonce) {
  reply err;
  auto* m = machine_to_change(app, id, nonce, err);
  if (m == nullptr)
    return {err};
  static const std::set<std::string> stopped{"created", "stopped", "suspended", "failed"};
  if (m->state == "destroyed" || m->state == "destroying")
    return {fly_error(404, "Machine not found")};
  if (stopped.count(m->state) == 0 && !force)
    return {fly_error(412, "failed_precondition: unable to destroy machine, not currently stopped, "
                           "suspended or failed (use force=true)")};
  auto next = go(*m, "destroying", "destroyed", "destroy");
  return {{200, json::object{{"ok", true}}}, std::move(next)};
}

// -- leases ----------------------------------------------------------------------------------

outcome machines_model::acquire_lease(const std::string& app, const std::string& id,
                                      const json::value& body, const std::string& nonce) {
  reply err;
  auto* m = machine_to_change(app, id, nonce, err);
  if (m == nullptr)
    return {err};
  std::int64_t ttl = 30;
  if (auto* o = body.if_object(); o != nullptr && o->contains("ttl") && o->at("ttl").is_int64())
    ttl = o->at("ttl").as_int64();
  if (ttl <= 0)
    return {fly_error(400, "ttl must be a positive number of seconds")};
  machine::lease_t l;
  l.nonce = m->lease && m->lease->nonce == nonce ? nonce : random_id(12, "0123456789abcdef");
  l.description = string_field(body, "description");
  l.version = ulid();
  l.expires_at = unix_ms(clock::now()) / 1000 + ttl;
  m->lease = l;
  return {{201, json::object{{"status", "success"},
                             {"data", json::object{{"nonce", l.nonce},
                                                   {"expires_at", l.expires_at},
                                                   {"owner", "sim@fly.io"},
                                                   {"description", l.description},
                                                   {"version", l.version}}}}}};
}

outcome machines_model::get_lease(const std::string& app, const std::string& id) const {
  reply err;
  auto* m = find_machine(app, id, err);
  if (m == nullptr)
    return {err};
  if (!m->lease || m->lease->expires_at <= unix_ms(clock::now()) / 1000)
    return {fly_error(404, "lease not found")};
  // The nonce is the holder's secret: Fly does not give it to others.
  return {{200, json::object{{"status", "success"},
                             {"data", json::object{{"expires_at", m->lease->expires_at},
                                                   {"owner", "sim@fly.io"},
                                                   {"description", m->lease->description},
                                                   {"version", m->lease->version}}}}}};
}

outcome machines_model::release_lease(const std::string& app, const std::string& id,
                                      const std::string& nonce) {
  reply err;
  auto* m = find_machine(app, id, err);
  if (m == nullptr)
    return {err};
  if (!m->lease || m->lease->expires_at <= unix_ms(clock::now()) / 1000)
    return {fly_error(404, "lease not found")};
  if (m->lease->nonce != nonce)
    return {fly_error(409, "machine " + id + " is leased by another holder (fly-machine-lease-nonce does not match)")};
  m->lease.reset();
  return {{200, json::object{{"status", "success"}, {"data", json::object{{"ok", true}}}}}};
}

// -- metadata --------------------------------------------------------------------------------

outcome machines_model::get_metadata(const std::string& app, const std::string& id) const {
  reply err;
  auto* m = find_machine(app, id, err);
  if (m == nullptr)
    return {err};
  auto* md = m->config.if_contains("metadata");
  return {{200, md != nullptr && md->is_object() ? *md : json::value(json::object{})}};
}

outcome machines_model::set_metadata(const std::string& app, const std::string& id, const std::string& key,
                                     const json::value& body, const std::string& nonce) {
  reply err;
  auto* m = machine_to_change(app, id, nonce, err);
  if (m == nullptr)
    return {err};
  auto* o = body.if_object();
  if (o == nullptr || !o->contains("value") || !o->at("value").is_string())
    return {fly_error(400, "body must be {\"value\": \"...\"}")};
  auto& md = m->config["metadata"];
  if (!md.is_object())
    md = json::object{};
  md.as_object()[key] = o->at("value");
  return {{204, nullptr}};
}

outcome machines_model::delete_metadata(const std::string& app, const std::string& id,
                                        const std::string& key, const std::string& nonce) {
  reply err;
  auto* m = machine_to_change(app, id, nonce, err);
  if (m == nullptr)
    return {err};
  if (auto* md = m->config.if_contains("metadata"); md != nullptr && md->is_object())
    md->as_object().erase(key);
  return {{204, nullptr}};
}

// -- volumes ---------------------------------------------------------------------------------

machines_model::volume* machines_model::find_volume(const std::string& app, const std::string& id, reply& error) {
  auto* a = find_app(app);
  if (a == nullptr) {
    error = fly_error(404, "app not found");
    return nullptr;
  }
  auto it = a->volumes.find(id);
  if (it == a->volumes.end()) {
    error = fly_error(404, "Volume not found");
    return nullptr;
  }
  return &it->second;
}

const machines_model::volume* machines_model::find_volume(const std::string& app, const std::string& id,
                                                         reply& error) const {
  return const_cast<machines_model*>(this)->find_volume(app, id, error);
}

json::value machines_model::volume_json(const volume& v) const {
  return json::object{{"id", v.id},
                      {"name", v.name},
                      {"state", v.state},
                      {"size_gb", v.size_gb},
                      {"region", v.region},
                      {"zone", v.zone},
                      {"encrypted", v.encrypted},
                      {"attached_machine_id", nullptr},
                      {"attached_alloc_id", nullptr},
                      {"created_at", rfc3339(v.created_at)},
                      {"fstype", v.fstype},
                      {"snapshot_retention", v.snapshot_retention},
                      {"auto_backup_enabled", v.auto_backup_enabled},
                      {"bytes_total", v.size_gb * 1024 * 1024 * 1024},
                      {"bytes_used", 0},
                      {"host_status", "ok"},
                      {"type", "local"}};
}

outcome machines_model::list_volumes(const std::string& app) const {
  auto* a = find_app(app);
  if (a == nullptr)
    return {fly_error(404, "app not found")};
  json::array out;
  for (const auto& [id, v] : a->volumes)
    if (v.state != "destroyed")
      out.push_back(volume_json(v));
  return {{200, std::move(out)}};
}

outcome machines_model::create_volume(const std::string& app, const json::value& body) {
  auto* a = find_app(app);
  if (a == nullptr)
    return {fly_error(404, "app not found")};
  auto* o = body.if_object();
  if (o == nullptr)
    return {fly_error(400, "body must be a JSON object with at least \"name\"")};
  volume v;
  v.name = string_field(body, "name");
  if (v.name.empty() || v.name.size() > 30
      || !std::all_of(v.name.begin(), v.name.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'; }))
    return {fly_error(400, "name: lowercase letters, digits and underscores, at most 30")};
  v.region = string_field(body, "region");
  if (v.region.empty())
    v.region = "iad";
  if (auto* sz = o->if_contains("size_gb"); sz != nullptr) {
    if (!sz->is_int64() || sz->as_int64() < 1 || sz->as_int64() > 500)
      return {fly_error(400, "size_gb: a whole number of GB from 1 to 500")};
    v.size_gb = sz->as_int64();
  }
  if (auto* e = o->if_contains("encrypted"); e != nullptr && e->is_bool())
    v.encrypted = e->as_bool();
  if (auto f = string_field(body, "fstype"); !f.empty()) {
    if (f != "ext4" && f != "raw")
      return {fly_error(400, "fstype: ext4 or raw")};
    v.fstype = f;
  }
  v.id = "vol_" + random_id(16, "abcdefghijklmnopqrstuvwxyz0123456789");
  v.zone = random_id(4, "0123456789abcdef");
  v.created_at = clock::now();
  auto& stored = a->volumes[v.id] = std::move(v);
  return {{200, volume_json(stored)}};
}

outcome machines_model::get_volume(const std::string& app, const std::string& id) const {
  reply err;
  auto* v = find_volume(app, id, err);
  if (v == nullptr)
    return {err};
  return {{200, volume_json(*v)}};
}

outcome machines_model::update_volume(const std::string& app, const std::string& id, const json::value& body) {
  reply err;
  auto* v = find_volume(app, id, err);
  if (v == nullptr)
    return {err};
  auto* o = body.if_object();
  if (o == nullptr)
    return {fly_error(400, "body must be {\"snapshot_retention\", \"auto_backup_enabled\"}")};
  if (auto* r = o->if_contains("snapshot_retention"); r != nullptr) {
    if (!r->is_int64() || r->as_int64() < 1 || r->as_int64() > 60)
      return {fly_error(400, "snapshot_retention: days from 1 to 60")};
    v->snapshot_retention = r->as_int64();
  }
  if (auto* b = o->if_contains("auto_backup_enabled"); b != nullptr && b->is_bool())
    v->auto_backup_enabled = b->as_bool();
  return {{200, volume_json(*v)}};
}

outcome machines_model::extend_volume(const std::string& app, const std::string& id, const json::value& body) {
  reply err;
  auto* v = find_volume(app, id, err);
  if (v == nullptr)
    return {err};
  auto* o = body.if_object();
  auto* sz = o ? o->if_contains("size_gb") : nullptr;
  if (sz == nullptr || !sz->is_int64() || sz->as_int64() > 500)
    return {fly_error(400, "size_gb: the new size in GB, at most 500")};
  if (sz->as_int64() <= v->size_gb)
    return {fly_error(400, "size_gb: a volume only grows (it is " + std::to_string(v->size_gb) + " GB)")};
  v->size_gb = sz->as_int64();
  return {{200, json::object{{"volume", volume_json(*v)}, {"needs_restart", false}}}};
}

outcome machines_model::delete_volume(const std::string& app, const std::string& id) {
  reply err;
  auto* v = find_volume(app, id, err);
  if (v == nullptr || v->state == "destroyed")
    return {v == nullptr ? err : fly_error(404, "Volume not found")};
  v->state = "destroyed";
  return {{200, volume_json(*v)}};
}

outcome machines_model::list_snapshots(const std::string& app, const std::string& id) const {
  reply err;
  auto* v = find_volume(app, id, err);
  if (v == nullptr)
    return {err};
  return {{200, v->snapshots}};
}

outcome machines_model::create_snapshot(const std::string& app, const std::string& id) {
  reply err;
  auto* v = find_volume(app, id, err);
  if (v == nullptr)
    return {err};
  v->snapshots.push_back(json::object{{"id", "vs_" + random_id(16, "abcdefghijklmnopqrstuvwxyz0123456789")},
                                      {"size", 0},
                                      {"volume_size", v->size_gb * 1024 * 1024 * 1024},
                                      {"digest", random_id(32, "0123456789abcdef")},
                                      {"created_at", rfc3339(clock::now())},
                                      {"status", "created"},
                                      {"retention_days", v->snapshot_retention}});
  return {{200, nullptr}};
}

// -- secrets ---------------------------------------------------------------------------------

namespace {

std::string digest_of(const std::string& value) {
  std::uint64_t h = 1469598103934665603ULL; // FNV-1a: a stable stand-in for Fly's digest
  for (unsigned char c : value)
    h = (h ^ c) * 1099511628211ULL;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

bool valid_secret_name(const std::string& n) {
  return !n.empty() && n.size() <= 256 && !std::isdigit(static_cast<unsigned char>(n[0]))
         && std::all_of(n.begin(), n.end(), [](char c) {
              return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
            });
}

} // namespace

json::value machines_model::secret_json(const std::string& name, const secret_value& s, bool show) const {
  json::object o{{"name", name},
                 {"digest", digest_of(s.value)},
                 {"created_at", rfc3339(s.created_at)},
                 {"updated_at", rfc3339(s.updated_at)}};
  if (show)
    o["value"] = s.value;
  return o;
}

outcome machines_model::list_secrets(const std::string& app, bool show_values) const {
  auto* a = find_app(app);
  if (a == nullptr)
    return {fly_error(404, "app not found")};
  json::array out;
  for (const auto& [name, s] : a->secrets)
    out.push_back(secret_json(name, s, show_values));
  return {{200, json::object{{"secrets", std::move(out)}}}};
}

outcome machines_model::set_secrets(const std::string& app, const json::value& body) {
  auto* a = find_app(app);
  if (a == nullptr)
    return {fly_error(404, "app not found")};
  auto* o = body.if_object();
  auto* values = o ? o->if_contains("values") : nullptr;
  if (values == nullptr || !values->is_object())
    return {fly_error(400, "body must be {\"values\": {\"NAME\": \"value\" or null}}")};
  for (const auto& [k, v] : values->as_object()) {
    if (!valid_secret_name(std::string{k}))
      return {fly_error(400, "secret name \"" + std::string{k} + "\": letters, digits and underscores, not starting with a digit")};
    if (!v.is_string() && !v.is_null())
      return {fly_error(400, "secret " + std::string{k} + ": a string, or null to unset it")};
  }
  auto now = clock::now();
  for (const auto& [k, v] : values->as_object()) {
    std::string name{k};
    if (v.is_null()) {
      a->secrets.erase(name);
      continue;
    }
    auto [it, added] = a->secrets.try_emplace(name);
    if (added)
      it->second.created_at = now;
    it->second.value = std::string{v.as_string()};
    it->second.updated_at = now;
  }
  ++a->secrets_version;
  json::array out;
  for (const auto& [name, s] : a->secrets)
    out.push_back(secret_json(name, s, false));
  return {{200, json::object{{"secrets", std::move(out)}, {"version", a->secrets_version}, {"Version", a->secrets_version}}}};
}

outcome machines_model::get_secret(const std::string& app, const std::string& name) const {
  auto* a = find_app(app);
  if (a == nullptr)
    return {fly_error(404, "app not found")};
  auto it = a->secrets.find(name);
  if (it == a->secrets.end())
    return {fly_error(404, "secret not found")};
  return {{200, secret_json(name, it->second, false)}};
}

outcome machines_model::set_secret(const std::string& app, const std::string& name, const json::value& body) {
  auto* a = find_app(app);
  if (a == nullptr)
    return {fly_error(404, "app not found")};
  if (!valid_secret_name(name))
    return {fly_error(400, "secret name \"" + name + "\": letters, digits and underscores, not starting with a digit")};
  auto value = string_field(body, "value");
  if (body.if_object() == nullptr || !body.as_object().contains("value") || !body.as_object().at("value").is_string())
    return {fly_error(400, "body must be {\"value\": \"...\"}")};
  auto now = clock::now();
  auto [it, added] = a->secrets.try_emplace(name);
  if (added)
    it->second.created_at = now;
  it->second.value = value;
  it->second.updated_at = now;
  ++a->secrets_version;
  auto o = secret_json(name, it->second, false);
  o.as_object()["version"] = a->secrets_version;
  return {{201, std::move(o)}};
}

outcome machines_model::delete_secret(const std::string& app, const std::string& name) {
  auto* a = find_app(app);
  if (a == nullptr)
    return {fly_error(404, "app not found")};
  if (a->secrets.erase(name) == 0)
    return {fly_error(404, "secret not found")};
  ++a->secrets_version;
  return {{200, json::object{{"version", a->secrets_version}}}};
}

// -- certificates and IP assignments ---------------------------------------------------------

namespace {

bool valid_hostname(const std::string& h) {
  if (h.empty() || h.size() > 253 || h.find('.') == std::string::npos || h.front() == '.' || h.back() == '.')
    return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-'
           || c == '.' || c == '*';
  });
}

} // namespace

json::value machines_model::certificate_json(const app_record& a, const certificate& c, bool detail) const {
  auto status = c.configured ? "active" : "pending_validation";
  json::object o{{"hostname", c.hostname},
                 {"configured", c.configured},
                 {"acme_requested", c.source == "fly"},
                 {"status", status},
                 {"dns_provider", ""},
                 {"has_custom_certificate", c.source == "custom"},
                 {"has_fly_certificate", c.source == "fly"},
                 {"created_at", rfc3339(c.created_at)},
                 {"updated_at", rfc3339(c.created_at)}};
  if (!detail)
    return o;
  json::array certs;
  if (c.source == "custom" || c.configured)
    certs.push_back(json::object{{"source", c.source}, {"status", "active"}, {"created_at", rfc3339(c.created_at)}});
  o["certificates"] = std::move(certs);
  o["validation"] = json::object{{"dns_configured", c.configured}, {"alpn_configured", false},
                                 {"http_configured", false}, {"ownership_txt_configured", false}};
  o["dns_requirements"] = json::object{
    {"cname", a.name + ".fly.dev"},
    {"acme_challenge", json::object{{"name", "_acme-challenge." + c.hostname},
                                    {"target", c.hostname + "." + a.id.substr(0, 5) + ".flydns.net"}}},
    {"ownership", json::object{{"name", "_fly-ownership." + c.hostname}, {"app_value", a.id}}}};
  o["validation_errors"] = json::array{};
  return o;
}

outcome machines_model::list_certificates(const std::string& app) const {
  auto* a = find_app(app);
  if (a == nullptr)
    return {fly_error(404, "app not found")};
  json::array out;
  for (const auto& [h, c] : a->certificates)
    out.push_back(certificate_json(*a, c, false));
  auto n = out.size();
  return {{200, json::object{{"certificates", std::move(out)}, {"total_count", n}}}};
}

outcome machines_model::request_certificate(const std::string& app, const json::value& body, bool custom) {
  auto* a = find_app(app);
  if (a == nullptr)
    return {fly_error(404, "app not found")};
  auto host = string_field(body, "hostname");
  if (!valid_hostname(host))
    return {fly_error(422, "hostname \"" + host + "\" is not a valid host name")};
  if (custom && (string_field(body, "fullchain").empty() || string_field(body, "private_key").empty()))
    return {fly_error(422, "a custom certificate needs \"fullchain\" and \"private_key\"")};
  if (a->certificates.count(host) != 0)
    return {fly_error(422, "hostname " + host + " already has a certificate on this app")};
  certificate c{host, custom ? "custom" : "fly", custom, clock::now()};
  auto& stored = a->certificates[host] = c;
  return {{201, certificate_json(*a, stored, true)}};
}

outcome machines_model::get_certificate(const std::string& app, const std::string& hostname) const {
  auto* a = find_app(app);
  if (a == nullptr)
    return {fly_error(404, "app not found")};
  auto it = a->certificates.find(hostname);
  if (it == a->certificates.end())
    return {fly_error(404, "certificate not found")};
  return {{200, certificate_json(*a, it->second, true)}};
}

outcome machines_model::check_certificate(const std::string& app, const std::string& hostname) {
  auto* a = find_app(app);
  if (a == nullptr)
    return {fly_error(404, "app not found")};
  auto it = a->certificates.find(hostname);
  if (it == a->certificates.end())
    return {fly_error(404, "certificate not found")};
  it->second.configured = true; // the simulated DNS is always right
  auto o = certificate_json(*a, it->second, true);
  o.as_object()["dns_records"] = json::object{{"cname", json::array{a->name + ".fly.dev"}}};
  return {{200, std::move(o)}};
}

outcome machines_model::delete_certificate(const std::string& app, const std::string& hostname) {
  auto* a = find_app(app);
  if (a == nullptr)
    return {fly_error(404, "app not found")};
  if (a->certificates.erase(hostname) == 0)
    return {fly_error(404, "certificate not found")};
  return {{204, nullptr}};
}

outcome machines_model::list_ips(const std::string& app) const {
  auto* a = find_app(app);
  if (a == nullptr)
    return {fly_error(404, "app not found")};
  json::array out;
  for (const auto& [ip, o] : a->ips)
    out.push_back(o);
  return {{200, json::object{{"ips", std::move(out)}}}};
}

outcome machines_model::assign_ip(const std::string& app, const json::value& body) {
  auto* a = find_app(app);
  if (a == nullptr)
    return {fly_error(404, "app not found")};
  auto type = string_field(body, "type");
  static const std::set<std::string> types{"v4", "v6", "shared_v4", "private_v6", "egress_v4", "egress_v6"};
  if (types.count(type) == 0)
    return {fly_error(400, "type \"" + type + "\": one of v4, v6, shared_v4, private_v6, egress_v4, egress_v6")};
  std::string ip;
  auto n = [&] { return std::to_string(1 + rng_() % 254); };
  if (type == "v4" || type == "egress_v4")
    ip = "66.241.124." + n();
  else if (type == "shared_v4")
    ip = "66.241.125." + n();
  else if (type == "private_v6")
    ip = "fdaa:0:18:a7b:0:1:" + random_id(4, "0123456789abcdef") + ":0";
  else
    ip = "2a09:8280:1::" + random_id(2, "0123456789abcdef") + ":" + random_id(4, "0123456789abcdef");
  auto region = string_field(body, "region");
  json::object o{{"ip", ip},
                 {"region", region.empty() ? "global" : region},
                 {"service_name", string_field(body, "service_name")},
                 {"shared", type == "shared_v4"},
                 {"created_at", rfc3339(clock::now())},
                 {"egress", type.rfind("egress", 0) == 0}};
  a->ips[ip] = o;
  return {{200, std::move(o)}};
}

outcome machines_model::release_ip(const std::string& app, const std::string& ip) {
  auto* a = find_app(app);
  if (a == nullptr)
    return {fly_error(404, "app not found")};
  if (a->ips.erase(ip) == 0)
    return {fly_error(404, "IP assignment not found")};
  return {{204, nullptr}};
}

std::optional<reply> machines_model::wait_answer(const std::string& app, const std::string& id,
                                                 const std::set<std::string>& states) const {
  reply err;
  auto* m = find_machine(app, id, err);
  if (m == nullptr)
    return err;
  if (states.count(m->state) == 0)
    return std::nullopt;
  auto event = m->events.empty() ? json::value{""} : m->events.front().as_object().at("id");
  return reply{200, json::object{{"ok", true}, {"state", m->state}, {"version", m->version}, {"event_id", event}}};
}

} // namespace atlas::sim
