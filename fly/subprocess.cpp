#include <atlas/fly/subprocess.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

extern char** environ;

namespace {

// glibc 2.36 declares pidfd_open but Debian 12's libc does not export it;
// the system call is there (Linux >= 5.3).
int open_pidfd(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

} // namespace

namespace asio = boost::asio;

namespace atlas {

std::string_view to_string(process_end e) noexcept {
  switch (e) {
    case process_end::exited: return "exited";
    case process_end::signaled: return "signaled";
    case process_end::timeout: return "timeout";
    case process_end::activity_timeout: return "activity_timeout";
    case process_end::cancelled: return "cancelled";
  }
  return "invalid_process_end";
}

expected<std::string> find_executable(const std::string& name, const std::string& path) {
  if (name.empty())
    return error{errc::validation, "executable name is empty"};
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) == 0)
      return name;
    return error{errc::not_found, name + " is not an executable file"};
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    auto colon = path.find(':', start);
    auto dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    auto candidate = (dir.empty() ? std::string{"."} : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate))
      return candidate;
    if (colon == std::string::npos)
      break;
    start = colon + 1;
  }
  return error{errc::not_found, name + " was not found on PATH (" + path + ")"};
}

// One running process: its pipes, its exit, its timers. Lives on the
// runner's thread only; the handle posts to it.
struct process_handle::state : std::enable_shared_from_this<process_handle::state> {
  state(asio::io_context& io, process_spec s, process_callbacks c)
    : spec(std::move(s)), cb(std::move(c)), out(io), err(io), exit_fd(io), timeout_timer(io),
      activity_timer(io), ladder_timer(io), drain_timer(io) {}

  process_spec spec;
  process_callbacks cb;
  pid_t pid = -1;
  asio::posix::stream_descriptor out, err, exit_fd;
  asio::steady_timer timeout_timer, activity_timer, ladder_timer, drain_timer;
  std::array<char, 8192> out_chunk{}, err_chunk{};
  std::string out_buf, err_buf;
  bool out_skipping = false, err_skipping = false; // inside an over-long line
  bool out_eof = false, err_eof = false, exited = false, finished = false;
  int wait_status = 0;
  std::optional<process_end> stopping;
  std::size_t ladder_step = 0;
  int last_signal = 0;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::function<void(state*)> on_finished; // the runner forgets it

  void begin() {
    read(false);
    if (!spec.merge_stderr)
      read(true);
    else
      err_eof = true;
    auto self = shared_from_this();
    exit_fd.async_wait(asio::posix::stream_descriptor::wait_read,
                       [self](const boost::system::error_code& ec) {
                         if (!ec)
                           self->on_exit_ready();
                       });
    if (spec.timeout > duration{0}) {
      timeout_timer.expires_after(spec.timeout);
      timeout_timer.async_wait([self](const boost::system::error_code& ec) {
        if (!ec)
          self->stop(process_end::timeout);
      });
    }
    arm_activity();
  }

  void arm_activity() {
    if (spec.activity_timeout <= duration{0} || exited)
      return;
    activity_timer.expires_after(spec.activity_timeout);
    activity_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) // a reset cancels the older wait with operation_aborted
        self->stop(process_end::activity_timeout);
    });
  }

  void read(bool from_err) {
    auto& d = from_err ? err : out;
    auto& chunk = from_err ? err_chunk : out_chunk;
    d.async_read_some(asio::buffer(chunk), [self = shared_from_this(), from_err](
                                             const boost::system::error_code& ec, std::size_t n) {
      if (n > 0) {
        self->take(from_err, n);
        self->arm_activity();
      }
      if (!ec) {
        self->read(from_err);
        return;
      }
      self->flush_partial(from_err);
      (from_err ? self->err_eof : self->out_eof) = true;
      self->maybe_finish();
    });
  }

  // Splits a chunk into lines; a line longer than max_line is cut there and
  // the rest of it, up to its newline, is dropped.
  void take(bool from_err, std::size_t n) {
    auto& buf = from_err ? err_buf : out_buf;
    auto& skipping = from_err ? err_skipping : out_skipping;
    const char* p = (from_err ? err_chunk : out_chunk).data();
    for (std::size_t i = 0; i < n; ++i) {
      char c = p[i];
      if (c == '\n') {
        if (!skipping)
          emit(from_err, buf);
        buf.clear();
        skipping = false;
        continue;
      }
      if (skipping)
        continue;
      buf.push_back(c);
      if (buf.size() >= spec.max_line) {
        emit(from_err, buf);
        buf.clear();
        skipping = true;
      }
    }
  }

  void flush_partial(bool from_err) {
    auto& buf = from_err ? err_buf : out_buf;
    if (!buf.empty())
      emit(from_err, buf);
    buf.clear();
  }

  void emit(bool from_err, std::string& line) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (cb.on_line && !finished)
      cb.on_line(std::move(line), from_err);
  }

  void stop(process_end why) {
    if (exited || stopping)
      return;
    stopping = why;
    ladder_step = 0;
    next_step();
  }

  void next_step() {
    if (exited)
      return;
    if (ladder_step < spec.stop.size()) {
      auto& st = spec.stop[ladder_step++];
      signal_group(st.signal);
      ladder_timer.expires_after(st.grace);
      ladder_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec)
          self->next_step();
      });
      return;
    }
    signal_group(SIGKILL);
  }

  void signal_group(int sig) {
    last_signal = sig;
    ::kill(-pid, sig); // the whole group: flyctl's helpers too
  }

  void on_exit_ready() {
    // The leader is a zombie until reaped, so its pid (= the group id) cannot
    // be reused yet: a stopped run takes every straggler of its group with it.
    if (stopping)
      ::kill(-pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    wait_status = status;
    exited = true;
    boost::system::error_code ignored;
    timeout_timer.cancel();
    activity_timer.cancel();
    ladder_timer.cancel();
    exit_fd.close(ignored);
    if (out_eof && err_eof) {
      maybe_finish();
      return;
    }
    // A child of the process may still hold the pipes: read what is there,
    // then stop waiting.
    drain_timer.expires_after(std::chrono::milliseconds{200});
    drain_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec)
        return;
      boost::system::error_code e;
      self->out.cancel(e);
      self->err.cancel(e);
    });
  }

  void maybe_finish() {
    if (finished || !exited || !out_eof || !err_eof)
      return;
    finished = true;
    boost::system::error_code ignored;
    drain_timer.cancel();
    out.close(ignored);
    err.close(ignored);
    process_result r;
    r.elapsed = std::chrono::duration_cast<duration>(std::chrono::steady_clock::now() - started);
    if (WIFEXITED(wait_status))
      r.exit_code = WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status))
      r.signal = WTERMSIG(wait_status);
    if (stopping) {
      r.end = *stopping;
      r.stopped_by = last_signal;
    } else {
      r.end = WIFSIGNALED(wait_status) ? process_end::signaled : process_end::exited;
    }
    auto done = std::move(cb.on_exit);
    cb = {};
    if (on_finished)
      on_finished(this);
    if (done)
      done(r);
  }
};

void process_handle::cancel() const {
  if (auto s = s_.lock())
    asio::post(s->out.get_executor(), [s] { s->stop(process_end::cancelled); });
}

struct process_runner::impl {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(io);
  std::set<std::shared_ptr<process_handle::state>> live; // on the io thread only
  std::thread thread{[this] { io.run(); }};
};

process_runner::process_runner() : impl_(std::make_unique<impl>()) {
}

process_runner::~process_runner() {
  // Kill what still runs and reap it; no callback runs after this.
  asio::post(impl_->io, [p = impl_.get()] {
    for (auto& s : p->live) {
      s->cb = {};
      if (!s->exited) {
        ::kill(-s->pid, SIGKILL);
        int status = 0;
        while (::waitpid(s->pid, &status, 0) < 0 && errno == EINTR) {
        }
        s->exited = true;
      }
    }
    p->live.clear();
    p->guard.reset();
    p->io.stop();
  });
  impl_->thread.join();
}

namespace {

struct pipe_fds {
  int r = -1, w = -1;
  ~pipe_fds() {
    if (r >= 0)
      ::close(r);
    if (w >= 0)
      ::close(w);
  }
  bool open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
      return false;
    r = fds[0];
    w = fds[1];
    return true;
  }
};

std::vector<std::string> child_environment(const std::vector<std::string>& overrides) {
  std::vector<std::string> env;
  auto name_of = [](const std::string& kv) { return kv.substr(0, kv.find('=')); };
  std::set<std::string> replaced;
  for (auto& kv : overrides)
    replaced.insert(name_of(kv));
  for (char** e = environ; e != nullptr && *e != nullptr; ++e)
    if (replaced.count(name_of(*e)) == 0)
      env.emplace_back(*e);
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

} // namespace

expected<process_handle> process_runner::start(process_spec spec, process_callbacks cb) {
  const char* path = std::getenv("PATH");
  auto exe = find_executable(spec.executable, path != nullptr ? path : "/usr/bin:/bin");
  if (!exe)
    return exe.error();
  if (!spec.cwd.empty() && !std::filesystem::is_directory(spec.cwd))
    return error{errc::not_found, "working directory " + spec.cwd + " does not exist"};

  pipe_fds out, err;
  if (!out.open() || (!spec.merge_stderr && !err.open()))
    return error{errc::internal, std::string{"cannot create a pipe: "} + std::strerror(errno)};

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out.w, 1);
  posix_spawn_file_actions_adddup2(&fa, spec.merge_stderr ? out.w : err.w, 2);
  if (!spec.cwd.empty())
    posix_spawn_file_actions_addchdir_np(&fa, spec.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group (so the stop ladder reaches its helpers), an empty
  // signal mask and default handlers (so SIGINT works even if we ignore it).
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK
                                    | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none, defaults;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE})
    sigaddset(&defaults, sig);
  posix_spawnattr_setsigdefault(&attr, &defaults);

  std::vector<std::string> argv_s{*exe};
  argv_s.insert(argv_s.end(), spec.args.begin(), spec.args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  auto env_s = child_environment(spec.env);
  std::vector<char*> envp;
  for (auto& e : env_s)
    envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, exe->c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    return error{rc == ENOENT ? errc::not_found : errc::internal,
                 "cannot start " + *exe + ": " + std::strerror(rc)};
  int pidfd = open_pidfd(pid);
  if (pidfd < 0) {
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return error{errc::internal, std::string{"pidfd_open failed: "} + std::strerror(errno)};
  }

  auto s = std::make_shared<process_handle::state>(impl_->io, std::move(spec), std::move(cb));
  s->pid = pid;
  s->out.assign(out.r);
  out.r = -1;
  if (!s->spec.merge_stderr) {
    s->err.assign(err.r);
    err.r = -1;
  }
  s->exit_fd.assign(pidfd);
  // The write ends close here (pipe_fds' destructors): only the child holds them.
  asio::post(impl_->io, [s, p = impl_.get()] {
    p->live.insert(s);
    s->on_finished = [p](process_handle::state* done) { p->live.erase(done->shared_from_this()); };
    s->begin();
  });
  return process_handle{s, pid};
}

} // namespace atlas
