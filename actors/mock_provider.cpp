#include <atlas/actors/mock_provider.hpp>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <chrono>
#include <random>

namespace atlas {

namespace {

std::string base64url(const unsigned char* p, std::size_t n) {
  static const char* const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t buf = 0;
  int bits = 0;
  for (std::size_t i = 0; i < n; ++i) {
    buf = (buf << 8) | p[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(abc[(buf >> bits) & 0x3f]);
    }
  }
  if (bits > 0)
    out.push_back(abc[(buf << (6 - bits)) & 0x3f]);
  return out;
}

std::string random_b64(std::size_t bytes) {
  std::vector<unsigned char> b(bytes);
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
    std::random_device rd;
    for (auto& c : b)
      c = static_cast<unsigned char>(rd());
  }
  return base64url(b.data(), b.size());
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

error not_found(const std::string& what, const std::string& id) {
  return error{errc::not_found, "no " + what + " " + id, 404, "mock"};
}

} // namespace

// -- store -------------------------------------------------------------------------------------

void mock_store::put(const compute& c) {
  std::lock_guard g{mtx_};
  computes_[c.id] = c;
}

std::optional<compute> mock_store::get(const std::string& id) const {
  std::lock_guard g{mtx_};
  auto it = computes_.find(id);
  if (it == computes_.end())
    return std::nullopt;
  return it->second;
}

std::vector<compute> mock_store::all() const {
  std::lock_guard g{mtx_};
  std::vector<compute> out;
  out.reserve(computes_.size());
  for (auto& [id, c] : computes_)
    out.push_back(c);
  return out;
}

bool mock_store::set_status(const std::string& id, compute_status s) {
  std::lock_guard g{mtx_};
  auto it = computes_.find(id);
  if (it == computes_.end())
    return false;
  it->second.status = s;
  return true;
}

void mock_store::put_job(const job& j) {
  std::lock_guard g{mtx_};
  jobs_[j.id] = j;
}

std::optional<job> mock_store::get_job(const std::string& id) const {
  std::lock_guard g{mtx_};
  auto it = jobs_.find(id);
  if (it == jobs_.end())
    return std::nullopt;
  return it->second;
}

bool mock_store::set_job_status(const std::string& id, job_status s) {
  std::lock_guard g{mtx_};
  auto it = jobs_.find(id);
  if (it == jobs_.end())
    return false;
  it->second.status = s;
  return true;
}

std::size_t mock_store::size() const {
  std::lock_guard g{mtx_};
  return computes_.size();
}

void mock_store::reset() {
  std::lock_guard g{mtx_};
  computes_.clear();
  jobs_.clear();
  failures_.clear();
  calls_.clear();
}

void mock_store::inject_failure(const std::string& operation, std::uint32_t times, error e) {
  std::lock_guard g{mtx_};
  failures_[operation] = {times, std::move(e)};
}

std::optional<error> mock_store::take_failure(const std::string& operation) {
  std::lock_guard g{mtx_};
  auto it = failures_.find(operation);
  if (it == failures_.end() || it->second.first == 0)
    return std::nullopt;
  auto e = it->second.second;
  if (--it->second.first == 0)
    failures_.erase(it);
  return e;
}

std::uint64_t mock_store::calls(const std::string& operation) const {
  std::lock_guard g{mtx_};
  auto it = calls_.find(operation);
  return it == calls_.end() ? 0 : it->second;
}

void mock_store::count_call(const std::string& operation) {
  std::lock_guard g{mtx_};
  ++calls_[operation];
}

// -- provider ----------------------------------------------------------------------------------

compute_auth mint_bearer_auth() {
  compute_auth a;
  a.scheme = auth_scheme::bearer;
  auto token = random_b64(32);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(token.data(), token.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* const hex = "0123456789abcdef";
  for (unsigned i = 0; i < len; ++i) {
    a.hash.push_back(hex[digest[i] >> 4]);
    a.hash.push_back(hex[digest[i] & 0xf]);
  }
  a.token = secret{std::move(token)};
  a.header = "Authorization";
  return a;
}

mock_provider::mock_provider(std::shared_ptr<mock_store> store) : store_(std::move(store)) {
}

std::vector<capability> mock_provider::capabilities() const {
  return {capability::spot,     capability::serverless, capability::network_volumes,
          capability::http_proxy, capability::raw_tcp,  capability::webhooks};
}

expected<compute> mock_provider::spawn_compute(const compute_request& r) {
  store_->count_call("spawn_compute");
  if (auto f = store_->take_failure("spawn_compute"))
    return *f;
  if (auto ok = validate(r); !ok)
    return ok.error();
  compute c;
  c.id = "mock-" + random_b64(8);
  c.provider = "mock";
  c.status = compute_status::running;
  c.public_ip = "203.0.113.1";
  for (const auto& p : r.ports) {
    port_mapping m{p.port, p.port, p.protocol, {}};
    m.url = p.protocol == port_protocol::http ? "https://" + c.id + "-" + std::to_string(p.port) + ".mock.local"
                                              : "tcp://203.0.113.1:" + std::to_string(p.port);
    c.ports.push_back(std::move(m));
  }
  c.gpu_type = r.gpu;
  c.gpu_count = r.gpu_count;
  c.cost_per_hour = 0.0;
  c.region = r.region_hints.empty() ? std::string{} : r.region_hints.front();
  c.image = r.image;
  c.name = r.name;
  if (r.auth == auth_scheme::bearer)
    c.auth = mint_bearer_auth();
  else if (r.auth == auth_scheme::signed_url)
    c.auth.scheme = auth_scheme::signed_url;
  c.created_at_ms = now_ms();
  c.labels = r.labels;
  store_->put(c);
  return c;
}

expected<compute> mock_provider::get_compute(const std::string& id) {
  store_->count_call("get_compute");
  if (auto f = store_->take_failure("get_compute"))
    return *f;
  if (auto c = store_->get(id))
    return *c;
  return not_found("compute", id);
}

expected<std::vector<compute>> mock_provider::list_compute(const compute_filter& f) {
  store_->count_call("list_compute");
  if (auto e = store_->take_failure("list_compute"))
    return *e;
  std::vector<compute> out;
  for (auto& c : store_->all())
    if (matches(f, c))
      out.push_back(std::move(c));
  return out;
}

expected<void> mock_provider::set(const std::string& op, const std::string& id, compute_status s) {
  store_->count_call(op);
  if (auto f = store_->take_failure(op))
    return *f;
  if (!store_->set_status(id, s))
    return not_found("compute", id);
  return {};
}

expected<void> mock_provider::stop(const std::string& id) {
  return set("stop", id, compute_status::stopped);
}
expected<void> mock_provider::start(const std::string& id) {
  return set("start", id, compute_status::running);
}
expected<void> mock_provider::terminate(const std::string& id) {
  return set("terminate", id, compute_status::terminated);
}

expected<job> mock_provider::run_job(const job_request& r) {
  store_->count_call("run_job");
  if (auto f = store_->take_failure("run_job"))
    return *f;
  if (auto ok = validate(r); !ok)
    return ok.error();
  job j;
  j.id = "job-" + random_b64(8);
  j.provider = "mock";
  j.endpoint = r.endpoint;
  j.status = job_status::completed;
  j.output = "{\"echo\":" + r.input + "}";
  j.created_at_ms = now_ms();
  store_->put_job(j);
  return j;
}

expected<job> mock_provider::get_job(const std::string& id) {
  if (auto j = store_->get_job(id))
    return *j;
  return not_found("job", id);
}

expected<void> mock_provider::cancel_job(const std::string& id) {
  if (!store_->set_job_status(id, job_status::cancelled))
    return not_found("job", id);
  return {};
}

expected<std::vector<std::string>> mock_provider::stream_job(const std::string& id) {
  // ExAtlas: the job's output once, then the end; an unknown job streams nothing.
  std::vector<std::string> out;
  if (auto j = store_->get_job(id))
    out.push_back(j->output);
  return out;
}

expected<std::vector<gpu_type>> mock_provider::list_gpu_types() {
  gpu_type g;
  g.id = "mock-h100";
  g.provider = "mock";
  g.canonical = "h100";
  g.display_name = "Mock H100";
  g.memory_gb = 80;
  g.lowest_price_per_hour = 0.0;
  g.spot_price_per_hour = 0.0;
  g.stock = "high";
  g.cloud_type = "any";
  return std::vector<gpu_type>{g};
}

provider_actor spawn_mock_provider(caf::actor_system& sys, std::shared_ptr<mock_store> store) {
  return spawn_provider(sys, std::make_shared<mock_provider>(std::move(store)));
}

} // namespace atlas
