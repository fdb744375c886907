#include <atlas/net/detail/transport_stream.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>

namespace atlas::detail {

transport_stream::transport_stream(boost::beast::tcp_stream plain)
  : plain_(std::make_unique<boost::beast::tcp_stream>(std::move(plain))) {
}

transport_stream::transport_stream(tls_stream tls)
  : tls_(std::make_unique<tls_stream>(std::move(tls))) {
}

transport_stream::transport_stream(transport_stream&&) noexcept = default;
transport_stream& transport_stream::operator=(transport_stream&&) noexcept = default;
transport_stream::~transport_stream() = default;

transport_stream::executor_type transport_stream::get_executor() noexcept {
  return tcp().get_executor();
}

boost::beast::tcp_stream& transport_stream::tcp() noexcept {
  return tls_ ? boost::beast::get_lowest_layer(*tls_) : *plain_;
}

transport_stream::tls_stream* transport_stream::tls() noexcept {
  return tls_.get();
}

void transport_stream::close() noexcept {
  error_code ignored;
  tcp().socket().close(ignored);
}

void transport_stream::start_read(const read_buffers& b, io_handler handler) {
  auto bound = boost::asio::bind_executor(get_executor(), std::move(handler));
  if (tls_)
    tls_->async_read_some(b, std::move(bound));
  else
    plain_->async_read_some(b, std::move(bound));
}

void transport_stream::start_write(const write_buffers& b, io_handler handler) {
  auto bound = boost::asio::bind_executor(get_executor(), std::move(handler));
  if (tls_)
    tls_->async_write_some(b, std::move(bound));
  else
    plain_->async_write_some(b, std::move(bound));
}

void transport_stream::start_teardown(boost::beast::role_type role, done_handler handler) {
  using boost::beast::websocket::async_teardown;
  auto bound = boost::asio::bind_executor(get_executor(), std::move(handler));
  if (tls_)
    async_teardown(role, *tls_, std::move(bound));
  else
    async_teardown(role, plain_->socket(), std::move(bound));
}

void transport_stream::teardown(boost::beast::role_type role, error_code& ec) {
  using boost::beast::websocket::teardown;
  if (tls_)
    teardown(role, *tls_, ec);
  else
    teardown(role, plain_->socket(), ec);
}

void beast_close_socket(transport_stream& s) {
  s.close();
}

void teardown(boost::beast::role_type role, transport_stream& s, boost::system::error_code& ec) {
  s.teardown(role, ec);
}

} // namespace atlas::detail
