#include <atlas/node/dashboard_page.hpp>

#include <atlas/api/runtime.hpp>
#include <atlas/supervisors/child_spec.hpp>
#include <atlas/supervisors/supervisor_messages.hpp>

#include <algorithm>
#include <string_view>

namespace atlas {

namespace {

void walk(const tree_node& n, int depth, std::vector<dashboard_tree_row>& out) {
  out.push_back({depth, n.id, std::string{to_string(n.type)}, std::string{to_string(n.state)}, n.restarts});
  for (const auto& c : n.children)
    walk(c, depth + 1, out);
}

/// The page is written into one string; `e()` escapes as it appends.
class page {
public:
  page& raw(std::string_view s) {
    out_ += s;
    return *this;
  }
  page& e(std::string_view s) {
    out_ += html_escape(s);
    return *this;
  }
  page& cell(std::string_view s, std::string_view cls = {}) {
    raw(cls.empty() ? "<td>" : "<td class=\"");
    if (!cls.empty())
      e(cls).raw("\">");
    return e(s).raw("</td>");
  }
  std::string take() { return std::move(out_); }

private:
  std::string out_;
};

/// The classes the stylesheet knows for a state ("running" → "ok").
std::string_view state_class(std::string_view state) {
  if (state == "running" || state == "ok" || state == "started" || state == "finished")
    return "ok";
  if (state == "restarting" || state == "starting" || state == "terminating" || state == "pending")
    return "warn";
  if (state.empty())
    return {};
  return state == "failed" || state == "error" || state.starts_with("exit") || state.starts_with("timeout")
             ? "bad"
             : "";
}

void header_section(page& p, const dashboard_snapshot& s) {
  p.raw("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>Atlas node</title>\n"
        "<link rel=\"icon\" href=\"/assets/favicon.svg\" type=\"image/svg+xml\">\n"
        "<link rel=\"stylesheet\" href=\"/assets/app.css\">\n"
        "<script src=\"/assets/app.js\" defer></script>\n</head>\n<body>\n"
        "<header class=\"top\"><h1>Atlas node</h1>");
  if (!s.node_version.empty())
    p.raw("<span class=\"version\">").e(s.node_version).raw("</span>");
  p.raw("<span id=\"conn\" class=\"conn\">snapshot</span>\n"
        "<nav><a href=\"#apps\">Apps</a> <a href=\"#logs\">Logs</a> <a href=\"#deploys\">Deploys</a> "
        "<a href=\"#tree\">Tree</a> <a href=\"#compute\">Compute</a> <a href=\"#metrics\">Metrics</a></nav>"
        "</header>\n"
        "<noscript><p class=\"note\">Live updates (log lines, deploy output, metrics) need JavaScript. "
        "This page shows the node as it was when loaded: reload it to see more.</p></noscript>\n"
        "<div id=\"notices\">");
  for (const auto& n : s.notices)
    p.raw("<p class=\"note\">").e(n).raw("</p>");
  p.raw("</div>\n<main>\n");
}

void metrics_section(page& p, const dashboard_snapshot& s) {
  p.raw("<section id=\"metrics\"><h2>Metrics</h2>\n<div id=\"sparklines\" class=\"sparklines\"></div>\n"
        "<table id=\"metrics-table\"><thead><tr><th>metric</th><th>value</th></tr></thead><tbody>\n");
  for (const auto& m : s.metrics)
    p.raw("<tr>").cell(m.name).cell(m.value, "num").raw("</tr>\n");
  if (s.metrics.empty())
    p.raw("<tr><td colspan=\"2\" class=\"empty\">no figures yet</td></tr>\n");
  p.raw("</tbody></table>\n<p class=\"hint\">All of them: <a href=\"/metrics\">/metrics</a></p></section>\n");
}

void apps_section(page& p, const dashboard_snapshot& s) {
  p.raw("<section id=\"apps\"><h2>Apps</h2>\n<table id=\"apps-table\"><thead><tr><th>app</th><th>directory</th>"
        "<th>token source</th><th>token expires</th></tr></thead><tbody>\n");
  for (const auto& a : s.apps) {
    bool none = a.token_source.empty() || a.token_source == "none";
    p.raw("<tr data-app=\"").e(a.name).raw("\">").cell(a.name, "name").cell(a.dir)
        .cell(none ? "none" : a.token_source, none ? "bad" : "ok")
        .cell(a.token_expires_at.empty() ? "—" : a.token_expires_at)
        .raw("</tr>\n");
  }
  if (s.apps.empty())
    p.raw("<tr><td colspan=\"4\" class=\"empty\">no apps: none discovered under node.project_root, "
          "none known to the token tree</td></tr>\n");
  p.raw("</tbody></table></section>\n");
}

void logs_section(page& p, const dashboard_snapshot& s) {
  p.raw("<section id=\"logs\"><h2>Live logs</h2>\n"
        "<form id=\"log-controls\" class=\"controls\" hidden>"
        "<label>app <select id=\"log-app\"></select></label> "
        "<label>region <input id=\"log-region\" size=\"5\" placeholder=\"any\"></label> "
        "<label>instance <input id=\"log-instance\" size=\"14\" placeholder=\"any\"></label> "
        "<label>filter <input id=\"log-filter\" type=\"search\" placeholder=\"text in the line\"></label> "
        "<button type=\"button\" id=\"log-pause\">Pause</button> "
        "<label><input type=\"checkbox\" id=\"log-follow\" checked> follow</label> "
        "<button type=\"button\" id=\"log-clear\">Clear</button> "
        "<span id=\"log-status\" class=\"status\"></span></form>\n"
        "<div id=\"log-view\" class=\"log-view\">\n");
  if (s.logs.empty())
    p.raw("<p class=\"empty\">no recent log lines</p>\n");
  for (const auto& l : s.logs) {
    p.raw("<h3>").e(l.app).raw("</h3>\n<table class=\"log-lines\" data-app=\"").e(l.app)
        .raw("\"><thead><tr><th>time</th><th>region</th><th>instance</th><th>level</th><th>message</th></tr>"
             "</thead><tbody>\n");
    for (const auto& line : l.lines)
      p.raw("<tr class=\"line\">").cell(line.timestamp, "ts").cell(line.region, "region")
          .cell(line.instance, "instance").cell(line.level, "level").cell(line.message, "msg").raw("</tr>\n");
    if (l.lines.empty())
      p.raw("<tr><td colspan=\"5\" class=\"empty\">no lines yet</td></tr>\n");
    p.raw("</tbody></table>\n");
  }
  p.raw("</div></section>\n");
}

void deploys_section(page& p, const dashboard_snapshot& s) {
  p.raw("<section id=\"deploys\"><h2>Deploys</h2>\n"
        "<form id=\"deploy-form\" class=\"controls\" hidden>"
        "<label>directory <input id=\"deploy-dir\" size=\"30\" required></label> "
        "<label>app <input id=\"deploy-app\" size=\"16\" placeholder=\"from fly.toml\"></label> "
        "<button type=\"submit\">Deploy</button> <span id=\"deploy-status\" class=\"status\"></span></form>\n"
        "<table id=\"deploys-table\"><thead><tr><th>ticket</th><th>app</th><th>directory</th><th>state</th>"
        "<th>started</th><th>result</th></tr></thead><tbody>\n");
  for (const auto& d : s.deploys)
    p.raw("<tr data-ticket=\"").e(d.ticket).raw("\">").cell(d.ticket, "mono").cell(d.app).cell(d.dir)
        .cell(d.state, state_class(d.state)).cell(d.started_at).cell(d.result, state_class(d.result))
        .raw("</tr>\n");
  if (s.deploys.empty())
    p.raw("<tr><td colspan=\"6\" class=\"empty\">no deploys yet</td></tr>\n");
  p.raw("</tbody></table>\n<div id=\"deploy-live\" hidden><h3 id=\"deploy-title\"></h3>"
        "<pre id=\"deploy-output\" class=\"output\"></pre></div></section>\n");
}

void tree_section(page& p, const dashboard_snapshot& s) {
  p.raw("<section id=\"tree\"><h2>Supervision tree</h2>\n<table id=\"tree-table\"><thead><tr><th>child</th>"
        "<th>type</th><th>state</th><th>restarts</th></tr></thead><tbody>\n");
  for (const auto& r : s.tree) {
    auto depth = std::clamp(r.depth, 0, 9);
    p.raw("<tr><td class=\"depth-").raw(std::to_string(depth)).raw("\">").e(r.id).raw("</td>").cell(r.type)
        .cell(r.state, state_class(r.state)).cell(std::to_string(r.restarts), r.restarts > 0 ? "num warn" : "num")
        .raw("</tr>\n");
  }
  if (s.tree.empty())
    p.raw("<tr><td colspan=\"4\" class=\"empty\">the tree did not answer</td></tr>\n");
  p.raw("</tbody></table></section>\n");
}

void compute_section(page& p, const dashboard_snapshot& s) {
  p.raw("<section id=\"compute\"><h2>Compute</h2>\n");
  if (!s.compute) {
    p.raw("<p id=\"compute-status\" class=\"empty\">orchestrator disabled</p>\n"
          "<table id=\"compute-table\" hidden><thead><tr><th>id</th><th>name</th><th>provider</th><th>state</th>"
          "<th>detail</th><th></th></tr></thead><tbody></tbody></table></section>\n");
    return;
  }
  p.raw("<p id=\"compute-status\" class=\"empty\"").raw(s.compute->empty() ? ">nothing tracked" : " hidden>")
      .raw("</p>\n<table id=\"compute-table\"><thead><tr><th>id</th><th>name</th><th>provider</th><th>state</th>"
           "<th>detail</th><th></th></tr></thead><tbody>\n");
  for (const auto& c : *s.compute)
    p.raw("<tr data-id=\"").e(c.id).raw("\">").cell(c.id, "mono").cell(c.name).cell(c.provider)
        .cell(c.state, state_class(c.state)).cell(c.detail).raw("<td></td></tr>\n");
  p.raw("</tbody></table></section>\n");
}

} // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<dashboard_tree_row> dashboard_tree_rows(const tree_node& root) {
  std::vector<dashboard_tree_row> out;
  walk(root, 0, out);
  return out;
}

std::string render_dashboard_page(const dashboard_snapshot& s) {
  page p;
  header_section(p, s);
  apps_section(p, s);
  logs_section(p, s);
  deploys_section(p, s);
  tree_section(p, s);
  compute_section(p, s);
  metrics_section(p, s);
  p.raw("</main>\n<footer>Atlas node · <a href=\"/metrics\">/metrics</a> · "
        "<a href=\"/v1/apps\">/v1/apps</a> · <a href=\"/v1/tree\">/v1/tree</a></footer>\n</body>\n</html>\n");
  return p.take();
}

} // namespace atlas
