#include <atlas/node/dashboard_page.hpp>

#include <atlas/api/runtime.hpp>

#include <doctest/doctest.h>

#include <string>

namespace {

bool has(const std::string& page, const std::string& text) { return page.find(text) != std::string::npos; }

std::size_t occurrences(const std::string& page, const std::string& text) {
  std::size_t n = 0;
  for (auto at = page.find(text); at != std::string::npos; at = page.find(text, at + text.size()))
    ++n;
  return n;
}

atlas::dashboard_snapshot full_snapshot() {
  atlas::dashboard_snapshot s;
  s.node_version = "0.1.0";
  s.apps = {{"web-app", "/srv/web", "cache", "2026-12-02T20:00:00Z"}, {"api-app", "", "none", ""}};
  s.logs = {{"web-app", {{"2026-12-01T20:00:00Z", "ord", "e784079b449483", "info", "GET / 200"},
                         {"2026-12-01T20:00:01Z", "ord", "e784079b449483", "error", "boom"}}},
            {"api-app", {}}};
  s.deploys = {{"t-1", "web-app", "/srv/web", "finished", "2026-12-01T19:00:00Z", "ok"}};
  s.tree = {{0, "atlas_sup", "supervisor", "running", 0}, {1, "fly_sup", "supervisor", "running", 0},
            {2, "dispatcher", "worker", "running", 3}};
  s.compute = std::vector<atlas::dashboard_compute_row>{{"m-1", "atlas-job-1", "mock", "running", "idle_ttl 15m"}};
  s.metrics = {{"log entries", "1,204"}, {"RSS", "38.2 MiB"}};
  return s;
}

} // namespace

TEST_CASE("the page is a whole HTML document with every section and the script that enhances it") {
  auto page = atlas::render_dashboard_page(full_snapshot());
  CHECK(page.starts_with("<!doctype html>"));
  CHECK(page.ends_with("</html>\n"));
  for (const char* id : {"id=\"apps\"", "id=\"apps-table\"", "id=\"logs\"", "id=\"log-view\"", "id=\"deploys\"",
                         "id=\"deploys-table\"", "id=\"tree\"", "id=\"tree-table\"", "id=\"compute\"",
                         "id=\"compute-table\"", "id=\"metrics\"", "id=\"metrics-table\"", "id=\"sparklines\""}) {
    CAPTURE(id);
    CHECK(occurrences(page, id) == 1);
  }
  CHECK(has(page, "<script src=\"/assets/app.js\" defer></script>"));
  CHECK(has(page, "<link rel=\"stylesheet\" href=\"/assets/app.css\">"));
  CHECK(has(page, "<noscript>"));
  CHECK(has(page, "need JavaScript"));
  // Nothing the page needs comes from another origin.
  CHECK_FALSE(has(page, "http://"));
  CHECK_FALSE(has(page, "https://"));
}

TEST_CASE("the server-rendered tables hold the snapshot's rows") {
  auto page = atlas::render_dashboard_page(full_snapshot());
  CHECK(has(page, "<tr data-app=\"web-app\"><td class=\"name\">web-app</td><td>/srv/web</td><td class=\"ok\">cache</td>"
                  "<td>2026-12-02T20:00:00Z</td></tr>"));
  CHECK(has(page, "<td class=\"bad\">none</td>")); // api-app has no token
  CHECK(occurrences(page, "<tr class=\"line\">") == 2);
  CHECK(has(page, "<td class=\"msg\">GET / 200</td>"));
  CHECK(has(page, "<td colspan=\"5\" class=\"empty\">no lines yet</td>")); // api-app's empty log table
  CHECK(has(page, "<tr data-ticket=\"t-1\">"));
  CHECK(has(page, "<td class=\"depth-2\">dispatcher</td><td>worker</td><td class=\"ok\">running</td>"
                  "<td class=\"num warn\">3</td>"));
  CHECK(has(page, "<tr data-id=\"m-1\">"));
  CHECK(has(page, "<td class=\"num\">38.2 MiB</td>"));
  CHECK(has(page, "<span class=\"version\">0.1.0</span>"));
}

TEST_CASE("every value is HTML-escaped, in text and in attributes") {
  atlas::dashboard_snapshot s;
  const std::string evil = "<script>alert(\"x\")</script>&'";
  const std::string escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;";
  s.node_version = evil;
  s.apps = {{evil, evil, evil, evil}};
  s.logs = {{evil, {{evil, evil, evil, evil, evil}}}};
  s.deploys = {{evil, evil, evil, evil, evil, evil}};
  s.tree = {{0, evil, evil, evil, 1}};
  s.compute = std::vector<atlas::dashboard_compute_row>{{evil, evil, evil, evil, evil}};
  s.metrics = {{evil, evil}};
  s.notices = {evil};
  auto page = atlas::render_dashboard_page(s);
  CHECK_FALSE(has(page, "<script>alert"));
  CHECK_FALSE(has(page, "alert(\"x\")"));
  // The fields of each row, and the data- attributes.
  CHECK(occurrences(page, escaped) == 5 + 7 + 7 + 3 + 6 + 2 + 1 + 1);
  CHECK(has(page, "data-app=\"" + escaped + "\""));
  CHECK(has(page, "data-ticket=\"" + escaped + "\""));
  CHECK(has(page, "data-id=\"" + escaped + "\""));
  // The only script element is the page's own.
  CHECK(occurrences(page, "<script") == 1);
}

TEST_CASE("html_escape replaces the five special characters and keeps the rest, UTF-8 included") {
  CHECK(atlas::html_escape("a<b>c&d\"e'f") == "a&lt;b&gt;c&amp;d&quot;e&#39;f");
  CHECK(atlas::html_escape("plain — text ✓") == "plain — text ✓");
  CHECK(atlas::html_escape("").empty());
  CHECK(atlas::html_escape("&amp;") == "&amp;amp;");
}

TEST_CASE("an orchestrator that is not enabled reads as such, an empty snapshot as empty tables") {
  atlas::dashboard_snapshot s;
  auto page = atlas::render_dashboard_page(s);
  CHECK(has(page, "orchestrator disabled"));
  CHECK(has(page, "no apps"));
  CHECK(has(page, "no recent log lines"));
  CHECK(has(page, "no deploys yet"));
  CHECK(has(page, "the tree did not answer"));
  CHECK(has(page, "no figures yet"));

  s.compute = std::vector<atlas::dashboard_compute_row>{};
  page = atlas::render_dashboard_page(s);
  CHECK_FALSE(has(page, "orchestrator disabled"));
  CHECK(has(page, "nothing tracked"));
}

TEST_CASE("the tree is flattened depth first with each node's depth and restarts") {
  atlas::tree_node root{"atlas_sup", atlas::child_type::supervisor, atlas::child_state::running, 0, {}};
  atlas::tree_node fly{"fly_sup", atlas::child_type::supervisor, atlas::child_state::running, 1, {}};
  fly.children.push_back({"tokens_sup", atlas::child_type::supervisor, atlas::child_state::running, 0, {}});
  fly.children[0].children.push_back({"token_cache_owner", atlas::child_type::worker, atlas::child_state::running, 2, {}});
  fly.children.push_back({"logs_sup", atlas::child_type::supervisor, atlas::child_state::running, 0, {}});
  root.children.push_back(fly);
  root.children.push_back({"orchestrator_sup", atlas::child_type::supervisor, atlas::child_state::running, 0, {}});

  auto rows = atlas::dashboard_tree_rows(root);
  REQUIRE(rows.size() == 6);
  std::vector<std::pair<int, std::string>> got;
  for (const auto& r : rows)
    got.emplace_back(r.depth, r.id);
  CHECK(got == std::vector<std::pair<int, std::string>>{{0, "atlas_sup"}, {1, "fly_sup"}, {2, "tokens_sup"},
                                                          {3, "token_cache_owner"}, {2, "logs_sup"},
                                                          {1, "orchestrator_sup"}});
  CHECK(rows[3].restarts == 2);
  CHECK(rows[3].type == "worker");
  CHECK(rows[1].restarts == 1);
  CHECK(rows[1].type == "supervisor");
  CHECK(rows[0].state == "running");
}
