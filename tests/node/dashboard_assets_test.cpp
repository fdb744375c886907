#include <atlas/node/dashboard_assets.hpp>

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <string>

namespace {

std::string source_file(const std::string& rel) {
  std::ifstream in{std::string{ATLAS_SOURCE_DIR} + "/node/dashboard/" + rel, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, {}};
}

atlas::http_server_request get(std::string path) {
  atlas::http_server_request r;
  r.method = "GET";
  r.target = path;
  r.path = std::move(path);
  return r;
}

} // namespace

TEST_CASE("every dashboard file is embedded byte for byte with its content type") {
  struct want {
    const char* file;
    const char* type;
  };
  for (auto [file, type] : {want{"app.js", "text/javascript; charset=utf-8"}, want{"app.css", "text/css; charset=utf-8"},
                            want{"favicon.svg", "image/svg+xml"}}) {
    CAPTURE(file);
    const auto* a = atlas::find_dashboard_asset(std::string{"/assets/"} + file);
    REQUIRE(a != nullptr);
    CHECK(a->content_type == type);
    auto on_disk = source_file(file);
    REQUIRE(!on_disk.empty());
    CHECK(a->body == on_disk);
  }
  CHECK(atlas::dashboard_assets().size() == 3);
}

TEST_CASE("no asset is found for paths outside the embedded set") {
  for (const char* p : {"", "/", "/assets/", "/assets", "app.js", "/assets/../app.js", "/assets/app.js/",
                        "/assets/APP.JS", "/assets/app.js?x=1", "/etc/passwd", "/assets/%2e%2e/app.js"}) {
    CAPTURE(p);
    CHECK(atlas::find_dashboard_asset(p) == nullptr);
    CHECK_FALSE(atlas::dashboard_asset_response(get(p)).has_value());
  }
}

TEST_CASE("each asset has its own strong quoted ETag") {
  std::set<std::string> seen;
  for (const auto& a : atlas::dashboard_assets()) {
    CAPTURE(a.path);
    REQUIRE(a.etag.size() == 34);
    CHECK(a.etag.front() == '"');
    CHECK(a.etag.back() == '"');
    CHECK(seen.insert(std::string{a.etag}).second);
  }
}

TEST_CASE("an asset answers 200 with ETag and no-cache, then 304 when If-None-Match names it") {
  const auto* a = atlas::find_dashboard_asset("/assets/app.css");
  REQUIRE(a != nullptr);
  auto r = atlas::dashboard_asset_response(get("/assets/app.css"));
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  CHECK(r->content_type == a->content_type);
  CHECK(r->body == a->body);
  REQUIRE(atlas::find_header(r->headers, "ETag") != nullptr);
  CHECK(*atlas::find_header(r->headers, "ETag") == a->etag);
  REQUIRE(atlas::find_header(r->headers, "Cache-Control") != nullptr);
  CHECK(*atlas::find_header(r->headers, "Cache-Control") == "no-cache");

  for (std::string inm : {std::string{a->etag}, "\"other\", " + std::string{a->etag}, "W/" + std::string{a->etag},
                          std::string{"*"}}) {
    CAPTURE(inm);
    auto req = get("/assets/app.css");
    req.headers.emplace_back("If-None-Match", inm);
    auto again = atlas::dashboard_asset_response(req);
    REQUIRE(again.has_value());
    CHECK(again->status == 304);
    CHECK(again->body.empty());
  }
  auto req = get("/assets/app.css");
  req.headers.emplace_back("If-None-Match", "\"stale\"");
  auto fresh = atlas::dashboard_asset_response(req);
  REQUIRE(fresh.has_value());
  CHECK(fresh->status == 200);
  CHECK(fresh->body == a->body);
}

TEST_CASE("the dashboard script loads nothing from another origin") {
  const std::string svg_ns = "http://www.w3.org/2000/svg"; // a name, not a fetch
  for (const auto& a : atlas::dashboard_assets()) {
    CAPTURE(a.path);
    std::string body{a.body};
    for (auto at = body.find(svg_ns); at != std::string::npos; at = body.find(svg_ns))
      body.erase(at, svg_ns.size());
    CHECK(body.find("http://") == std::string::npos);
    CHECK(body.find("https://") == std::string::npos);
    CHECK(body.find("//cdn") == std::string::npos);
    CHECK(body.find("import(") == std::string::npos);
  }
}
