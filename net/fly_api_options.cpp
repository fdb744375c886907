#include <atlas/net/fly_api_options.hpp>

namespace atlas {

namespace {

/// "https://api.fly.io/" and "https://api.fly.io" name the same API; the
/// clients append paths that begin with '/'.
std::string without_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  return url;
}

} // namespace

fly_machines_options fly_machines_options_from(const fly_options& fly) {
  fly_machines_options o;
  o.base_url = without_trailing_slashes(fly.flaps_base_url);
  return o;
}

fly_logs_options fly_logs_options_from(const fly_options& fly, fly_logs_form form) {
  fly_logs_options o;
  o.api_base_url = without_trailing_slashes(fly.api_base_url);
  o.flaps_base_url = without_trailing_slashes(fly.flaps_base_url);
  o.form = form;
  return o;
}

} // namespace atlas
