#include <atlas/net/fly_machines_client.hpp>

#include <atlas/net/json_fields.hpp>

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/pchars.hpp>

#include <algorithm>
#include <cctype>

namespace atlas {

namespace json = boost::json;

namespace {

const char* const provider = "Fly Machines API";

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size()
         && std::equal(prefix.begin(), prefix.end(), s.begin(),
                       [](char p, char c) { return p == std::tolower(static_cast<unsigned char>(c)); });
}

std::string segment(const std::string& s) {
  return boost::urls::encode(s, boost::urls::pchars);
}

expected<json::value> parse_body(const http_response& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  if (ec)
    return error{errc::provider, std::string{"the answer is not JSON: "} + ec.message(), r.status, provider};
  return v;
}

expected<json::object> parse_object(const http_response& r) {
  auto v = parse_body(r);
  if (!v)
    return v.error();
  if (!v->is_object())
    return error{errc::provider, "the answer is not a JSON object", r.status, provider};
  return std::move(v->as_object());
}

fly_app to_app(const json::object& o) {
  fly_app a;
  a.id = json_string(o, "id");
  a.name = json_string(o, "name");
  a.status = json_string(o, "status");
  if (auto* org = o.if_contains("organization"); org != nullptr && org->is_object())
    a.org_slug = json_string(org->as_object(), "slug");
  a.machine_count = json_int64(o, "machine_count");
  return a;
}

fly_machine to_machine(const json::object& o) {
  fly_machine m;
  m.id = json_string(o, "id");
  m.name = json_string(o, "name");
  m.state = json_string(o, "state");
  m.region = json_string(o, "region");
  m.instance_id = json_string(o, "instance_id");
  m.version = json_string(o, "version");
  m.private_ip = json_string(o, "private_ip");
  m.created_at = json_string(o, "created_at");
  m.updated_at = json_string(o, "updated_at");
  if (auto* c = o.if_contains("config"); c != nullptr && c->is_object())
    m.config = c->as_object();
  return m;
}

/// A list in an answer: the body itself (`key` null) or the array under `key`.
template <class T, class Convert>
expected<std::vector<T>> list_from(const http_response& r, const char* key, Convert convert) {
  auto v = parse_body(r);
  if (!v)
    return v.error();
  const json::value* list = &*v;
  if (key != nullptr)
    list = v->is_object() ? v->as_object().if_contains(key) : nullptr;
  if (list == nullptr || !list->is_array())
    return error{errc::provider, key ? std::string{"no \""} + key + "\" array in the answer"
                                     : std::string{"the answer is not a JSON array"},
                 r.status, provider};
  std::vector<T> out;
  for (auto& x : list->as_array())
    if (x.is_object())
      out.push_back(convert(x.as_object()));
  return out;
}

json::object request_body(const fly_machine_request& r, bool create) {
  json::object o{{"config", r.config}};
  if (create && !r.name.empty())
    o["name"] = r.name;
  if (create && !r.region.empty())
    o["region"] = r.region;
  if (r.skip_launch)
    o["skip_launch"] = true;
  return o;
}

} // namespace

secret fly_authorization(const secret& token) {
  std::string_view t = token.reveal();
  if (starts_with_ci(t, "bearer ") || starts_with_ci(t, "flyv1 "))
    return token;
  for (const char* macaroon : {"fm1r_", "fm1a_", "fm2_"})
    if (t.rfind(macaroon, 0) == 0)
      return secret{"FlyV1 " + std::string{t}};
  return secret{"Bearer " + std::string{t}};
}

struct fly_machines_client::state : std::enable_shared_from_this<state> {
  http_client& http;
  secret authorization;
  fly_machines_options opts;
  rate_limiter limiter;

  state(http_client& h, secret auth, fly_machines_options o)
    : http(h), authorization(std::move(auth)), opts(std::move(o)),
      limiter(with_headroom(opts.limits, opts.pace_headroom), with_headroom(opts.default_limit, opts.pace_headroom)) {}

  static bucket_spec with_headroom(bucket_spec b, double headroom) {
    b.per_second *= 1.0 - std::clamp(headroom, 0.0, 0.9);
    return b;
  }
  static std::map<std::string, bucket_spec, std::less<>>
  with_headroom(std::map<std::string, bucket_spec, std::less<>> limits, double headroom) {
    for (auto& [action, b] : limits)
      b = with_headroom(b, headroom);
    return limits;
  }

  struct call {
    std::string action;
    std::string resource; ///< what Fly's limit is counted per: a machine, else an app
    std::string method;
    std::string path;
    std::optional<json::value> body{};
    std::string lease_nonce{};
    duration deadline{0};
  };

  /// Sends `c` once its rate-limit slot comes, retrying by the policy; a
  /// non-2xx answer becomes an error with Fly's text (and its status code
  /// word, such as name_taken).
  void send(call c, std::function<void(expected<http_response>)> done) {
    http_request req;
    req.method = c.method;
    req.url = opts.base_url + c.path;
    req.authorization = authorization;
    req.deadline = c.deadline;
    if (c.body) {
      req.body = json::serialize(*c.body);
      req.content_type = "application/json";
    }
    if (!c.lease_nonce.empty())
      req.headers.emplace_back("fly-machine-lease-nonce", c.lease_nonce);
    // A retry takes a slot of the same limit as the first attempt: retries
    // sent on top of the paced traffic would provoke the 429s pacing avoids.
    std::function<duration()> pace_retry;
    if (opts.pace)
      pace_retry = [w = weak_from_this(), action = c.action, resource = c.resource] {
        auto self = w.lock();
        return self ? self->limiter.reserve(action, resource) : duration{0};
      };
    auto go = [self = shared_from_this(), req = std::move(req), done = std::move(done),
               pace_retry = std::move(pace_retry)]() mutable {
      request_with_retry(
        self->http, std::move(req), self->opts.retry,
        [done = std::move(done)](expected<http_response> r, std::uint32_t) { done(with_fly_status(std::move(r))); },
        std::move(pace_retry));
    };
    auto wait = opts.pace ? limiter.reserve(c.action, c.resource) : duration{0};
    if (wait.count() == 0)
      return go();
    http.after(wait, std::move(go));
  }

  static expected<http_response> with_fly_status(expected<http_response> r) {
    if (!r || (r->status >= 200 && r->status < 300))
      return r;
    auto checked = check_status(r, provider);
    boost::system::error_code ec;
    auto v = json::parse(r->body, ec);
    if (!ec && v.is_object())
      if (auto word = json_string(v.as_object(), "status"); !word.empty()) {
        // Fly's capacity words mean "not here, not now": errc::capacity, so a
        // caller can try another region instead of reading the text.
        auto code = word == "insufficient_capacity" || word == "volume_placement_capacity" ? errc::capacity
                                                                                            : checked.error().code();
        return error{code, checked.error().message() + " (" + word + ")", r->status, provider};
      }
    return checked;
  }

  template <class T, class Parse>
  void typed(call c, std::function<void(expected<T>)> done, Parse parse) {
    send(std::move(c), [done = std::move(done), parse](expected<http_response> r) {
      if (!r)
        return done(r.error());
      done(parse(*r));
    });
  }

  void untyped(call c, std::function<void(expected<void>)> done) {
    send(std::move(c), [done = std::move(done)](expected<http_response> r) {
      if (!r)
        return done(r.error());
      done(expected<void>{});
    });
  }

  void wait_loop(std::string app, std::string id, std::string wanted, std::chrono::steady_clock::time_point end,
                 duration overall, std::function<void(expected<fly_wait_result>)> done) {
    auto left = std::chrono::duration_cast<std::chrono::seconds>(end - std::chrono::steady_clock::now()
                                                                 + std::chrono::milliseconds{999});
    // Fly's rule for one wait: 1–60 s; the option may cap it lower.
    auto cap = std::clamp<std::int64_t>(opts.max_wait_per_request.count(), 1, 60);
    auto timeout = std::clamp<std::int64_t>(left.count(), 1, cap);
    call c{"wait_machine", id, "GET",
           "/v1/apps/" + segment(app) + "/machines/" + segment(id) + "/wait?state=" + segment(wanted)
             + "&timeout=" + std::to_string(timeout)};
    c.deadline = std::chrono::seconds{timeout + 15};
    send(std::move(c), [self = shared_from_this(), app, id, wanted, end, overall,
                        done = std::move(done)](expected<http_response> r) mutable {
      if (r) {
        auto o = parse_object(*r);
        if (!o)
          return done(o.error());
        return done(fly_wait_result{json_string(*o, "state"), json_string(*o, "version"), json_string(*o, "event_id")});
      }
      if (r.error().http_status() != 408)
        return done(r.error()); // 400 and the rest: asking again would not help
      if (std::chrono::steady_clock::now() >= end)
        return done(error{errc::timeout, "machine " + id + " of app " + app + " did not reach " + wanted
                                           + " within " + format_duration(overall),
                          408, provider});
      self->wait_loop(std::move(app), std::move(id), std::move(wanted), end, overall, std::move(done));
    });
  }
};

fly_machines_client::fly_machines_client(http_client& http, secret token, fly_machines_options opts)
  : st_(std::make_shared<state>(http, fly_authorization(token), std::move(opts))) {
  while (!st_->opts.base_url.empty() && st_->opts.base_url.back() == '/')
    st_->opts.base_url.pop_back();
}

// -- apps ------------------------------------------------------------------------------------

void fly_machines_client::create_app(const std::string& name, const std::string& org_slug,
                                     callback<fly_app> done) {
  state::call c{"create_app", name, "POST", "/v1/apps"};
  c.body = json::object{{"app_name", name}, {"org_slug", org_slug}};
  c.body->as_object()["name"] = name; // older and newer field names: Fly accepts both
  st_->typed<fly_app>(std::move(c), std::move(done), [name, org_slug](const http_response& r) -> expected<fly_app> {
    auto o = parse_object(r);
    if (!o)
      return o.error();
    fly_app a;
    a.id = json_string(*o, "id");
    a.name = name;
    a.org_slug = org_slug;
    a.status = "pending";
    return a;
  });
}

void fly_machines_client::get_app(const std::string& name, callback<fly_app> done) {
  st_->typed<fly_app>({"get_app", name, "GET", "/v1/apps/" + segment(name)}, std::move(done),
                      [](const http_response& r) -> expected<fly_app> {
                        auto o = parse_object(r);
                        if (!o)
                          return o.error();
                        return to_app(*o);
                      });
}

void fly_machines_client::list_apps(const std::string& org_slug, callback<std::vector<fly_app>> done) {
  st_->typed<std::vector<fly_app>>({"list_apps", org_slug, "GET", "/v1/apps?org_slug=" + segment(org_slug)},
                                   std::move(done),
                                   [](const http_response& r) { return list_from<fly_app>(r, "apps", to_app); });
}

void fly_machines_client::delete_app(const std::string& name, callback<void> done) {
  st_->untyped({"delete_app", name, "DELETE", "/v1/apps/" + segment(name)}, std::move(done));
}

// -- machines --------------------------------------------------------------------------------

namespace {

std::string machines_path(const std::string& app) {
  return "/v1/apps/" + segment(app) + "/machines";
}

std::string machine_path(const std::string& app, const std::string& id) {
  return machines_path(app) + "/" + segment(id);
}

expected<fly_machine> machine_from(const http_response& r) {
  auto o = parse_object(r);
  if (!o)
    return o.error();
  return to_machine(*o);
}

} // namespace

void fly_machines_client::list_machines(const std::string& app, callback<std::vector<fly_machine>> done) {
  st_->typed<std::vector<fly_machine>>({"list_machines", app, "GET", machines_path(app)}, std::move(done),
                                       [](const http_response& r) { return list_from<fly_machine>(r, nullptr, to_machine); });
}

void fly_machines_client::create_machine(const std::string& app, const fly_machine_request& req,
                                         callback<fly_machine> done) {
  state::call c{"create_machine", app, "POST", machines_path(app)};
  c.body = request_body(req, true);
  st_->typed<fly_machine>(std::move(c), std::move(done), machine_from);
}

void fly_machines_client::get_machine(const std::string& app, const std::string& id, callback<fly_machine> done) {
  st_->typed<fly_machine>({"get_machine", id, "GET", machine_path(app, id)}, std::move(done), machine_from);
}

void fly_machines_client::update_machine(const std::string& app, const std::string& id,
                                         const fly_machine_request& req, callback<fly_machine> done,
                                         const std::string& lease_nonce) {
  state::call c{"update_machine", id, "POST", machine_path(app, id)};
  c.body = request_body(req, false);
  c.lease_nonce = lease_nonce;
  st_->typed<fly_machine>(std::move(c), std::move(done), machine_from);
}

void fly_machines_client::start_machine(const std::string& app, const std::string& id, callback<void> done) {
  st_->untyped({"start_machine", id, "POST", machine_path(app, id) + "/start"}, std::move(done));
}

void fly_machines_client::stop_machine(const std::string& app, const std::string& id, callback<void> done) {
  st_->untyped({"stop_machine", id, "POST", machine_path(app, id) + "/stop"}, std::move(done));
}

void fly_machines_client::suspend_machine(const std::string& app, const std::string& id, callback<void> done) {
  st_->untyped({"suspend_machine", id, "POST", machine_path(app, id) + "/suspend"}, std::move(done));
}

void fly_machines_client::restart_machine(const std::string& app, const std::string& id, callback<void> done) {
  st_->untyped({"restart_machine", id, "POST", machine_path(app, id) + "/restart"}, std::move(done));
}

void fly_machines_client::signal_machine(const std::string& app, const std::string& id,
                                         const std::string& signal, callback<void> done) {
  state::call c{"signal_machine", id, "POST", machine_path(app, id) + "/signal"};
  c.body = json::object{{"signal", signal}};
  st_->untyped(std::move(c), std::move(done));
}

void fly_machines_client::destroy_machine(const std::string& app, const std::string& id, bool force,
                                          callback<void> done, const std::string& lease_nonce) {
  state::call c{"delete_machine", id, "DELETE", machine_path(app, id) + (force ? "?force=true" : "")};
  c.lease_nonce = lease_nonce;
  st_->untyped(std::move(c), std::move(done));
}

void fly_machines_client::wait_machine(const std::string& app, const std::string& id, const std::string& state,
                                       duration overall, callback<fly_wait_result> done) {
  st_->wait_loop(app, id, state, std::chrono::steady_clock::now() + overall, overall, std::move(done));
}

// -- leases and metadata ---------------------------------------------------------------------

namespace {

expected<fly_lease> lease_from(const http_response& r) {
  auto o = parse_object(r);
  if (!o)
    return o.error();
  auto* d = o->if_contains("data");
  if (d == nullptr || !d->is_object())
    return error{errc::provider, "a lease answer without \"data\"", r.status, provider};
  auto& data = d->as_object();
  return fly_lease{json_string(data, "nonce"), json_string(data, "owner"), json_string(data, "description"), json_string(data, "version"),
                   json_int64(data, "expires_at")};
}

} // namespace

void fly_machines_client::acquire_lease(const std::string& app, const std::string& id, std::chrono::seconds ttl,
                                        callback<fly_lease> done) {
  state::call c{"lease", id, "POST", machine_path(app, id) + "/lease"};
  c.body = json::object{{"ttl", ttl.count()}};
  st_->typed<fly_lease>(std::move(c), std::move(done), lease_from);
}

void fly_machines_client::refresh_lease(const std::string& app, const std::string& id, const std::string& nonce,
                                        std::chrono::seconds ttl, callback<fly_lease> done) {
  state::call c{"lease", id, "POST", machine_path(app, id) + "/lease"};
  c.body = json::object{{"ttl", ttl.count()}};
  c.lease_nonce = nonce;
  st_->typed<fly_lease>(std::move(c), std::move(done), lease_from);
}

void fly_machines_client::get_lease(const std::string& app, const std::string& id, callback<fly_lease> done) {
  st_->typed<fly_lease>({"get_lease", id, "GET", machine_path(app, id) + "/lease"}, std::move(done), lease_from);
}

void fly_machines_client::release_lease(const std::string& app, const std::string& id, const std::string& nonce,
                                        callback<void> done) {
  state::call c{"lease", id, "DELETE", machine_path(app, id) + "/lease"};
  c.lease_nonce = nonce;
  st_->untyped(std::move(c), std::move(done));
}

void fly_machines_client::get_metadata(const std::string& app, const std::string& id,
                                       callback<std::map<std::string, std::string>> done) {
  st_->typed<std::map<std::string, std::string>>(
    {"get_metadata", id, "GET", machine_path(app, id) + "/metadata"}, std::move(done),
    [](const http_response& r) -> expected<std::map<std::string, std::string>> {
      auto o = parse_object(r);
      if (!o)
        return o.error();
      std::map<std::string, std::string> out;
      for (auto& [k, v] : *o)
        if (v.is_string())
          out.emplace(std::string{k}, std::string{v.as_string()});
      return out;
    });
}

void fly_machines_client::set_metadata(const std::string& app, const std::string& id, const std::string& key,
                                       const std::string& value, callback<void> done) {
  state::call c{"metadata", id, "POST", machine_path(app, id) + "/metadata/" + segment(key)};
  c.body = json::object{{"value", value}};
  st_->untyped(std::move(c), std::move(done));
}

void fly_machines_client::delete_metadata(const std::string& app, const std::string& id, const std::string& key,
                                          callback<void> done) {
  st_->untyped({"metadata", id, "DELETE", machine_path(app, id) + "/metadata/" + segment(key)}, std::move(done));
}

// -- volumes ---------------------------------------------------------------------------------

namespace {

std::string volumes_path(const std::string& app) {
  return "/v1/apps/" + segment(app) + "/volumes";
}

fly_volume to_volume(const json::object& o) {
  fly_volume v;
  v.id = json_string(o, "id");
  v.name = json_string(o, "name");
  v.state = json_string(o, "state");
  v.region = json_string(o, "region");
  v.zone = json_string(o, "zone");
  v.size_gb = json_int64(o, "size_gb");
  if (auto* e = o.if_contains("encrypted"); e != nullptr && e->is_bool())
    v.encrypted = e->as_bool();
  v.attached_machine_id = json_string(o, "attached_machine_id");
  v.snapshot_retention = json_int64(o, "snapshot_retention");
  if (auto* b = o.if_contains("auto_backup_enabled"); b != nullptr && b->is_bool())
    v.auto_backup_enabled = b->as_bool();
  return v;
}

expected<fly_volume> volume_from(const http_response& r) {
  auto o = parse_object(r);
  if (!o)
    return o.error();
  return to_volume(*o);
}

fly_secret to_secret(const json::object& o) {
  fly_secret s;
  s.name = json_string(o, "name");
  s.digest = json_string(o, "digest");
  s.created_at = json_string(o, "created_at");
  s.updated_at = json_string(o, "updated_at");
  if (auto* v = o.if_contains("value"); v != nullptr && v->is_string())
    s.value = secret{std::string{v->as_string()}};
  return s;
}

expected<std::int64_t> version_from(const http_response& r) {
  auto o = parse_object(r);
  if (!o)
    return o.error();
  return json_int64(*o, "version");
}

} // namespace

void fly_machines_client::list_volumes(const std::string& app, callback<std::vector<fly_volume>> done) {
  st_->typed<std::vector<fly_volume>>({"list_volumes", app, "GET", volumes_path(app)}, std::move(done),
                                      [](const http_response& r) { return list_from<fly_volume>(r, nullptr, to_volume); });
}

void fly_machines_client::create_volume(const std::string& app, const fly_volume_request& req,
                                        callback<fly_volume> done) {
  state::call c{"create_volume", app, "POST", volumes_path(app)};
  json::object body{{"name", req.name}, {"size_gb", req.size_gb}, {"encrypted", req.encrypted}};
  if (!req.region.empty())
    body["region"] = req.region;
  c.body = std::move(body);
  st_->typed<fly_volume>(std::move(c), std::move(done), volume_from);
}

void fly_machines_client::get_volume(const std::string& app, const std::string& id, callback<fly_volume> done) {
  st_->typed<fly_volume>({"get_volume", id, "GET", volumes_path(app) + "/" + segment(id)}, std::move(done),
                         volume_from);
}

void fly_machines_client::extend_volume(const std::string& app, const std::string& id, std::int64_t size_gb,
                                        callback<std::pair<fly_volume, bool>> done) {
  state::call c{"extend_volume", id, "PUT", volumes_path(app) + "/" + segment(id) + "/extend"};
  c.body = json::object{{"size_gb", size_gb}};
  st_->typed<std::pair<fly_volume, bool>>(
    std::move(c), std::move(done), [](const http_response& r) -> expected<std::pair<fly_volume, bool>> {
      auto o = parse_object(r);
      if (!o)
        return o.error();
      auto* v = o->if_contains("volume");
      if (v == nullptr || !v->is_object())
        return error{errc::provider, "an extend answer without \"volume\"", r.status, provider};
      auto* restart = o->if_contains("needs_restart");
      return std::pair{to_volume(v->as_object()), restart != nullptr && restart->is_bool() && restart->as_bool()};
    });
}

void fly_machines_client::delete_volume(const std::string& app, const std::string& id, callback<fly_volume> done) {
  st_->typed<fly_volume>({"delete_volume", id, "DELETE", volumes_path(app) + "/" + segment(id)}, std::move(done),
                         volume_from);
}

void fly_machines_client::update_volume(const std::string& app, const std::string& id, const fly_volume_update& upd,
                                        callback<fly_volume> done) {
  state::call c{"update_volume", id, "PUT", volumes_path(app) + "/" + segment(id)};
  json::object body;
  if (upd.snapshot_retention)
    body["snapshot_retention"] = *upd.snapshot_retention;
  if (upd.auto_backup_enabled)
    body["auto_backup_enabled"] = *upd.auto_backup_enabled;
  c.body = std::move(body);
  st_->typed<fly_volume>(std::move(c), std::move(done), volume_from);
}

void fly_machines_client::list_snapshots(const std::string& app, const std::string& volume_id,
                                         callback<std::vector<fly_volume_snapshot>> done) {
  st_->typed<std::vector<fly_volume_snapshot>>(
    {"list_snapshots", volume_id, "GET", volumes_path(app) + "/" + segment(volume_id) + "/snapshots"}, std::move(done),
    [](const http_response& r) {
      return list_from<fly_volume_snapshot>(r, nullptr, [](const json::object& o) {
        return fly_volume_snapshot{json_string(o, "id"),   json_string(o, "status"),      json_string(o, "digest"),        json_string(o, "created_at"),
                                   json_int64(o, "size"), json_int64(o, "volume_size"), json_int64(o, "retention_days")};
      });
    });
}

void fly_machines_client::create_snapshot(const std::string& app, const std::string& volume_id,
                                          callback<void> done) {
  st_->untyped({"create_snapshot", volume_id, "POST", volumes_path(app) + "/" + segment(volume_id) + "/snapshots"},
               std::move(done));
}

// -- secrets ---------------------------------------------------------------------------------

void fly_machines_client::list_secrets(const std::string& app, bool show_values,
                                       callback<std::vector<fly_secret>> done) {
  st_->typed<std::vector<fly_secret>>(
    {"list_secrets", app, "GET", "/v1/apps/" + segment(app) + "/secrets" + (show_values ? "?show_secrets=true" : "")},
    std::move(done), [](const http_response& r) { return list_from<fly_secret>(r, "secrets", to_secret); });
}

void fly_machines_client::set_secrets(const std::string& app,
                                      const std::map<std::string, std::optional<secret>>& values,
                                      callback<std::int64_t> done) {
  json::object v;
  for (const auto& [name, value] : values)
    v[name] = value ? json::value(value->reveal()) : json::value(nullptr);
  state::call c{"set_secrets", app, "POST", "/v1/apps/" + segment(app) + "/secrets"};
  c.body = json::object{{"values", std::move(v)}};
  st_->typed<std::int64_t>(std::move(c), std::move(done), version_from);
}

void fly_machines_client::delete_secret(const std::string& app, const std::string& name,
                                        callback<std::int64_t> done) {
  st_->typed<std::int64_t>({"delete_secret", app, "DELETE", "/v1/apps/" + segment(app) + "/secrets/" + segment(name)},
                           std::move(done), version_from);
}

// -- certificates and IP assignments ---------------------------------------------------------

namespace {

bool flag(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->as_bool();
}

fly_certificate to_certificate(const json::object& o) {
  return fly_certificate{json_string(o, "hostname"), json_string(o, "status"), flag(o, "configured"), flag(o, "acme_requested"),
                         flag(o, "has_custom_certificate")};
}

expected<fly_certificate> certificate_from(const http_response& r) {
  auto o = parse_object(r);
  if (!o)
    return o.error();
  return to_certificate(*o);
}

fly_ip_assignment to_ip(const json::object& o) {
  return fly_ip_assignment{json_string(o, "ip"), json_string(o, "region"), json_string(o, "service_name"), flag(o, "shared"),
                           flag(o, "egress")};
}

std::string certificates_path(const std::string& app) {
  return "/v1/apps/" + segment(app) + "/certificates";
}

} // namespace

void fly_machines_client::list_certificates(const std::string& app, callback<std::vector<fly_certificate>> done) {
  st_->typed<std::vector<fly_certificate>>(
    {"list_certificates", app, "GET", certificates_path(app)}, std::move(done),
    [](const http_response& r) { return list_from<fly_certificate>(r, "certificates", to_certificate); });
}

void fly_machines_client::request_certificate(const std::string& app, const std::string& hostname,
                                              callback<fly_certificate> done) {
  state::call c{"request_certificate", app, "POST", certificates_path(app) + "/acme"};
  c.body = json::object{{"hostname", hostname}};
  st_->typed<fly_certificate>(std::move(c), std::move(done), certificate_from);
}

void fly_machines_client::upload_custom_certificate(const std::string& app, const std::string& hostname,
                                                    const std::string& fullchain, const secret& private_key,
                                                    callback<fly_certificate> done) {
  state::call c{"request_certificate", app, "POST", certificates_path(app) + "/custom"};
  c.body = json::object{{"hostname", hostname}, {"fullchain", fullchain}, {"private_key", private_key.reveal()}};
  st_->typed<fly_certificate>(std::move(c), std::move(done), certificate_from);
}

void fly_machines_client::get_certificate(const std::string& app, const std::string& hostname,
                                          callback<fly_certificate> done) {
  st_->typed<fly_certificate>({"get_certificate", app, "GET", certificates_path(app) + "/" + segment(hostname)},
                              std::move(done), certificate_from);
}

void fly_machines_client::check_certificate(const std::string& app, const std::string& hostname,
                                            callback<fly_certificate> done) {
  st_->typed<fly_certificate>(
    {"check_certificate", app, "POST", certificates_path(app) + "/" + segment(hostname) + "/check"}, std::move(done),
    certificate_from);
}

void fly_machines_client::delete_certificate(const std::string& app, const std::string& hostname,
                                             callback<void> done) {
  st_->untyped({"delete_certificate", app, "DELETE", certificates_path(app) + "/" + segment(hostname)},
               std::move(done));
}

void fly_machines_client::list_ip_assignments(const std::string& app, callback<std::vector<fly_ip_assignment>> done) {
  st_->typed<std::vector<fly_ip_assignment>>(
    {"list_ips", app, "GET", "/v1/apps/" + segment(app) + "/ip_assignments"}, std::move(done),
    [](const http_response& r) { return list_from<fly_ip_assignment>(r, "ips", to_ip); });
}

void fly_machines_client::assign_ip(const std::string& app, const std::string& type, const std::string& region,
                                    callback<fly_ip_assignment> done) {
  state::call c{"assign_ip", app, "POST", "/v1/apps/" + segment(app) + "/ip_assignments"};
  json::object body{{"type", type}};
  if (!region.empty())
    body["region"] = region;
  c.body = std::move(body);
  st_->typed<fly_ip_assignment>(std::move(c), std::move(done), [](const http_response& r) -> expected<fly_ip_assignment> {
    auto o = parse_object(r);
    if (!o)
      return o.error();
    return to_ip(*o);
  });
}

void fly_machines_client::release_ip(const std::string& app, const std::string& ip, callback<void> done) {
  st_->untyped({"release_ip", app, "DELETE", "/v1/apps/" + segment(app) + "/ip_assignments/" + segment(ip)},
               std::move(done));
}

} // namespace atlas
