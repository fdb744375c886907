// The logs API pages, parsed (the fetches run against the simulator:
// tests/sim/fly_simulator_test.cpp).
#include <atlas/net/fly_logs_client.hpp>

#include <doctest/doctest.h>

using namespace atlas;

TEST_CASE("JSON:API: entries with 64-bit nanosecond timestamps — next_token moves only when given") {
  auto page = fly_logs_client::parse_jsonapi(
    R"({"data":[{"id":"a","type":"logs","attributes":{"timestamp":"2026-05-20T00:00:00.000000001Z",)"
    R"("message":"hello","level":"info","instance":"148e","region":"iad","meta":{}}},)"
    R"({"id":"b","attributes":{"timestamp":"not a time","message":"x"}},)"
    R"({"id":"c","attributes":{"timestamp":"2026-05-20T00:00:01Z","message":"m","meta":{"instance":"9a","region":"ams"}}}],)"
    R"("meta":{"next_token":"1779235201000000000"}})",
    "demo", 5);
  REQUIRE(page.entries.size() == 2);
  CHECK(page.malformed == 1);
  CHECK(page.entries[0].timestamp_ns == 1779235200000000001);
  CHECK(page.entries[0].id == "a");
  CHECK(page.entries[0].app == "demo");
  CHECK(page.entries[0].instance == "148e");
  CHECK(page.entries[1].instance == "9a"); // from meta when the attribute is absent
  CHECK(page.entries[1].region == "ams");
  CHECK(page.next_cursor_ns == 1779235201000000000);

  auto empty = fly_logs_client::parse_jsonapi(R"({"data":[],"meta":{"next_token":""}})", "demo", 42);
  CHECK(empty.entries.empty());
  CHECK(empty.next_cursor_ns == 42);
  CHECK(fly_logs_client::parse_jsonapi("<html>", "demo", 42).malformed == 1);
}

TEST_CASE("NDJSON: one object per line — a truncated or garbled line is skipped and counted") {
  auto page = fly_logs_client::parse_ndjson(
    "{\"event\":{\"provider\":\"app\"},\"fly\":{\"app\":{\"instance\":\"148e\",\"name\":\"demo\"},\"region\":\"iad\"},"
    "\"log\":{\"level\":\"warn\"},\"message\":\"disk\",\"timestamp\":\"2026-05-20T00:00:00.000000007Z\"}\n"
    "\n"
    "garbage\n"
    "{\"fly\":{\"app\":{\"name\":\"demo\"}},\"message\":\"cut",
    3);
  REQUIRE(page.entries.size() == 1);
  CHECK(page.malformed == 2);
  auto& e = page.entries[0];
  CHECK(e.app == "demo");
  CHECK(e.instance == "148e");
  CHECK(e.region == "iad");
  CHECK(e.level == "warn");
  CHECK(e.message == "disk");
  CHECK(page.next_cursor_ns == 1779235200000000007);
}

TEST_CASE("NDJSON: lines that are not objects, or with null fly and log, never abort the page (ExAtlas defect 6)") {
  auto page = fly_logs_client::parse_ndjson(
    "[1,2,3]\n"
    "42\n"
    "\"a string\"\n"
    "null\n"
    "{\"fly\":null,\"log\":null,\"message\":\"kept\",\"timestamp\":\"2026-05-20T00:00:01Z\"}\n"
    "{\"fly\":{\"app\":7},\"log\":[\"x\"],\"message\":\"also kept\",\"timestamp\":\"2026-05-20T00:00:02Z\"}\n",
    0);
  REQUIRE(page.entries.size() == 2);
  CHECK(page.malformed == 4);
  CHECK(page.entries[0].message == "kept");
  CHECK(page.entries[0].region.empty());
  CHECK(page.entries[1].message == "also kept");
  CHECK(page.entries[1].app.empty());
}
