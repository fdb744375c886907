// Real processes (sh scripts as stand-ins), waited on with deadlines.
#include <atlas/fly/subprocess.hpp>

#include "../support/wait.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <mutex>

using namespace atlas;
using namespace std::chrono_literals;

namespace {

struct run_log {
  std::mutex mtx;
  std::vector<std::string> out, err;
  std::optional<process_result> result;
  atlas::test::event done;

  process_callbacks callbacks() {
    return {[this](std::string line, bool from_err) {
              std::lock_guard g{mtx};
              (from_err ? err : out).push_back(std::move(line));
            },
            [this](const process_result& r) {
              {
                std::lock_guard g{mtx};
                result = r;
              }
              done.set();
            }};
  }
};

process_spec sh(std::string script) {
  process_spec s;
  s.executable = "/bin/sh";
  s.args = {"-c", std::move(script)};
  return s;
}

bool alive(int pid) {
  return ::kill(pid, 0) == 0;
}

} // namespace

TEST_CASE("stdout and stderr arrive as separate lines, then the exit") {
  process_runner runner;
  run_log log;
  auto h = runner.start(sh("echo one; echo two >&2; printf 'three\\r\\nfour'; exit 3"),
                        log.callbacks());
  REQUIRE(h);
  REQUIRE(log.done.wait());
  CHECK(log.out == std::vector<std::string>{"one", "three", "four"});
  CHECK(log.err == std::vector<std::string>{"two"});
  CHECK(log.result->end == process_end::exited);
  CHECK(log.result->exit_code == 3);
}

TEST_CASE("merged output keeps the order of one stream") {
  process_runner runner;
  run_log log;
  auto spec = sh("echo a; echo b >&2; echo c");
  spec.merge_stderr = true;
  REQUIRE(runner.start(spec, log.callbacks()));
  REQUIRE(log.done.wait());
  CHECK(log.out == std::vector<std::string>{"a", "b", "c"});
  CHECK(log.err.empty());
}

TEST_CASE("a very long line is cut at max_line and the rest of it dropped") {
  process_runner runner;
  run_log log;
  auto spec = sh("head -c 100000 /dev/zero | tr '\\0' x; echo; echo next");
  spec.max_line = 1000;
  REQUIRE(runner.start(spec, log.callbacks()));
  REQUIRE(log.done.wait());
  REQUIRE(log.out.size() == 2);
  CHECK(log.out[0] == std::string(1000, 'x'));
  CHECK(log.out[1] == "next");
}

TEST_CASE("the working directory and extra environment reach the process") {
  process_runner runner;
  run_log log;
  auto spec = sh("pwd; echo \"$ATLAS_TEST_VAR\"");
  spec.cwd = "/tmp";
  spec.env = {"ATLAS_TEST_VAR=hello"};
  REQUIRE(runner.start(spec, log.callbacks()));
  REQUIRE(log.done.wait());
  CHECK(log.out == std::vector<std::string>{"/tmp", "hello"});
}

TEST_CASE("a process killed by a signal nobody here sent says so") {
  process_runner runner;
  run_log log;
  REQUIRE(runner.start(sh("kill -TERM $$"), log.callbacks()));
  REQUIRE(log.done.wait());
  CHECK(log.result->end == process_end::signaled);
  CHECK(log.result->signal == SIGTERM);
}

TEST_CASE("timeout: SIGINT first, and a process that obeys it ends there") {
  process_runner runner;
  run_log log;
  auto spec = sh("echo started; exec sleep 30");
  spec.timeout = 200ms;
  spec.stop = {{SIGINT, 5s}};
  REQUIRE(runner.start(spec, log.callbacks()));
  REQUIRE(log.done.wait());
  CHECK(log.result->end == process_end::timeout);
  CHECK(log.result->stopped_by == SIGINT);
  CHECK(log.result->signal == SIGINT);
}

TEST_CASE("timeout: a process that ignores SIGINT and SIGTERM is killed at the end of the ladder") {
  process_runner runner;
  run_log log;
  auto spec = sh("trap '' INT TERM; echo ready; while :; do :; done");
  spec.timeout = 100ms;
  spec.stop = {{SIGINT, 100ms}, {SIGTERM, 100ms}};
  REQUIRE(runner.start(spec, log.callbacks()));
  REQUIRE(log.done.wait());
  CHECK(log.result->end == process_end::timeout);
  CHECK(log.result->stopped_by == SIGKILL);
  CHECK(log.result->signal == SIGKILL);
}

TEST_CASE("activity timeout: silence stops the process, output keeps it going") {
  process_runner runner;
  run_log chatty, silent;
  auto talk = sh("for i in 1 2 3 4 5 6; do echo $i; sleep 0.1; done");
  talk.activity_timeout = 1s;
  REQUIRE(runner.start(talk, chatty.callbacks()));
  auto quiet = sh("echo hello; exec sleep 30");
  quiet.activity_timeout = 300ms;
  quiet.stop = {{SIGINT, 1s}};
  REQUIRE(runner.start(quiet, silent.callbacks()));
  REQUIRE(chatty.done.wait());
  REQUIRE(silent.done.wait());
  CHECK(chatty.result->end == process_end::exited);
  CHECK(chatty.out.size() == 6);
  CHECK(silent.result->end == process_end::activity_timeout);
  CHECK(silent.out == std::vector<std::string>{"hello"});
}

TEST_CASE("a stopped run leaves no process of its group alive") {
  process_runner runner;
  run_log log;
  // The helper ignores SIGINT, as a stubborn child of flyctl might.
  auto spec = sh("(trap '' INT; exec sleep 300) & echo $!; wait");
  spec.stop = {{SIGINT, 200ms}};
  auto h = runner.start(spec, log.callbacks());
  REQUIRE(h);
  REQUIRE(atlas::test::wait_until([&] {
    std::lock_guard g{log.mtx};
    return !log.out.empty();
  }));
  int helper = std::stoi(log.out[0]);
  CHECK(alive(helper));
  h->cancel();
  REQUIRE(log.done.wait());
  CHECK(log.result->end == process_end::cancelled);
  CHECK(atlas::test::wait_until([&] { return !alive(helper); }));
  CHECK_FALSE(alive(h->pid()));
}

TEST_CASE("a missing executable or directory is errc::not_found, saying where it looked") {
  process_runner runner;
  run_log log;
  process_spec missing;
  missing.executable = "definitely-not-a-real-program";
  auto r = runner.start(missing, log.callbacks());
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::not_found);
  CHECK(r.error().message().find("PATH") != std::string::npos);
  auto dir = sh("true");
  dir.cwd = "/no/such/dir";
  CHECK(runner.start(dir, log.callbacks()).error().code() == errc::not_found);
  CHECK(find_executable("sh", "/nonexistent:/bin").value() == "/bin/sh");
}

TEST_CASE("a handle may outlive its runner — cancel then does nothing") {
  std::optional<process_handle> kept;
  {
    process_runner runner;
    run_log log;
    auto h = runner.start(sh("exec sleep 300"), log.callbacks());
    REQUIRE(h);
    kept = *h;
  }
  CHECK_FALSE(alive(kept->pid()));
  kept->cancel();
}

TEST_CASE("destroying the runner kills what still runs") {
  int pid = 0;
  run_log log;
  {
    process_runner runner;
    auto h = runner.start(sh("exec sleep 300"), log.callbacks());
    REQUIRE(h);
    pid = h->pid();
    CHECK(alive(pid));
  }
  CHECK_FALSE(alive(pid));
  CHECK_FALSE(log.done.is_set());
}
