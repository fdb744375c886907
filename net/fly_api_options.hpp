#pragma once
// Atlas's configuration (core/options.hpp: FLY_API_BASE_URL,
// FLY_FLAPS_BASE_URL) onto the options of the Fly API clients, so the base
// URLs a user sets reach every client built from them.

#include <atlas/core/options.hpp>
#include <atlas/net/fly_logs_client.hpp>
#include <atlas/net/fly_machines_client.hpp>

namespace atlas {

/// Trailing slashes of a base URL are dropped (`https://api.fly.io/` is the
/// same API). The Machines client's options with `flaps_base_url` from `fly`; the rest
/// (retry, pacing, Fly's rate-limit table) are the client's defaults.
fly_machines_options fly_machines_options_from(const fly_options& fly);

/// The logs client's options with both base URLs from `fly` (JSON:API on
/// `api_base_url`, NDJSON on `flaps_base_url`) and the given form.
fly_logs_options fly_logs_options_from(const fly_options& fly, fly_logs_form form = fly_logs_form::jsonapi);

} // namespace atlas
