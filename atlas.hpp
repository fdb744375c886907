#pragma once
// Atlas in one include: the runtime, its facades, their typed handles, the
// messages subscribers receive, and the message-type announcement for
// CAF's network layer. docs/embedding.md.

#include <atlas/actors/deploy_messages.hpp>
#include <atlas/actors/log_messages.hpp>
#include <atlas/api/deploys.hpp>
#include <atlas/api/logs.hpp>
#include <atlas/api/message_types.hpp>
#include <atlas/api/runtime.hpp>
#include <atlas/api/tokens.hpp>
#include <atlas/api/typed_handles.hpp>
#include <atlas/core/errc.hpp>
#include <atlas/core/error.hpp>
#include <atlas/core/expected.hpp>
#include <atlas/core/options.hpp>
#include <atlas/core/telemetry.hpp>
#include <atlas/storage/token_storage.hpp>

/// Atlas: Fly.io platform operations as Erlang/OTP-style supervised CAF
/// actors — tokens, logs, deploys and tracked compute (docs/architecture.md).
namespace atlas {
/// The built-in Fly simulator's models (docs/simulator.md).
namespace sim {}
} // namespace atlas
