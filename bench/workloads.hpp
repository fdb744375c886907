#pragma once
// The workloads of atlas_bench; names follow ../shared/bench_ref (DESIGN.md §6).

namespace atlas::bench {

int w1_token_hit(int n);
int w1b_token_call(int n);
int http_keepalive(int n, int concurrent);
int machines_api(int n, int concurrent);
int w5_footprint(int n);
int w5_bare(int n);
int w6_restart(int n, int period_s);
int w3_fanout(int subscribers, int batches);
int w4_poll(int port, int streamers, int interval_ms, int secs);
int logs_latency(int n);
int sse_fanout(int clients, int seconds, int rate, int poll_ms);
int orchestrator_tracked(int n);

} // namespace atlas::bench
