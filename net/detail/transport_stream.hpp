#pragma once
// A TCP connection, plain or TLS, behind one stream type.
//
// Beast's HTTP and WebSocket algorithms are templates over the stream: used
// on a plain and a TLS stream each, every one of them is compiled twice,
// which made http_server.cpp alone take minutes (and a quarter of an hour
// under the sanitizers). Over this one type they are compiled once; the
// choice between plain and TLS is one virtual-free branch per read or write.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <array>
#include <memory>

namespace atlas::detail {

class transport_stream {
public:
  using executor_type = boost::asio::any_io_executor;
  using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  using error_code = boost::system::error_code;

  /// A completion handler of any type, called once. (Boost 1.81's
  /// any_completion_handler cannot be posted through its own executor, which
  /// Beast does; this one runs on the stream's executor, as Beast's do.)
  template <class... Args>
  class erased_handler {
  public:
    template <class H>
    explicit erased_handler(H h) : p_(std::make_unique<model<H>>(std::move(h))) {}
    void operator()(Args... args) {
      auto p = std::move(p_);
      p->call(args...);
    }

  private:
    struct base {
      virtual ~base() = default;
      virtual void call(Args... args) = 0;
    };
    template <class H>
    struct model final : base {
      explicit model(H h) : h_(std::move(h)) {}
      void call(Args... args) override { std::move(h_)(args...); }
      H h_;
    };
    std::unique_ptr<base> p_;
  };
  using io_handler = erased_handler<error_code, std::size_t>;
  using done_handler = erased_handler<error_code>;

  /// Up to `max_buffers` of a buffer sequence: a read or write of only part of
  /// a sequence is what read_some and write_some may always do.
  template <class Buffer>
  struct buffers {
    static constexpr std::size_t max_buffers = 16;
    std::array<Buffer, max_buffers> items;
    std::size_t count = 0;
    const Buffer* begin() const noexcept { return items.data(); }
    const Buffer* end() const noexcept { return items.data() + count; }

    template <class Sequence>
    static buffers of(const Sequence& seq) {
      buffers out;
      for (auto it = boost::asio::buffer_sequence_begin(seq), last = boost::asio::buffer_sequence_end(seq);
           it != last && out.count < max_buffers; ++it)
        out.items[out.count++] = Buffer(*it);
      return out;
    }
  };
  using read_buffers = buffers<boost::asio::mutable_buffer>;
  using write_buffers = buffers<boost::asio::const_buffer>;

  explicit transport_stream(boost::beast::tcp_stream plain);
  explicit transport_stream(tls_stream tls);
  transport_stream(transport_stream&&) noexcept;
  transport_stream& operator=(transport_stream&&) noexcept;
  ~transport_stream();

  executor_type get_executor() noexcept;

  /// The TCP stream underneath: timeouts and the socket.
  boost::beast::tcp_stream& tcp() noexcept;
  /// The TLS layer, or null for a plain connection.
  tls_stream* tls() noexcept;

  /// Closes the socket now; pending operations end with operation_aborted.
  void close() noexcept;

  template <class MutableBufferSequence, class Token>
  auto async_read_some(const MutableBufferSequence& seq, Token&& token) {
    return boost::asio::async_initiate<Token, void(error_code, std::size_t)>(
      [this](auto h, read_buffers b) { start_read(b, io_handler{std::move(h)}); }, token,
      read_buffers::of(seq));
  }

  template <class ConstBufferSequence, class Token>
  auto async_write_some(const ConstBufferSequence& seq, Token&& token) {
    return boost::asio::async_initiate<Token, void(error_code, std::size_t)>(
      [this](auto h, write_buffers b) { start_write(b, io_handler{std::move(h)}); }, token,
      write_buffers::of(seq));
  }

  /// The closing of a WebSocket over this stream (TLS close_notify, then TCP).
  void start_teardown(boost::beast::role_type role, done_handler handler);
  void teardown(boost::beast::role_type role, error_code& ec);

private:
  void start_read(const read_buffers& b, io_handler handler);
  void start_write(const write_buffers& b, io_handler handler);

  std::unique_ptr<boost::beast::tcp_stream> plain_;
  std::unique_ptr<tls_stream> tls_;
};

// What Beast's WebSocket stream finds by argument-dependent lookup.
void beast_close_socket(transport_stream& s);
void teardown(boost::beast::role_type role, transport_stream& s, boost::system::error_code& ec);

template <class Handler>
void async_teardown(boost::beast::role_type role, transport_stream& s, Handler&& handler) {
  s.start_teardown(role, transport_stream::done_handler{std::forward<Handler>(handler)});
}

} // namespace atlas::detail
