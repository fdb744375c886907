#include <atlas/actors/request_error.hpp>

#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/sec.hpp>

namespace atlas {

error request_error(caf::actor_system& sys, const caf::error& e, const std::string& what,
                    std::string_view receiver_down, errc down_code) {
  if (e == caf::sec::request_timeout)
    return error{errc::timeout, what + ": no answer in time"};
  if (e == caf::sec::request_receiver_down)
    return error{down_code, what + ": " + std::string{receiver_down}};
  return error{errc::internal, what + ": " + sys.render(e)};
}

} // namespace atlas
