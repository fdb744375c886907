#include <atlas/net/fly_logs_client.hpp>

#include <atlas/net/fly_machines_client.hpp>

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace atlas {

namespace json = boost::json;

namespace {

const json::object* object_at(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

std::string text_at(const json::object* o, const char* key) {
  if (o == nullptr)
    return {};
  auto* v = o->if_contains(key);
  return v != nullptr && v->is_string() ? std::string{v->as_string()} : std::string{};
}

std::string query_value(const std::string& s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

} // namespace

fly_logs_client::fly_logs_client(http_client& http, secret token, fly_logs_options opts)
  : http_(http), authorization_(fly_authorization(token)), opts_(std::move(opts)) {
}

fly_logs_page fly_logs_client::parse_jsonapi(const std::string& body, const std::string& app,
                                             std::int64_t cursor_ns) {
  fly_logs_page page;
  page.next_cursor_ns = cursor_ns;
  boost::system::error_code ec;
  auto doc = json::parse(body, ec);
  if (ec || !doc.is_object()) {
    page.malformed = 1;
    return page;
  }
  auto& root = doc.as_object();
  if (auto* data = root.if_contains("data"); data != nullptr && data->is_array()) {
    for (auto& item : data->as_array()) {
      auto* o = item.is_object() ? &item.as_object() : nullptr;
      auto* attrs = o ? object_at(*o, "attributes") : nullptr;
      auto ts = parse_timestamp(text_at(attrs, "timestamp"));
      if (!ts) {
        ++page.malformed;
        continue;
      }
      auto* meta = attrs ? object_at(*attrs, "meta") : nullptr;
      log_entry e;
      e.timestamp_ns = *ts;
      e.id = text_at(o, "id");
      e.app = app;
      e.instance = text_at(attrs, "instance");
      if (e.instance.empty())
        e.instance = text_at(meta, "instance");
      e.region = text_at(attrs, "region");
      if (e.region.empty())
        e.region = text_at(meta, "region");
      e.level = text_at(attrs, "level");
      e.message = text_at(attrs, "message");
      page.entries.push_back(std::move(e));
    }
  }
  // next_token only moves forward when Fly gives one (flyctl's rule).
  if (auto next = text_at(object_at(root, "meta"), "next_token"); !next.empty()) {
    char* end = nullptr;
    auto v = std::strtoll(next.c_str(), &end, 10);
    if (*end == '\0' && v > 0)
      page.next_cursor_ns = v;
  }
  return page;
}

fly_logs_page fly_logs_client::parse_ndjson(const std::string& body, std::int64_t cursor_ns) {
  fly_logs_page page;
  page.next_cursor_ns = cursor_ns;
  std::size_t i = 0;
  while (i < body.size()) {
    auto j = body.find('\n', i);
    auto line = std::string_view{body}.substr(i, j == std::string::npos ? std::string::npos : j - i);
    i = j == std::string::npos ? body.size() : j + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos)
      continue;
    boost::system::error_code ec;
    auto v = json::parse(line, ec);
    auto* o = !ec && v.is_object() ? &v.as_object() : nullptr;
    auto ts = o ? parse_timestamp(text_at(o, "timestamp")) : std::nullopt;
    if (!ts) {
      ++page.malformed; // a truncated last line, or garbage
      continue;
    }
    auto* fly = object_at(*o, "fly");
    auto* fly_app = fly ? object_at(*fly, "app") : nullptr;
    log_entry e;
    e.timestamp_ns = *ts;
    e.app = text_at(fly_app, "name");
    e.instance = text_at(fly_app, "instance");
    e.region = text_at(fly, "region");
    e.level = text_at(object_at(*o, "log"), "level");
    e.message = text_at(o, "message");
    page.next_cursor_ns = std::max(page.next_cursor_ns, e.timestamp_ns);
    page.entries.push_back(std::move(e));
  }
  return page;
}

void fly_logs_client::fetch(const fly_logs_query& q, callback done) const {
  bool nd = opts_.form == fly_logs_form::ndjson;
  std::string url = (nd ? opts_.flaps_base_url + "/v1/apps/" : opts_.api_base_url + "/api/v1/apps/")
                    + boost::urls::encode(q.app, boost::urls::pchars) + "/logs";
  std::string query;
  auto add = [&](const char* k, const std::string& v) {
    if (!v.empty())
      query += (query.empty() ? "?" : "&") + std::string{k} + "=" + query_value(v);
  };
  add(nd ? "start_time" : "next_token", q.cursor_ns > 0 ? std::to_string(q.cursor_ns) : "");
  add("region", q.region);
  add("instance", q.instance);
  http_request req;
  req.url = url + query;
  req.authorization = authorization_;
  req.headers.emplace_back("Accept", nd ? "application/x-ndjson" : "application/json");
  request_with_retry(http_, std::move(req), opts_.retry,
                     [q, nd, done = std::move(done)](expected<http_response> r, std::uint32_t) {
                       auto checked = check_status(std::move(r), "Fly logs API");
                       if (!checked)
                         return done(checked.error());
                       done(nd ? parse_ndjson(checked->body, q.cursor_ns)
                               : parse_jsonapi(checked->body, q.app, q.cursor_ns));
                     });
}

} // namespace atlas
