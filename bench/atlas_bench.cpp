// atlas_bench WORKLOAD [ARGS]: each figure a line `name value unit [details]`.
// docs/benchmarks.md keeps the figures beside Erlang/OTP's for the same work.

#include "workloads.hpp"

#include <atlas/core/logger.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: atlas_bench WORKLOAD [ARGS]\n"
               "  w1 [N=2000000]         cache-hit token lookups, N per thread, one thread per core\n"
               "  w1b [N=500000]         one request per lookup to 1,000 app servers, N per caller\n"
               "  http [N=20000] [C=8]   HTTP client over keep-alive to a loopback server, plain and TLS\n"
               "  machines [N=20000] [C=8]  Fly Machines API calls through the client, against the simulator\n"
               "  w5 [N=100000]          spawn time and RSS per idle child of a dynamic supervisor\n"
               "  w5_bare [N=100000]     the same actors without a supervisor (the CAF floor)\n"
               "  w6 [N=10000] [PERIOD=1] crash->restart throughput of one child, one_for_one\n"
               "  w3 [S=1000] [M=1000]   fan-out of M batches of 100 lines to S subscribers, the logs dispatcher\n"
               "  w4 PORT [K=1000] [MS=100] [SECS=20]  K log streamers polling http://127.0.0.1:PORT (NDJSON)\n"
               "                         every MS ms: polls/s, client CPU per poll, RSS (server: bench_ref's http_srv)\n"
               "  logs_latency [N=200]   simulator line -> subscriber handler, 100 ms polls: p50, p99\n"
               "  sse_fanout [CLIENTS=1000] [SECS=10] [RATE=2] [POLL_MS=2000]  CLIENTS SSE clients of one app's\n"
               "                         live logs on a node (child process) over the simulator at RATE lines/s,\n"
               "                         polled every POLL_MS: events/s, node CPU, RSS\n"
               "  orchestrator [N=10000] N tracked resources on the mock provider: bytes each, one Reaper pass\n"
               "Atlas's logger is off while a workload runs (ATLAS_BENCH_LOG=LEVEL turns it on).\n"
               "CAF: ATLAS_BENCH_THREADS=N workers (default: one per core), ATLAS_BENCH_MAX_THROUGHPUT=N\n"
               "messages per actor turn (default: no limit), ATLAS_BENCH_IDLE_POLL=A,M idle polls.\n");
  return 2;
}

int arg(int argc, char** argv, int i, int fallback) {
  if (argc <= i)
    return fallback;
  char* end = nullptr;
  long v = std::strtol(argv[i], &end, 10);
  if (*end != '\0' || v <= 0) {
    std::fprintf(stderr, "atlas_bench: argument %d ('%s') must be a positive whole number\n", i,
                 argv[i]);
    std::exit(2);
  }
  return static_cast<int>(v);
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2)
    return usage();
  std::string w = argv[1];
  // Logging stays off unless asked for: at 100k restarts/s, two synchronous
  // stderr lines per restart measure the terminal, not the supervisor.
  const char* level = std::getenv("ATLAS_BENCH_LOG");
  if (auto ok = atlas::set_log_level(level != nullptr ? level : "off"); !ok) {
    std::fprintf(stderr, "atlas_bench: ATLAS_BENCH_LOG: %s\n", ok.error().message().c_str());
    return 2;
  }
  if (w == "w1")
    return atlas::bench::w1_token_hit(arg(argc, argv, 2, 2000000));
  if (w == "http")
    return atlas::bench::http_keepalive(arg(argc, argv, 2, 20000), arg(argc, argv, 3, 8));
  if (w == "machines")
    return atlas::bench::machines_api(arg(argc, argv, 2, 20000), arg(argc, argv, 3, 8));
  if (w == "w1b")
    return atlas::bench::w1b_token_call(arg(argc, argv, 2, 500000));
  if (w == "w5")
    return atlas::bench::w5_footprint(arg(argc, argv, 2, 100000));
  if (w == "w5_bare")
    return atlas::bench::w5_bare(arg(argc, argv, 2, 100000));
  if (w == "w6")
    return atlas::bench::w6_restart(arg(argc, argv, 2, 10000), arg(argc, argv, 3, 1));
  if (w == "w3")
    return atlas::bench::w3_fanout(arg(argc, argv, 2, 1000), arg(argc, argv, 3, 1000));
  if (w == "w4") {
    if (argc < 3) {
      std::fprintf(stderr, "atlas_bench: w4 needs the server's PORT\n");
      return usage();
    }
    return atlas::bench::w4_poll(arg(argc, argv, 2, 0), arg(argc, argv, 3, 1000), arg(argc, argv, 4, 100),
                                 arg(argc, argv, 5, 20));
  }
  if (w == "logs_latency")
    return atlas::bench::logs_latency(arg(argc, argv, 2, 200));
  if (w == "sse_fanout")
    return atlas::bench::sse_fanout(arg(argc, argv, 2, 1000), arg(argc, argv, 3, 10), arg(argc, argv, 4, 2),
                                     arg(argc, argv, 5, 2000));
  if (w == "orchestrator")
    return atlas::bench::orchestrator_tracked(arg(argc, argv, 2, 10000));
  std::fprintf(stderr, "atlas_bench: unknown workload '%s'\n", w.c_str());
  return usage();
}
