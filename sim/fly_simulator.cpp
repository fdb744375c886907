#include <atlas/sim/fly_simulator.hpp>

#include <atlas/net/http_server.hpp>
#include <atlas/sim/log_generator.hpp>
#include <atlas/sim/machines_model.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <list>
#include <mutex>
#include <random>
#include <thread>

namespace atlas {

namespace asio = boost::asio;
namespace json = boost::json;

std::map<std::string, bucket_spec, std::less<>> fly_machines_rate_limits() {
  return {{"get_machine", bucket_spec{5, 10}}};
}

namespace {

const char* const unauthorized_body = "Authenticate: token validation error";

std::string lower(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos)
    return {};
  auto e = s.find_last_not_of(" \t");
  return std::string{s.substr(b, e - b + 1)};
}

/// Fly strips `Bearer` and `FlyV1` schemes, repeatedly and in any case; what
/// is left is a comma-separated token list. Returns the schemes seen.
std::string strip_schemes(std::string& value) {
  std::string schemes;
  for (;;) {
    value = trim(value);
    auto l = lower(value.substr(0, 6));
    std::size_t n = l.rfind("bearer", 0) == 0 ? 6 : l.rfind("flyv1", 0) == 0 ? 5 : 0;
    if (n == 0 || (value.size() > n && value[n] != ' '))
      return schemes;
    schemes += (schemes.empty() ? "" : " ") + std::string{n == 6 ? "Bearer" : "FlyV1"};
    value = value.substr(n);
  }
}

std::multimap<std::string, std::string> query_map(const http_server_request& req) {
  std::multimap<std::string, std::string> out;
  auto text = "/?" + req.query; // the view below points into it
  auto u = boost::urls::parse_origin_form(text);
  if (u)
    for (auto p : u->params())
      out.emplace(std::string(p.key.begin(), p.key.end()), std::string(p.value.begin(), p.value.end()));
  return out;
}

std::string param(const std::multimap<std::string, std::string>& q, const std::string& k) {
  auto it = q.find(k);
  return it == q.end() ? std::string{} : it->second;
}

http_server_response to_response(const sim::reply& r) {
  http_server_response res;
  res.status = r.status;
  if (!r.text.empty()) {
    res.body = r.text;
    res.content_type = r.content_type;
  } else if (!r.body.is_null()) {
    res.body = json::serialize(r.body);
    res.content_type = "application/json; charset=utf-8";
  }
  return res;
}

} // namespace

struct fly_simulator::impl : std::enable_shared_from_this<fly_simulator::impl> {
  fly_simulator_options opts;
  std::unique_ptr<http_server> server;
  asio::io_context timers{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{timers.get_executor()};
  std::thread timer_thread;

  mutable std::mutex mtx; // everything below
  sim::machines_model model;
  sim::log_generator logs;
  rate_limiter limits;
  struct armed_fault {
    std::string method, route;
    fly_fault f;
  };
  std::vector<armed_fault> faults;
  std::vector<fly_recorded_request> record;
  struct waiter {
    std::string app, machine;
    std::set<std::string> states;
    http_responder reply;
    std::shared_ptr<asio::steady_timer> timer; ///< used on the timer thread only
  };
  std::list<std::shared_ptr<waiter>> waiters;
  bool stopped = false;

  explicit impl(fly_simulator_options o)
    : opts(std::move(o)), model(opts.org, opts.transition), logs(opts.log_rate),
      limits(opts.rate_limits, opts.default_rate_limit) {
  }

  using handler = std::function<sim::outcome(const http_server_request&, const json::value& body,
                                             const std::string& nonce)>;

  // -- the pipeline every Fly route goes through -----------------------------------------

  /// `action`: the rate limit's bucket ("": not limited).
  void add(http_router& r, const std::string& method, const std::string& route, const std::string& action,
           handler h) {
    r.add(method, route, [self = weak_from_this(), method, route, action, h](const http_server_request& req,
                                                                              http_responder reply) {
      if (auto s = self.lock())
        s->serve(method, route, action, h, req, std::move(reply));
      else
        reply(http_server_response::error(503, "the simulator is stopping"));
    });
  }

  void serve(const std::string& method, const std::string& route, const std::string& action, const handler& h,
             const http_server_request& req, http_responder reply) {
    std::unique_lock lock{mtx};
    auto index = record.size();
    record.push_back({method, route, req.path, req.query, "", 0});
    std::string auth_value = req.header("authorization") ? *req.header("authorization") : std::string{};
    record[index].auth_scheme = strip_schemes(auth_value);
    auto answer = [this, index, reply](http_server_response res) mutable {
      {
        std::lock_guard g{mtx};
        record[index].status = res.reset_connection ? 0 : res.status;
      }
      reply(std::move(res));
    };

    if (auto f = take_fault(method, route)) {
      if (f->what == fly_fault::kind::reset) {
        lock.unlock();
        return answer(http_server_response::reset());
      }
      if (f->what == fly_fault::kind::status) {
        // A 401 is Fly's own (reference/fly_api.md §1.1), so a client's
        // refresh-on-401 path sees exactly what Fly sends.
        auto res = f->status == 401 ? http_server_response::error(401, unauthorized_body)
                   : to_response(sim::fly_error(f->status,
                                                f->status == 429 ? "rate limit exceeded"
                                                : f->fly_status == "insufficient_capacity"
                                                  ? "insufficient resources available to fulfill request"
                                                  : "injected fault",
                                                f->fly_status));
        if (f->retry_after.count() > 0)
          res.headers.emplace_back("Retry-After", std::to_string((f->retry_after.count() + 999) / 1000));
        lock.unlock();
        return answer(std::move(res));
      }
      if (f->what == fly_fault::kind::truncate) {
        auto cut = [answer](http_server_response res) mutable {
          auto n = res.body.size() / 2;
          // End inside a line, never at its end.
          while (n > 0 && (res.body[n - 1] == '\n' || (n < res.body.size() && res.body[n] == '\n')))
            --n;
          res.body.resize(n);
          answer(std::move(res));
        };
        lock.unlock();
        return run(action, route, h, req, std::move(cut));
      }
      // delay: served normally, answered late
      auto late = [this, delay = f->delay, answer](http_server_response res) mutable {
        after(delay, [answer, res = std::move(res)]() mutable { answer(std::move(res)); });
      };
      lock.unlock();
      return run(action, route, h, req, std::move(late));
    }
    lock.unlock();
    run(action, route, h, req, std::move(answer));
  }

  void run(const std::string& action, const std::string& route, const handler& h,
           const http_server_request& req, std::function<void(http_server_response)> answer) {
    if (!authorized(req))
      return answer(http_server_response::error(401, unauthorized_body));
    if (opts.enforce_rate_limits && !action.empty()) {
      auto resource = req.params.count("id") ? req.params.at("id")
                      : req.params.count("app") ? req.params.at("app") : std::string{};
      if (auto wait = limits.try_take(action, resource); wait.count() > 0) {
        auto res = http_server_response::error(429, "rate limit exceeded for " + action + ": retry later");
        res.headers.emplace_back("Retry-After", std::to_string((wait.count() + 999) / 1000));
        return answer(std::move(res));
      }
    }
    json::value body;
    if (!req.body.empty()) {
      boost::system::error_code ec;
      body = json::parse(req.body, ec);
      if (ec)
        return answer(http_server_response::error(400, "request body is not JSON: " + ec.message()));
    }
    auto nonce = req.header("fly-machine-lease-nonce") ? *req.header("fly-machine-lease-nonce") : std::string{};
    if (route == "/v1/apps/{app}/machines/{id}/wait")
      return wait(req, std::move(answer));
    sim::outcome out;
    {
      std::lock_guard g{mtx};
      out = h(req, body, nonce);
    }
    schedule(std::move(out.next));
    answer(to_response(out.answer));
  }

  bool authorized(const http_server_request& req) const {
    auto* h = req.header("authorization");
    if (h == nullptr)
      return false;
    auto value = *h;
    strip_schemes(value);
    std::size_t i = 0;
    while (i <= value.size()) {
      auto j = value.find(',', i);
      auto tok = trim(std::string_view{value}.substr(i, j == std::string::npos ? std::string::npos : j - i));
      if (!tok.empty() && std::find(opts.tokens.begin(), opts.tokens.end(), tok) != opts.tokens.end())
        return true;
      if (j == std::string::npos)
        break;
      i = j + 1;
    }
    return false;
  }

  std::optional<fly_fault> take_fault(const std::string& method, const std::string& route) {
    for (auto it = faults.begin(); it != faults.end(); ++it) {
      if ((it->method == "*" || it->method == method) && (it->route == "*" || it->route == route)) {
        auto f = it->f;
        if (--it->f.times == 0)
          faults.erase(it);
        return f;
      }
    }
    return std::nullopt;
  }

  // -- time: transitions and waits ------------------------------------------------------------

  void after(duration d, std::function<void()> fn) {
    auto t = std::make_shared<asio::steady_timer>(timers, d);
    t->async_wait([t, fn = std::move(fn)](boost::system::error_code ec) {
      if (!ec)
        fn();
    });
  }

  void schedule(std::vector<sim::transition> next) {
    // Timers hold the simulator weakly: a timer left when it stops must not keep it alive.
    for (auto& t : next)
      after(t.after, [weak = weak_from_this(), t = std::move(t)] {
        if (auto self = weak.lock())
          self->apply(t);
      });
  }

  void apply(const sim::transition& t) {
    std::vector<sim::transition> next;
    std::vector<std::pair<std::shared_ptr<waiter>, sim::reply>> done;
    {
      std::lock_guard g{mtx};
      next = model.apply(t);
      for (auto it = waiters.begin(); it != waiters.end();) {
        auto& w = *it;
        if (w->app == t.app && w->machine == t.machine) {
          if (auto r = model.wait_answer(w->app, w->machine, w->states)) {
            done.emplace_back(w, *r);
            it = waiters.erase(it);
            continue;
          }
        }
        ++it;
      }
    }
    for (auto& [w, r] : done) {
      w->timer->cancel();
      finish_wait(*w, to_response(r));
    }
    schedule(std::move(next));
  }

  static void finish_wait(waiter& w, http_server_response res) {
    w.reply(std::move(res));
  }

  void wait(const http_server_request& req, std::function<void(http_server_response)> answer) {
    auto q = query_map(req);
    long timeout_s = 60;
    if (auto t = param(q, "timeout"); !t.empty()) {
      auto digits = t.back() == 's' ? t.substr(0, t.size() - 1) : t;
      char* end = nullptr;
      timeout_s = std::strtol(digits.c_str(), &end, 10);
      if (digits.empty() || *end != '\0' || timeout_s < 1 || timeout_s > 60)
        return answer(http_server_response::error(
          400, "invalid_argument: timeout must be a whole number of seconds from 1 to 60, not \"" + t + "\""));
    }
    static const std::set<std::string> known{"started", "stopped", "suspended", "destroyed", "failed", "settled"};
    std::set<std::string> states;
    for (auto [it, end] = q.equal_range("state"); it != end; ++it) {
      for (std::string s = it->second; !s.empty();) {
        auto comma = s.find(',');
        auto one = s.substr(0, comma);
        if (known.count(one) == 0)
          return answer(http_server_response::error(
            400, "invalid_argument: state \"" + one
                   + "\" is not one of started, stopped, suspended, destroyed, failed, settled"));
        if (one == "settled")
          states.insert({"started", "stopped", "suspended", "destroyed", "failed"});
        else
          states.insert(one);
        s = comma == std::string::npos ? "" : s.substr(comma + 1);
      }
    }
    if (states.empty())
      states.insert("started");
    auto w = std::make_shared<waiter>();
    w->app = req.params.at("app");
    w->machine = req.params.at("id");
    w->states = states;
    std::optional<sim::reply> now;
    {
      std::lock_guard g{mtx};
      now = model.wait_answer(w->app, w->machine, states);
      if (!now) {
        w->reply = [answer](http_server_response res) mutable { answer(std::move(res)); };
        w->timer = std::make_shared<asio::steady_timer>(timers, std::chrono::seconds{timeout_s});
        waiters.push_back(w);
      }
    }
    if (now)
      return answer(to_response(*now)); // it takes the lock itself
    std::string wanted;
    for (auto& s : states)
      wanted += (wanted.empty() ? "" : ", ") + s;
    asio::post(timers, [weak = weak_from_this(), w, timeout_s, wanted] {
      w->timer->async_wait([weak, w, timeout_s, wanted](boost::system::error_code ec) {
        auto self = weak.lock();
        if (ec || !self)
          return;
        {
          std::lock_guard g{self->mtx};
          auto it = std::find(self->waiters.begin(), self->waiters.end(), w);
          if (it == self->waiters.end())
            return; // answered meanwhile
          self->waiters.erase(it);
        }
        self->finish_wait(*w, http_server_response::error(
                                408, "deadline_exceeded: machine " + w->machine + " did not reach " + wanted
                                       + " within " + std::to_string(timeout_s) + "s"));
      });
    });
  }

  // -- the routes -----------------------------------------------------------------------------

  http_router routes() {
    http_router r;
    using req_t = const http_server_request&;
    using body_t = const json::value&;
    using nonce_t = const std::string&;
    auto app = [](req_t q) { return q.params.at("app"); };
    auto id = [](req_t q) { return q.params.at("id"); };

    add(r, "POST", "/v1/apps", "create_app", [this](req_t, body_t b, nonce_t) { return model.create_app(b); });
    add(r, "GET", "/v1/apps", "list_apps",
        [this](req_t q, body_t, nonce_t) { return model.list_apps(q.query_param("org_slug").value_or("")); });
    add(r, "GET", "/v1/apps/{app}", "get_app", [this, app](req_t q, body_t, nonce_t) { return model.get_app(app(q)); });
    add(r, "DELETE", "/v1/apps/{app}", "delete_app",
        [this, app](req_t q, body_t, nonce_t) { return model.delete_app(app(q)); });

    const std::string m = "/v1/apps/{app}/machines";
    add(r, "GET", m, "list_machines",
        [this, app](req_t q, body_t, nonce_t) { return model.list_machines(app(q), query_map(q)); });
    add(r, "POST", m, "create_machine",
        [this, app](req_t q, body_t b, nonce_t) { return model.create_machine(app(q), b); });
    add(r, "GET", m + "/{id}", "get_machine",
        [this, app, id](req_t q, body_t, nonce_t) { return model.get_machine(app(q), id(q)); });
    add(r, "POST", m + "/{id}", "update_machine",
        [this, app, id](req_t q, body_t b, nonce_t n) { return model.update_machine(app(q), id(q), b, n); });
    add(r, "DELETE", m + "/{id}", "delete_machine", [this, app, id](req_t q, body_t, nonce_t n) {
      bool force = q.query_param("force").value_or("") == "true" || q.query_param("kill").value_or("") == "true";
      return model.destroy(app(q), id(q), force, n);
    });
    add(r, "POST", m + "/{id}/start", "start_machine",
        [this, app, id](req_t q, body_t, nonce_t n) { return model.start(app(q), id(q), n); });
    add(r, "POST", m + "/{id}/stop", "stop_machine",
        [this, app, id](req_t q, body_t, nonce_t n) { return model.stop(app(q), id(q), n); });
    add(r, "POST", m + "/{id}/suspend", "suspend_machine",
        [this, app, id](req_t q, body_t, nonce_t n) { return model.suspend(app(q), id(q), n); });
    add(r, "POST", m + "/{id}/restart", "restart_machine",
        [this, app, id](req_t q, body_t, nonce_t n) { return model.restart(app(q), id(q), n); });
    add(r, "POST", m + "/{id}/signal", "signal_machine",
        [this, app, id](req_t q, body_t b, nonce_t n) { return model.signal(app(q), id(q), b, n); });
    add(r, "GET", m + "/{id}/wait", "wait_machine", [](req_t, body_t, nonce_t) { return sim::outcome{}; });
    add(r, "POST", m + "/{id}/lease", "lease",
        [this, app, id](req_t q, body_t b, nonce_t n) { return model.acquire_lease(app(q), id(q), b, n); });
    add(r, "GET", m + "/{id}/lease", "get_lease",
        [this, app, id](req_t q, body_t, nonce_t) { return model.get_lease(app(q), id(q)); });
    add(r, "DELETE", m + "/{id}/lease", "lease",
        [this, app, id](req_t q, body_t, nonce_t n) { return model.release_lease(app(q), id(q), n); });
    add(r, "GET", m + "/{id}/metadata", "get_metadata",
        [this, app, id](req_t q, body_t, nonce_t) { return model.get_metadata(app(q), id(q)); });
    add(r, "POST", m + "/{id}/metadata/{key}", "metadata", [this, app, id](req_t q, body_t b, nonce_t n) {
      return model.set_metadata(app(q), id(q), q.params.at("key"), b, n);
    });
    add(r, "DELETE", m + "/{id}/metadata/{key}", "metadata", [this, app, id](req_t q, body_t, nonce_t n) {
      return model.delete_metadata(app(q), id(q), q.params.at("key"), n);
    });

    const std::string v = "/v1/apps/{app}/volumes";
    auto vol = [](req_t q) { return q.params.at("volume"); };
    add(r, "GET", v, "list_volumes", [this, app](req_t q, body_t, nonce_t) { return model.list_volumes(app(q)); });
    add(r, "POST", v, "create_volume",
        [this, app](req_t q, body_t b, nonce_t) { return model.create_volume(app(q), b); });
    add(r, "GET", v + "/{volume}", "get_volume",
        [this, app, vol](req_t q, body_t, nonce_t) { return model.get_volume(app(q), vol(q)); });
    add(r, "PUT", v + "/{volume}", "update_volume",
        [this, app, vol](req_t q, body_t b, nonce_t) { return model.update_volume(app(q), vol(q), b); });
    add(r, "DELETE", v + "/{volume}", "delete_volume",
        [this, app, vol](req_t q, body_t, nonce_t) { return model.delete_volume(app(q), vol(q)); });
    add(r, "PUT", v + "/{volume}/extend", "extend_volume",
        [this, app, vol](req_t q, body_t b, nonce_t) { return model.extend_volume(app(q), vol(q), b); });
    add(r, "GET", v + "/{volume}/snapshots", "list_snapshots",
        [this, app, vol](req_t q, body_t, nonce_t) { return model.list_snapshots(app(q), vol(q)); });
    add(r, "POST", v + "/{volume}/snapshots", "create_snapshot",
        [this, app, vol](req_t q, body_t, nonce_t) { return model.create_snapshot(app(q), vol(q)); });

    const std::string sec = "/v1/apps/{app}/secrets";
    auto name = [](req_t q) { return q.params.at("name"); };
    add(r, "GET", sec, "list_secrets", [this, app](req_t q, body_t, nonce_t) {
      return model.list_secrets(app(q), q.query_param("show_secrets").value_or("") == "true");
    });
    add(r, "POST", sec, "set_secrets", [this, app](req_t q, body_t b, nonce_t) { return model.set_secrets(app(q), b); });
    add(r, "GET", sec + "/{name}", "get_secret",
        [this, app, name](req_t q, body_t, nonce_t) { return model.get_secret(app(q), name(q)); });
    add(r, "POST", sec + "/{name}", "set_secret",
        [this, app, name](req_t q, body_t b, nonce_t) { return model.set_secret(app(q), name(q), b); });
    add(r, "DELETE", sec + "/{name}", "delete_secret",
        [this, app, name](req_t q, body_t, nonce_t) { return model.delete_secret(app(q), name(q)); });

    const std::string cert = "/v1/apps/{app}/certificates";
    auto host = [](req_t q) { return q.params.at("hostname"); };
    add(r, "GET", cert, "list_certificates",
        [this, app](req_t q, body_t, nonce_t) { return model.list_certificates(app(q)); });
    add(r, "POST", cert + "/acme", "request_certificate",
        [this, app](req_t q, body_t b, nonce_t) { return model.request_certificate(app(q), b, false); });
    add(r, "POST", cert + "/custom", "request_certificate",
        [this, app](req_t q, body_t b, nonce_t) { return model.request_certificate(app(q), b, true); });
    add(r, "GET", cert + "/{hostname}", "get_certificate",
        [this, app, host](req_t q, body_t, nonce_t) { return model.get_certificate(app(q), host(q)); });
    add(r, "POST", cert + "/{hostname}/check", "check_certificate",
        [this, app, host](req_t q, body_t, nonce_t) { return model.check_certificate(app(q), host(q)); });
    add(r, "DELETE", cert + "/{hostname}", "delete_certificate",
        [this, app, host](req_t q, body_t, nonce_t) { return model.delete_certificate(app(q), host(q)); });

    const std::string ips = "/v1/apps/{app}/ip_assignments";
    add(r, "GET", ips, "list_ips", [this, app](req_t q, body_t, nonce_t) { return model.list_ips(app(q)); });
    add(r, "POST", ips, "assign_ip", [this, app](req_t q, body_t b, nonce_t) { return model.assign_ip(app(q), b); });
    add(r, "DELETE", ips + "/{ip}", "release_ip",
        [this, app](req_t q, body_t, nonce_t) { return model.release_ip(app(q), q.params.at("ip")); });

    // Logs: not Machines API calls, so not under its rate limits.
    add(r, "GET", "/api/v1/apps/{app}/logs", "", [this, app](req_t q, body_t, nonce_t) {
      return logs_page(app(q), query_map(q), false);
    });
    add(r, "GET", "/v1/apps/{app}/logs", "", [this, app](req_t q, body_t, nonce_t) {
      return logs_page(app(q), query_map(q), true);
    });

    // The control surface: not Fly's, never rate limited or recorded.
    r.add("POST", "/__sim/faults", [self = weak_from_this()](const http_server_request& q, http_responder reply) {
      auto s = self.lock();
      if (!s)
        return reply(http_server_response::error(503, "the simulator is stopping"));
      auto f = parse_fault(q.body);
      if (!f)
        return reply(http_server_response::error(400, f.error().message()));
      s->inject_fault(f->first.first, f->first.second, f->second);
      reply(http_server_response::json(200, {{"ok", true}}));
    });
    r.add("DELETE", "/__sim/faults", [self = weak_from_this()](const http_server_request&, http_responder reply) {
      if (auto s = self.lock()) {
        std::lock_guard g{s->mtx};
        s->faults.clear();
      }
      reply(http_server_response::json(200, {{"ok", true}}));
    });
    r.add("GET", "/__sim/requests", [self = weak_from_this()](const http_server_request&, http_responder reply) {
      json::array out;
      if (auto s = self.lock()) {
        std::lock_guard g{s->mtx};
        for (auto& rec : s->record)
          out.push_back(json::object{{"method", rec.method},
                                     {"route", rec.route},
                                     {"path", rec.path},
                                     {"query", rec.query},
                                     {"auth_scheme", rec.auth_scheme},
                                     {"status", rec.status}});
      }
      reply(http_server_response::json(200, out));
    });
    return r;
  }

  // GET /api/v1/apps/{app}/logs?next_token= (JSON:API, flyctl's) and
  // GET /v1/apps/{app}/logs?start_time= (NDJSON, ExAtlas's): lines at or
  // after the cursor, 100 at most; without one, the latest 100. A cursor is
  // inclusive, so the lines that share the last timestamp of a page come
  // again on the next: clients drop what they have seen.
  sim::outcome logs_page(const std::string& app, const std::multimap<std::string, std::string>& q, bool ndjson) {
    if (!model.has_app(app))
      return {sim::fly_error(404, "app not found")};
    auto cursor = param(q, ndjson ? "start_time" : "next_token");
    sim::log_query lq;
    if (!cursor.empty()) {
      char* end = nullptr;
      lq.from_ns = std::strtoll(cursor.c_str(), &end, 10);
      if (*end != '\0' || lq.from_ns <= 0)
        return {sim::fly_error(400, std::string{ndjson ? "start_time" : "next_token"}
                                      + " must be nanoseconds since the epoch, not \"" + cursor + "\"")};
    }
    lq.region = param(q, "region");
    lq.instance = param(q, "instance");
    auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
    auto lines = logs.read(app, lq, now);
    sim::reply r;
    if (ndjson) {
      for (const auto& e : lines)
        r.text += json::serialize(json::object{
                    {"event", json::object{{"provider", "app"}}},
                    {"fly", json::object{{"app", json::object{{"instance", e.instance}, {"name", e.app}}},
                                         {"region", e.region}}},
                    {"host", e.instance.substr(0, 4)},
                    {"log", json::object{{"level", e.level}}},
                    {"message", e.message},
                    {"timestamp", format_timestamp(e.timestamp_ns)}})
                  + "\n";
      r.content_type = "application/x-ndjson";
      if (r.text.empty())
        r.body = nullptr; // an empty page: 200 with no body
      return {r};
    }
    json::array data;
    for (const auto& e : lines)
      data.push_back(json::object{
        {"id", e.id},
        {"type", "logs"},
        {"attributes", json::object{{"timestamp", format_timestamp(e.timestamp_ns)},
                                    {"message", e.message},
                                    {"level", e.level},
                                    {"instance", e.instance},
                                    {"region", e.region},
                                    {"meta", json::object{{"instance", e.instance},
                                                          {"region", e.region},
                                                          {"event", json::object{{"provider", "app"}}}}}}}});
    auto next = lines.empty() ? cursor : std::to_string(lines.back().timestamp_ns);
    r.body = json::object{{"data", std::move(data)}, {"meta", json::object{{"next_token", next}}}};
    return {r};
  }

  void inject_fault(std::string method, std::string route, fly_fault f) {
    if (f.times == 0)
      return;
    std::lock_guard g{mtx};
    faults.push_back({std::move(method), std::move(route), f});
  }

  static expected<std::pair<std::pair<std::string, std::string>, fly_fault>> parse_fault(const std::string& text) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object())
      return error{errc::validation, "a fault is a JSON object: {\"method\",\"route\",\"kind\",\"status\","
                                     "\"times\",\"retry_after_ms\",\"delay_ms\",\"fly_status\"}"};
    auto& o = v.as_object();
    auto str = [&](const char* k, const char* dflt) {
      auto* f = o.if_contains(k);
      return f != nullptr && f->is_string() ? std::string{f->as_string()} : std::string{dflt};
    };
    auto num = [&](const char* k, std::int64_t dflt) {
      auto* f = o.if_contains(k);
      return f != nullptr && f->is_int64() ? f->as_int64() : dflt;
    };
    fly_fault f;
    auto kind = str("kind", "status");
    if (kind == "status")
      f.what = fly_fault::kind::status;
    else if (kind == "reset")
      f.what = fly_fault::kind::reset;
    else if (kind == "delay")
      f.what = fly_fault::kind::delay;
    else if (kind == "truncate")
      f.what = fly_fault::kind::truncate;
    else
      return error{errc::validation, "fault kind \"" + kind + "\": one of status, reset, delay, truncate"};
    f.status = static_cast<int>(num("status", 500));
    if (f.status < 400 || f.status > 599)
      return error{errc::validation, "fault status " + std::to_string(f.status) + ": from 400 to 599"};
    auto times = num("times", 1);
    if (times < 1)
      return error{errc::validation, "fault times must be at least 1"};
    f.times = static_cast<std::uint32_t>(times);
    f.retry_after = duration{num("retry_after_ms", 0)};
    f.delay = duration{num("delay_ms", 0)};
    f.fly_status = str("fly_status", "");
    return std::pair{std::pair{str("method", "*"), str("route", "*")}, f};
  }
};

fly_simulator::fly_simulator(std::shared_ptr<impl> p) : impl_(std::move(p)) {
}

expected<std::unique_ptr<fly_simulator>> fly_simulator::start(fly_simulator_options opts) {
  if (opts.tokens.empty()) {
    std::random_device rd;
    static const char* alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::string tok = "fo1_sim";
    for (int i = 0; i < 40; ++i)
      tok += alphabet[rd() % 62];
    opts.tokens.push_back(tok);
  }
  for (const auto& t : opts.tokens)
    if (t.empty() || t.find(',') != std::string::npos)
      return error{errc::validation, "simulator tokens: an accepted token is non-empty and has no comma"};
  auto p = std::make_shared<impl>(std::move(opts));
  http_server_options so;
  so.host = p->opts.host;
  so.port = p->opts.port;
  auto srv = http_server::start(so, p->routes());
  if (!srv)
    return srv.error();
  p->server = std::move(*srv);
  p->timer_thread = std::thread{[raw = p.get()] { raw->timers.run(); }};
  return std::unique_ptr<fly_simulator>{new fly_simulator{std::move(p)}};
}

fly_simulator::~fly_simulator() {
  stop();
}

std::string fly_simulator::base_url() const {
  return impl_->server->base_url();
}

const std::string& fly_simulator::token() const {
  return impl_->opts.tokens.front();
}

expected<void> fly_simulator::add_app(const std::string& name) {
  sim::outcome out;
  {
    std::lock_guard g{impl_->mtx};
    out = impl_->model.create_app(json::object{{"app_name", name}, {"org_slug", impl_->opts.org}});
  }
  if (out.answer.status == 201)
    return {};
  auto text = out.answer.body.as_object().at("error").as_string();
  return error{out.answer.status == 422 && text.starts_with("Name has") ? errc::conflict : errc::validation,
               "app \"" + name + "\": " + std::string{text}};
}

void fly_simulator::append_log(const std::string& app, log_entry e) {
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
  std::lock_guard g{impl_->mtx};
  impl_->logs.append(app, std::move(e), now);
}

void fly_simulator::set_log_rate(const std::string& app, double per_second) {
  std::lock_guard g{impl_->mtx};
  impl_->logs.set_rate(app, per_second);
}

void fly_simulator::inject(std::string method, std::string route, fly_fault f) {
  impl_->inject_fault(std::move(method), std::move(route), f);
}

void fly_simulator::clear_faults() {
  std::lock_guard g{impl_->mtx};
  impl_->faults.clear();
}

std::vector<fly_recorded_request> fly_simulator::requests() const {
  std::lock_guard g{impl_->mtx};
  return impl_->record;
}

std::size_t fly_simulator::count(std::string_view method, std::string_view route, int status) const {
  std::lock_guard g{impl_->mtx};
  return static_cast<std::size_t>(std::count_if(impl_->record.begin(), impl_->record.end(), [&](const auto& r) {
    return r.method == method && r.route == route && (status == 0 || r.status == status);
  }));
}

void fly_simulator::stop() {
  auto& p = *impl_;
  std::list<std::shared_ptr<impl::waiter>> waiting;
  {
    std::lock_guard g{p.mtx};
    if (p.stopped)
      return;
    p.stopped = true;
    waiting.swap(p.waiters);
  }
  for (auto& w : waiting) // their timers find them gone
    impl::finish_wait(*w, http_server_response::error(503, "the simulator is stopping"));
  p.server->stop(); // delayed answers still go out: the timer thread runs until it is done
  p.work.reset();
  p.timers.stop();
  p.timer_thread.join();
}

} // namespace atlas
