#include <atlas/core/options.hpp>

#include <atlas/core/redact.hpp>

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <limits>

namespace atlas {

namespace {

// What a key holds decides which TOML type it accepts and how text parses.
enum class kind { boolean, count, duration_value, text, url, choice };

// One configurable key. `set` parses text (an env value, or a TOML value
// rendered as text) and returns what is allowed when the text is not.
struct key_spec {
  std::string_view name;
  kind k;
  std::string_view help;
  std::function<std::optional<std::string>(options&, const std::string&)> set;
  std::function<std::string(const options&)> get;
};

template <class Section>
using section_of = Section options::*;

template <class Section>
key_spec bool_key(std::string_view name, section_of<Section> sec, bool Section::*field,
                  std::string_view help) {
  return {name, kind::boolean, help,
          [=](options& o, const std::string& v) -> std::optional<std::string> {
            if (v == "true" || v == "1" || v == "yes" || v == "on")
              (o.*sec).*field = true;
            else if (v == "false" || v == "0" || v == "no" || v == "off")
              (o.*sec).*field = false;
            else
              return "expected true or false";
            return std::nullopt;
          },
          [=](const options& o) { return (o.*sec).*field ? "true" : "false"; }};
}

template <class Section>
key_spec duration_key(std::string_view name, section_of<Section> sec, duration Section::*field,
                      duration min, std::string_view help) {
  return {name, kind::duration_value, help,
          [=](options& o, const std::string& v) -> std::optional<std::string> {
            auto d = parse_duration(v);
            if (!d)
              return d.error().message();
            if (*d < min)
              return "must be at least " + format_duration(min);
            (o.*sec).*field = *d;
            return std::nullopt;
          },
          [=](const options& o) { return format_duration((o.*sec).*field); }};
}

template <class Section>
key_spec count_key(std::string_view name, section_of<Section> sec,
                   std::uint32_t Section::*field, std::uint32_t min, std::string_view help) {
  return {name, kind::count, help,
          [=](options& o, const std::string& v) -> std::optional<std::string> {
            std::uint64_t n = 0;
            auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec != std::errc{} || end != v.data() + v.size()
                || n > std::numeric_limits<std::uint32_t>::max())
              return "expected a whole number";
            if (n < min)
              return "must be at least " + std::to_string(min);
            (o.*sec).*field = static_cast<std::uint32_t>(n);
            return std::nullopt;
          },
          [=](const options& o) { return std::to_string((o.*sec).*field); }};
}

template <class Section>
key_spec text_key(std::string_view name, section_of<Section> sec, std::string Section::*field,
                  kind k, std::string_view help,
                  std::vector<std::string_view> allowed = {}) {
  return {name, k, help,
          [=](options& o, const std::string& v) -> std::optional<std::string> {
            if (k == kind::url && !v.starts_with("http://") && !v.starts_with("https://"))
              return "expected an http:// or https:// URL";
            if (k == kind::choice
                && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
              std::string msg = "expected one of:";
              for (auto a : allowed)
                msg.append(" ").append(a);
              return msg;
            }
            (o.*sec).*field = v;
            return std::nullopt;
          },
          [=](const options& o) { return (o.*sec).*field; }};
}

std::optional<std::string> check_listen(const std::string& v) {
  auto colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return "expected HOST:PORT, e.g. 127.0.0.1:4600";
  unsigned port = 0;
  auto p = v.data() + colon + 1;
  auto [end, ec] = std::from_chars(p, v.data() + v.size(), port);
  if (ec != std::errc{} || end != v.data() + v.size() || port > 65535)
    return "expected HOST:PORT with a port from 0 to 65535";
  return std::nullopt;
}

const std::vector<key_spec>& keys() {
  using namespace std::chrono_literals;
  static const std::vector<key_spec> table = [] {
    std::vector<key_spec> t;
    // [fly]
    t.push_back(bool_key("fly.enabled", &options::fly, &fly_options::enabled,
                         "start the Fly subtree (tokens, logs, deploys)"));
    t.push_back(text_key("fly.api_base_url", &options::fly, &fly_options::api_base_url, kind::url,
                         "Fly API (logs, GraphQL); env FLY_API_BASE_URL"));
    t.push_back(text_key("fly.flaps_base_url", &options::fly, &fly_options::flaps_base_url,
                         kind::url, "Machines REST API; env FLY_FLAPS_BASE_URL"));
    t.push_back(text_key("fly.org", &options::fly, &fly_options::org, kind::text,
                         "organisation for `fly tokens create readonly`; env FLY_ORG"));
    t.push_back(text_key("fly.config_dir", &options::fly, &fly_options::config_dir, kind::text,
                         "flyctl's config directory (empty: ~/.fly); env FLY_CONFIG_DIR"));
    t.push_back(text_key("fly.cli_path", &options::fly, &fly_options::cli_path, kind::text,
                         "the fly executable, found on PATH when not absolute"));
    // [tokens]
    t.push_back(duration_key("tokens.ttl", &options::tokens, &tokens_options::ttl, 1s,
                             "how long a config or CLI token is cached"));
    t.push_back(duration_key("tokens.soft_expiry_lead", &options::tokens,
                             &tokens_options::soft_expiry_lead, 0s,
                             "refresh this long before expiry; 0 disables"));
    t.push_back(duration_key("tokens.cli_timeout", &options::tokens,
                             &tokens_options::cli_timeout, 1ms,
                             "kill `fly tokens create` after this long"));
    t.push_back(bool_key("tokens.config_file_enabled", &options::tokens,
                         &tokens_options::config_file_enabled, "read ~/.fly/config.yml"));
    t.push_back(text_key("tokens.storage_dir", &options::tokens, &tokens_options::storage_dir,
                         kind::text, "durable token storage (empty: ~/.local/state/atlas)"));
    // [logs]
    t.push_back(bool_key("logs.enabled", &options::logs, &logs_options::enabled,
                         "start the logs subtree"));
    t.push_back(duration_key("logs.poll_interval", &options::logs, &logs_options::poll_interval,
                             10ms, "time between polls of one app's logs"));
    t.push_back(count_key("logs.max_in_flight", &options::logs, &logs_options::max_in_flight, 1,
                          "unacknowledged batches before a subscriber is evicted"));
    t.push_back(text_key("logs.endpoint", &options::logs, &logs_options::endpoint, kind::choice,
                         "which logs API to poll", {"jsonapi", "ndjson"}));
    // [deploys]
    t.push_back(duration_key("deploys.timeout", &options::deploys, &deploys_options::timeout, 1s,
                             "cap of a whole (non-streamed) deploy"));
    t.push_back(duration_key("deploys.activity_timeout", &options::deploys,
                             &deploys_options::activity_timeout, 1s,
                             "a streamed deploy silent this long is stopped"));
    t.push_back(duration_key("deploys.absolute_timeout", &options::deploys,
                             &deploys_options::absolute_timeout, 1s,
                             "a streamed deploy running this long is stopped"));
    t.push_back(duration_key("deploys.stop_grace", &options::deploys, &deploys_options::stop_grace,
                             10ms, "wait after SIGINT, then after SIGTERM, before the next signal"));
    // [orchestrator]
    t.push_back(bool_key("orchestrator.enabled", &options::orchestrator,
                         &orchestrator_options::enabled, "start the orchestrator subtree"));
    t.push_back(duration_key("orchestrator.idle_ttl", &options::orchestrator,
                             &orchestrator_options::idle_ttl, 1s,
                             "a tracked resource untouched this long is terminated"));
    t.push_back(duration_key("orchestrator.reap_interval", &options::orchestrator,
                             &orchestrator_options::reap_interval, 1s,
                             "time between Reaper passes"));
    t.push_back(text_key("orchestrator.name_prefix", &options::orchestrator,
                         &orchestrator_options::name_prefix, kind::text,
                         "safety prefix of every resource Atlas creates"));
    t.push_back(duration_key("orchestrator.spawn_timeout", &options::orchestrator,
                             &orchestrator_options::spawn_timeout, 1s,
                             "cap of one provider spawn (Fly: until the machine has started)"));
    t.push_back(duration_key("orchestrator.heartbeat", &options::orchestrator,
                             &orchestrator_options::heartbeat, 10ms,
                             "time between a tracked resource's idle checks (heartbeat events)"));
    t.push_back(duration_key("orchestrator.terminate_timeout", &options::orchestrator,
                             &orchestrator_options::terminate_timeout, 10ms,
                             "cap of one terminate call to a provider"));
    t.push_back(count_key("orchestrator.terminate_attempts", &options::orchestrator,
                          &orchestrator_options::terminate_attempts, 1,
                          "terminate calls before a failure is final"));
    t.push_back(duration_key("orchestrator.terminate_backoff", &options::orchestrator,
                             &orchestrator_options::terminate_backoff, 0s,
                             "wait before the second terminate attempt; doubles after"));
    t.push_back(text_key("orchestrator.owner", &options::orchestrator, &orchestrator_options::owner,
                         kind::text, "ownership mark the Reaper requires (empty: the host name)"));
    t.push_back(bool_key("orchestrator.reap_dry_run", &options::orchestrator,
                         &orchestrator_options::reap_dry_run,
                         "the Reaper only reports what it would terminate"));
    t.push_back(text_key("orchestrator.fly_app", &options::orchestrator, &orchestrator_options::fly_app,
                         kind::text, "Fly app of Atlas's machines (empty: name_prefix + \"compute\")"));
    // [node]
    t.push_back(text_key("node.listen", &options::node, &node_options::listen, kind::text,
                         "address of `atlas node`'s HTTP API"));
    t.back().set = [inner = t.back().set](options& o, const std::string& v) {
      if (auto bad = check_listen(v))
        return bad;
      return inner(o, v);
    };
    t.push_back(text_key("node.project_root", &options::node, &node_options::project_root,
                         kind::text, "where `atlas node` discovers fly.toml apps"));
    t.push_back(text_key("node.tls_cert", &options::node, &node_options::tls_cert, kind::text,
                         "PEM certificate chain; with node.tls_key the node serves HTTPS"));
    t.push_back(text_key("node.tls_key", &options::node, &node_options::tls_key, kind::text,
                         "PEM private key of node.tls_cert"));
    t.push_back(text_key("node.auth_file", &options::node, &node_options::auth_file, kind::text,
                         "API bearer tokens, hashed (empty: <tokens.storage_dir>/node_tokens.json)"));
    t.push_back(text_key("node.auth_secret_file", &options::node, &node_options::auth_secret_file,
                         kind::text,
                         "HMAC key of signed URLs, made at first start (empty: <tokens.storage_dir>/node_secret)"));
    t.push_back(duration_key("node.session_ttl", &options::node, &node_options::session_ttl, 1s,
                             "how long a dashboard login lasts"));
    t.push_back(duration_key("node.sse_heartbeat", &options::node, &node_options::sse_heartbeat,
                             100ms, "comment line on an idle event stream"));
    t.push_back(count_key("node.sse_buffer", &options::node, &node_options::sse_buffer, 1,
                          "log batches kept per stream for Last-Event-ID resume"));
    t.push_back(duration_key("node.sse_linger", &options::node, &node_options::sse_linger, 0s,
                             "an unwatched log stream stays subscribed this long (resume window)"));
    t.push_back(count_key("node.sse_queue_limit", &options::node, &node_options::sse_queue_limit,
                          1, "events queued per SSE/WebSocket client before it is closed as too slow"));
    t.push_back(count_key("node.max_connections", &options::node, &node_options::max_connections,
                          1, "HTTP and SSE connections; more are closed at once"));
    t.push_back(duration_key("node.read_timeout", &options::node, &node_options::read_timeout,
                             10ms, "a whole request, from its first byte"));
    t.push_back(duration_key("node.write_timeout", &options::node, &node_options::write_timeout,
                             10ms, "each write of an answer or event (a stuck client is closed)"));
    t.push_back(duration_key("node.idle_timeout", &options::node, &node_options::idle_timeout,
                             10ms, "a kept-alive connection between requests"));
    t.push_back(duration_key("node.shutdown_timeout", &options::node,
                             &node_options::shutdown_timeout, 0s,
                             "at SIGTERM, streams and requests get this long to finish"));
    t.push_back(count_key("node.caf_port", &options::node, &node_options::caf_port, 0,
                          "publish the facade on CAF's network layer at this port; 0: off"));
    t.back().set = [inner = t.back().set](options& o, const std::string& v) {
      if (auto bad = inner(o, v))
        return bad;
      if (o.node.caf_port > 65535)
        return std::optional<std::string>{"expected a port from 0 (off) to 65535"};
      return std::optional<std::string>{};
    };
    t.push_back(text_key("node.caf_bind", &options::node, &node_options::caf_bind, kind::text,
                         "address of that publication (BASP has no authentication)"));
    t.back().set = [inner = t.back().set](options& o, const std::string& v) {
      if (v.empty())
        return std::optional<std::string>{"expected an IP address, e.g. 127.0.0.1"};
      return inner(o, v);
    };
    // [log]
    t.push_back({"log.level", kind::choice, "Atlas's own log level",
                 [](options& o, const std::string& v) -> std::optional<std::string> {
                   static constexpr std::string_view levels[] = {
                     "trace", "debug", "info", "warn", "error", "critical", "off"};
                   if (std::find(std::begin(levels), std::end(levels), v) == std::end(levels))
                     return "expected one of: trace debug info warn error critical off";
                   o.log_level = v;
                   return std::nullopt;
                 },
                 [](const options& o) { return o.log_level; }});
    return t;
  }();
  return table;
}

const key_spec* find_key(std::string_view name) {
  for (auto& k : keys())
    if (k.name == name)
      return &k;
  return nullptr;
}

std::string quoted(std::string_view v) {
  return "\"" + redact(v) + "\"";
}

error bad_value(std::string_view where, std::string_view key, std::string_view value,
                std::string_view allowed) {
  return error{errc::validation, std::string{where} + ": " + std::string{key} + " = "
                                   + quoted(value) + ": " + std::string{allowed}};
}

std::string known_keys_of(std::string_view section) {
  std::string out;
  for (auto& k : keys()) {
    auto dot = k.name.find('.');
    if (k.name.substr(0, dot) == section) {
      if (!out.empty())
        out += ", ";
      out += k.name.substr(dot + 1);
    }
  }
  return out;
}

std::string sections() {
  std::string out;
  std::string_view last;
  for (auto& k : keys()) {
    auto sec = k.name.substr(0, k.name.find('.'));
    if (sec != last) {
      if (!out.empty())
        out += ", ";
      out += "[" + std::string{sec} + "]";
      last = sec;
    }
  }
  return out;
}

// A TOML value as the text a setter parses, or what type the key wanted.
expected<std::string> toml_text(const key_spec& k, const toml::node& n) {
  switch (k.k) {
    case kind::boolean:
      if (auto b = n.as_boolean())
        return std::string{b->get() ? "true" : "false"};
      return error{errc::validation, "expected true or false (a TOML boolean)"};
    case kind::count:
      if (auto i = n.as_integer())
        return std::to_string(i->get());
      return error{errc::validation, "expected a whole number (a TOML integer)"};
    case kind::duration_value:
      if (auto s = n.as_string())
        return std::string{s->get()};
      return error{errc::validation, "expected a duration string such as \"500ms\", \"2s\", \"1h\""};
    case kind::text:
    case kind::url:
    case kind::choice:
      if (auto s = n.as_string())
        return std::string{s->get()};
      return error{errc::validation, "expected a string"};
  }
  return error{errc::internal, "unknown option kind"};
}

expected<void> apply_file(options& o, const std::string& path) {
  toml::table doc;
  try {
    doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    return error{errc::validation, path + ":" + std::to_string(at.line) + ":"
                                     + std::to_string(at.column) + ": not valid TOML: "
                                     + std::string{e.description()}};
  }
  for (auto& [sec_key, sec_node] : doc) {
    std::string sec{sec_key.str()};
    auto* table = sec_node.as_table();
    if (table == nullptr) {
      if (sec == "log_level")
        return error{errc::validation, path + ": use [log] level = \"...\" for the log level"};
      return error{errc::validation, path + ": unknown top-level key '" + sec
                                       + "' (sections: " + sections() + ")"};
    }
    for (auto& [key, node] : *table) {
      std::string name = sec + "." + std::string{key.str()};
      auto where = path + ":" + std::to_string(node.source().begin.line);
      const key_spec* spec = find_key(name);
      if (spec == nullptr) {
        auto known = known_keys_of(sec);
        return error{errc::validation,
                     where + ": unknown key '" + name + "'"
                       + (known.empty() ? " (sections: " + sections() + ")"
                                        : " (known keys in [" + sec + "]: " + known + ")")};
      }
      auto text = toml_text(*spec, node);
      if (!text)
        return error{errc::validation, where + ": " + name + ": " + text.error().message()};
      if (auto bad = spec->set(o, *text))
        return bad_value(where, name, *text, *bad);
    }
  }
  return {};
}

expected<void> apply_env(options& o, const env_lookup& env) {
  for (auto& k : keys()) {
    auto var = env_name_for(k.name);
    if (auto v = env(var))
      if (auto bad = k.set(o, *v))
        return bad_value(var, k.name, *v, *bad);
  }
  // Fly's own variables, as flyctl reads them (reference/fly_api.md §3.2).
  struct fly_var {
    const char* var;
    const char* key;
  };
  for (auto [var, key] : {fly_var{"FLY_API_BASE_URL", "fly.api_base_url"},
                          fly_var{"FLY_FLAPS_BASE_URL", "fly.flaps_base_url"},
                          fly_var{"FLY_CONFIG_DIR", "fly.config_dir"}}) {
    if (auto v = env(var))
      if (auto bad = find_key(key)->set(o, *v))
        return bad_value(var, key, *v, *bad);
  }
  if (auto v = env("FLY_ORG"))
    o.fly.org = *v;
  else if (auto v2 = env("FLY_ORGANIZATION"))
    o.fly.org = *v2;
  // The first variable that is *set* wins, even when empty: flyctl's rule.
  for (const char* var : {"FLY_ACCESS_TOKEN", "FLY_API_TOKEN"}) {
    if (auto v = env(var)) {
      o.fly.access_token = secret{*v};
      o.fly.access_token_set = true;
      break;
    }
  }
  return {};
}

} // namespace

env_lookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name.c_str()))
      return std::string{v};
    return std::nullopt;
  };
}

std::string env_name_for(std::string_view key) {
  std::string out = "ATLAS_";
  for (char c : key)
    out += (c == '.') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

expected<options> load_options(const load_request& req) {
  options o;
  std::string path = req.config_file;
  bool must_exist = !path.empty();
  if (path.empty()) {
    if (auto p = req.env("ATLAS_CONFIG"); p && !p->empty()) {
      path = *p;
      must_exist = true;
    } else if (std::error_code ec; std::filesystem::exists("atlas.toml", ec)) {
      path = "atlas.toml";
    }
  }
  if (!path.empty()) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      if (must_exist)
        return error{errc::not_found, "configuration file " + path
                                        + " does not exist (create it with `atlas init`, or "
                                          "unset ATLAS_CONFIG to use the defaults)"};
    } else if (auto r = apply_file(o, path); !r) {
      return r.error();
    }
  }
  if (auto r = apply_env(o, req.env); !r)
    return r.error();
  return o;
}

expected<void> set_option(options& o, std::string_view key, const std::string& value,
                          std::string_view where) {
  const key_spec* spec = find_key(key);
  if (spec == nullptr) {
    auto sec = key.substr(0, key.find('.'));
    auto known = known_keys_of(sec);
    return error{errc::validation,
                 std::string{where} + ": unknown key '" + std::string{key} + "'"
                   + (known.empty() ? " (sections: " + sections() + ")"
                                    : " (known keys in [" + std::string{sec} + "]: " + known + ")")};
  }
  if (auto bad = spec->set(o, value))
    return bad_value(where, key, value, *bad);
  return {};
}

std::vector<std::string> option_keys() {
  std::vector<std::string> out;
  for (auto& k : keys())
    out.emplace_back(k.name);
  return out;
}

std::string commented_defaults() {
  const options defaults;
  std::string out = "# atlas.toml: Atlas's configuration (docs/configuration.md).\n"
                    "# Every key is shown at its default, commented out; uncomment to change it.\n"
                    "# Each key can also be set by ATLAS_<SECTION>_<KEY> in the environment and,\n"
                    "# for `atlas node`, by a flag (atlas node --help).\n";
  std::string_view section;
  for (auto& k : keys()) {
    auto dot = k.name.find('.');
    auto sec = k.name.substr(0, dot);
    if (sec != section) {
      out += "\n[" + std::string{sec} + "]\n";
      section = sec;
    }
    auto value = k.get(defaults);
    bool quoted_value = k.k != kind::boolean && k.k != kind::count;
    out += "# " + std::string{k.help} + "\n";
    out += "# " + std::string{k.name.substr(dot + 1)} + " = "
           + (quoted_value ? "\"" + value + "\"" : value) + "\n";
  }
  return out;
}

std::vector<option_view> describe(const options& o) {
  std::vector<option_view> out;
  for (auto& k : keys())
    out.push_back({std::string{k.name}, redact(k.get(o)), std::string{k.help}});
  out.push_back({"fly.access_token", to_string(o.fly.access_token),
                 "from FLY_ACCESS_TOKEN or FLY_API_TOKEN (never shown)"});
  return out;
}

expected<duration> parse_duration(std::string_view text) {
  const auto allowed = std::string{"not a duration: use a number with a unit (ms, s, m, h, d), "
                                   "e.g. 500ms, 2s, 5m, 1h30m"};
  if (text == "0")
    return duration{0};
  if (text.empty())
    return error{errc::validation, allowed};
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), n);
    if (ec != std::errc{} || n < 0)
      return error{errc::validation, allowed};
    i = static_cast<std::size_t>(end - text.data());
    std::size_t u = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])))
      ++i;
    auto unit = text.substr(u, i - u);
    std::int64_t ms_per = 0;
    if (unit == "ms")
      ms_per = 1;
    else if (unit == "s")
      ms_per = 1000;
    else if (unit == "m")
      ms_per = 60'000;
    else if (unit == "h")
      ms_per = 3'600'000;
    else if (unit == "d")
      ms_per = 86'400'000;
    else
      return error{errc::validation, allowed};
    if (n > (std::numeric_limits<std::int64_t>::max() - total) / ms_per)
      return error{errc::validation, "duration too long"};
    total += n * ms_per;
  }
  return duration{total};
}

std::string format_duration(duration d) {
  auto ms = d.count();
  if (ms == 0)
    return "0s";
  std::string out;
  if (ms < 0) {
    out += '-';
    ms = -ms;
  }
  struct unit {
    std::int64_t ms;
    const char* name;
  };
  for (auto [per, name] : {unit{86'400'000, "d"}, unit{3'600'000, "h"}, unit{60'000, "m"},
                           unit{1000, "s"}, unit{1, "ms"}}) {
    if (ms >= per) {
      out += std::to_string(ms / per) + name;
      ms %= per;
    }
  }
  return out;
}

} // namespace atlas
