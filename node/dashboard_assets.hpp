#pragma once
// The dashboard's static files (node/dashboard/: HTML, CSS, JavaScript),
// compiled into the binary by cmake/embed_assets.cmake: the node needs no
// files beside it, no CDN and no build step with a network. `GET /` is
// rendered by dashboard_page.hpp; these are what it links to (/assets/...).

#include <atlas/net/http_server.hpp>

#include <optional>
#include <span>
#include <string_view>

namespace atlas {

/// One embedded file; every view points into the binary (static storage).
struct dashboard_asset {
  std::string_view path;         ///< as requested: "/assets/app.js"
  std::string_view content_type; ///< "text/javascript; charset=utf-8"
  std::string_view body;         ///< the file's bytes
  std::string_view etag;         ///< a strong ETag, quoted: "\"3f2a...\"" (SHA-256 prefix of the body)
};

/// The asset served at `path` ("/assets/app.js"), or null: never a file
/// outside the embedded set, whatever the path holds ("..", "%2F", ...).
const dashboard_asset* find_dashboard_asset(std::string_view path);

/// Every embedded asset, sorted by path.
std::span<const dashboard_asset> dashboard_assets();

/// The answer to a GET or HEAD of an asset: 200 with its content type, ETag
/// and `Cache-Control: no-cache` (revalidated each time, so a new binary's
/// dashboard is never stale), or 304 without a body when If-None-Match names
/// its ETag. Nothing when `req.path` is no asset (the caller answers 404).
std::optional<http_server_response> dashboard_asset_response(const http_server_request& req);

} // namespace atlas
