#include <atlas/node/deploy_board.hpp>

#include <atlas/core/log_entry.hpp>

#include <boost/json.hpp>

#include <caf/actor_system.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <charconv>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>

namespace atlas {

namespace {

std::int64_t board_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

struct ticket_state {
  std::string ticket;
  std::string app;
  std::string dir;
  std::string state = "starting"; ///< starting, running, then a deploy_status name
  std::int64_t started_ns = board_now_ns();
  std::int64_t finished_ns = 0;
  std::uint64_t first_line = 1; ///< number of lines.front()
  std::deque<std::string> lines;
  std::optional<deploy_result> result;
  std::vector<sse_stream> clients;
  caf::actor watcher;
  bool finished() const { return result.has_value(); }
};

boost::json::object result_json(const deploy_result& r) {
  return {{"status", std::string{to_string(r.status)}},
          {"exit_code", r.exit_code},
          {"stopped_by", r.stopped_by},
          {"reason", r.reason},
          {"lines", r.lines},
          {"truncated", r.truncated},
          {"duration_ms", r.duration_ms},
          {"image", r.image},
          {"machines_done", r.machines_done},
          {"machines_total", r.machines_total},
          {"contradiction", r.contradiction}};
}

boost::json::object view(const ticket_state& t) {
  boost::json::object o{{"ticket", t.ticket},
                        {"app", t.app},
                        {"dir", t.dir},
                        {"state", t.state},
                        {"started_at", format_timestamp(t.started_ns)},
                        {"lines", t.first_line - 1 + t.lines.size()}};
  o["finished_at"] = t.finished_ns == 0 ? boost::json::value{} : boost::json::value(format_timestamp(t.finished_ns));
  o["result"] = t.result ? boost::json::value(result_json(*t.result)) : boost::json::value{};
  return o;
}

std::string line_data(const std::string& line) {
  return boost::json::serialize(boost::json::object{{"line", line}});
}

} // namespace

struct deploy_board::impl : std::enable_shared_from_this<deploy_board::impl> {
  caf::actor_system& sys;
  deploys facade;
  deploy_board_options opts;

  mutable std::mutex mtx; // everything below and every ticket_state
  std::map<std::string, std::shared_ptr<ticket_state>> tickets;
  std::deque<std::string> order; // oldest first
  bool stopping = false;

  std::mutex open_mtx;
  std::condition_variable open_cv;
  std::size_t open_streams = 0;

  impl(caf::actor_system& s, deploys f, deploy_board_options o) : sys(s), facade(std::move(f)), opts(o) {}

  void line(const std::shared_ptr<ticket_state>& t, const std::string& text) {
    std::lock_guard g{mtx};
    t->lines.push_back(text);
    auto no = t->first_line + t->lines.size() - 1;
    if (t->lines.size() > opts.line_limit) {
      t->lines.pop_front();
      ++t->first_line;
    }
    auto data = line_data(text);
    auto id = std::to_string(no);
    std::erase_if(t->clients, [&](const sse_stream& s) { return !s.send(data, "line", id); });
  }

  void exit(const std::shared_ptr<ticket_state>& t, deploy_result r) {
    std::vector<sse_stream> clients;
    {
      std::lock_guard g{mtx};
      t->state = std::string{to_string(r.status)};
      t->finished_ns = board_now_ns();
      t->result = std::move(r);
      auto data = boost::json::serialize(result_json(*t->result));
      for (auto& s : t->clients)
        s.send(data, "exit");
      clients = std::move(t->clients);
      t->clients.clear();
      forget_old();
    }
    for (auto& s : clients)
      s.close();
  }

  // Caller holds mtx.
  void forget_old() {
    std::size_t finished = 0;
    for (auto& id : order)
      finished += tickets.at(id)->finished() ? 1 : 0;
    for (auto it = order.begin(); finished > opts.keep_finished && it != order.end();) {
      if (tickets.at(*it)->finished()) {
        tickets.erase(*it);
        it = order.erase(it);
        --finished;
      } else {
        ++it;
      }
    }
  }

  void watch_close(const sse_stream& s) {
    {
      std::lock_guard g{open_mtx};
      ++open_streams;
    }
    std::weak_ptr<impl> weak = weak_from_this();
    s.on_close([weak] {
      if (auto self = weak.lock()) {
        {
          std::lock_guard g{self->open_mtx};
          --self->open_streams;
        }
        self->open_cv.notify_all();
      }
    });
  }
};

namespace {

caf::behavior deploy_watcher(caf::event_based_actor* self, std::shared_ptr<ticket_state> t,
                             std::weak_ptr<deploy_board::impl> board) {
  return {
    [t, board](deploy_line_atom, const std::string&, const std::string& line) {
      if (auto b = board.lock())
        b->line(t, line);
    },
    [self, t, board](deploy_exit_atom, const std::string&, deploy_result& r) {
      if (auto b = board.lock())
        b->exit(t, std::move(r));
      self->quit();
    },
  };
}

} // namespace

deploy_board::deploy_board(caf::actor_system& sys, deploys facade, deploy_board_options opts)
  : impl_(std::make_shared<impl>(sys, std::move(facade), opts)) {
}

deploy_board::~deploy_board() {
  stop(duration{0});
}

void deploy_board::start(const std::string& dir, const std::string& app,
                         std::function<void(expected<std::string>)> done) {
  auto t = std::make_shared<ticket_state>();
  t->ticket = new_deploy_ticket();
  t->app = app;
  t->dir = dir;
  {
    std::lock_guard g{impl_->mtx};
    if (impl_->stopping)
      return done(error{errc::shutdown, "the node is stopping: no new deploys"});
    impl_->tickets[t->ticket] = t;
    impl_->order.push_back(t->ticket);
  }
  auto watcher = impl_->sys.spawn(deploy_watcher, t, std::weak_ptr<impl>{impl_});
  {
    std::lock_guard g{impl_->mtx};
    t->watcher = watcher;
  }
  // stream_deploy blocks until flyctl runs: on a thread of its own (a
  // detached CAF actor), never on the HTTP server's.
  std::weak_ptr<impl> weak = impl_;
  impl_->sys.spawn([weak, t, watcher, done = std::move(done), facade = impl_->facade](caf::blocking_actor*) {
    deploy_options o;
    o.app = t->app;
    auto r = facade.stream_deploy(watcher, t->dir, t->ticket, o);
    auto b = weak.lock();
    if (!r) {
      if (b) {
        std::lock_guard g{b->mtx};
        b->tickets.erase(t->ticket);
        std::erase(b->order, t->ticket);
      }
      caf::anon_send_exit(watcher, caf::exit_reason::user_shutdown);
      return done(r.error());
    }
    if (b) {
      std::lock_guard g{b->mtx};
      if (t->state == "starting")
        t->state = "running";
    }
    done(t->ticket);
  });
}

boost::json::array deploy_board::list() const {
  std::lock_guard g{impl_->mtx};
  boost::json::array out;
  for (auto it = impl_->order.rbegin(); it != impl_->order.rend(); ++it)
    if (auto t = impl_->tickets.find(*it); t != impl_->tickets.end() && t->second->state != "starting")
      out.push_back(view(*t->second));
  return out;
}

expected<boost::json::object> deploy_board::get(const std::string& ticket) const {
  std::lock_guard g{impl_->mtx};
  auto it = impl_->tickets.find(ticket);
  if (it == impl_->tickets.end())
    return error{errc::not_found, "no deploy has ticket \"" + ticket + "\" (GET /v1/deploys lists them)"};
  return view(*it->second);
}

bool deploy_board::known(const std::string& ticket) const {
  std::lock_guard g{impl_->mtx};
  return impl_->tickets.contains(ticket);
}

void deploy_board::attach(const std::string& ticket, sse_stream s, const std::string& last_event_id) {
  std::uint64_t after = 0;
  std::from_chars(last_event_id.data(), last_event_id.data() + last_event_id.size(), after);
  impl_->watch_close(s);
  std::unique_lock g{impl_->mtx};
  auto it = impl_->tickets.find(ticket);
  if (it == impl_->tickets.end() || impl_->stopping) {
    g.unlock();
    s.send(boost::json::serialize(boost::json::object{
             {"reason", impl_->stopping ? "the node is stopping" : "no such deploy"}}),
           "stopped");
    return s.close();
  }
  auto& t = *it->second;
  // Under the lock: no live line slips between the replay and the join.
  for (std::size_t i = 0; i < t.lines.size(); ++i) {
    auto no = t.first_line + i;
    if (no > after && !s.send(line_data(t.lines[i]), "line", std::to_string(no)))
      return;
  }
  if (t.finished()) {
    s.send(boost::json::serialize(result_json(*t.result)), "exit");
    g.unlock();
    return s.close();
  }
  t.clients.push_back(std::move(s));
}

void deploy_board::cancel(const std::string& ticket, std::function<void(expected<void>)> done) {
  {
    std::lock_guard g{impl_->mtx};
    auto it = impl_->tickets.find(ticket);
    if (it == impl_->tickets.end())
      return done(error{errc::not_found, "no deploy has ticket \"" + ticket + "\""});
    if (it->second->finished())
      return done(error{errc::conflict, "deploy " + ticket + " has finished ("
                                          + it->second->state + "): nothing to cancel"});
  }
  impl_->sys.spawn([facade = impl_->facade, ticket, done = std::move(done)](caf::blocking_actor*) {
    done(facade.cancel(ticket));
  });
}

void deploy_board::stop(duration deadline) {
  std::vector<sse_stream> clients;
  std::vector<caf::actor> watchers;
  {
    std::lock_guard g{impl_->mtx};
    impl_->stopping = true;
    auto data = boost::json::serialize(boost::json::object{{"reason", "the node is stopping"}});
    for (auto& [id, t] : impl_->tickets) {
      for (auto& s : t->clients) {
        s.send(data, "stopped");
        clients.push_back(s);
      }
      t->clients.clear();
      if (t->watcher && !t->finished())
        watchers.push_back(t->watcher);
    }
  }
  for (auto& s : clients)
    s.close();
  for (auto& w : watchers)
    caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  std::unique_lock lock{impl_->open_mtx};
  impl_->open_cv.wait_for(lock, deadline, [&] { return impl_->open_streams == 0; });
}

} // namespace atlas
