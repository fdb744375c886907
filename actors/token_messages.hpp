#pragma once
// The messages of the tokens subtree (DESIGN.md §4.1): what an app server,
// the storage owner, the persist workers and the CLI minter answer.
// Atoms are at most 10 characters in CAF 0.17.

#include <atlas/core/token_record.hpp>
#include <atlas/storage/token_storage.hpp>

#include <caf/atom.hpp>

namespace atlas {

// app_server
/// (acquire_atom) → expected<token_record>: an app server's token, from the cache or the chain.
using acquire_atom = caf::atom_constant<caf::atom("tokacquire")>;
/// (refresh_atom) → expected<token_record>: forget the app's token and acquire a new one.
using refresh_atom = caf::atom_constant<caf::atom("tokrefresh")>;
/// (invalidate_atom) → expected<void> to an app server: forget the token; to the minter,
/// (invalidate_atom, org, token), no answer: drop that token if it is the org's minted one.
using invalidate_atom = caf::atom_constant<caf::atom("tokinval")>;
/// (set_manual_atom, secret) → expected<void>: an app server's manual token.
using set_manual_atom = caf::atom_constant<caf::atom("tokmanual")>;
// token_storage_owner and token_persister
/// (storage_get_atom, app, token_key) → expected<stored_token>, to the storage owner.
using storage_get_atom = caf::atom_constant<caf::atom("stget")>;
/// (storage_put_atom, app, token_key, token_record) → expected<void>.
using storage_put_atom = caf::atom_constant<caf::atom("stput")>;
/// (storage_erase_atom, app, token_key) → expected<void>.
using storage_erase_atom = caf::atom_constant<caf::atom("sterase")>;
/// (persist_atom, app, token_record), no answer: the persister stores the app's cached entry.
using persist_atom = caf::atom_constant<caf::atom("stpersist")>;
// token_minter
/// (mint_atom, org, bool fresh) → expected<token_record>: the minter's token of the org.
using mint_atom = caf::atom_constant<caf::atom("tokmint")>;

/// The value of acquire_atom, to send.
constexpr acquire_atom acquire_atom_v{};
/// The value of refresh_atom, to send.
constexpr refresh_atom refresh_atom_v{};
/// The value of invalidate_atom, to send.
constexpr invalidate_atom invalidate_atom_v{};
/// The value of set_manual_atom, to send.
constexpr set_manual_atom set_manual_atom_v{};
/// The value of storage_get_atom, to send.
constexpr storage_get_atom storage_get_atom_v{};
/// The value of storage_put_atom, to send.
constexpr storage_put_atom storage_put_atom_v{};
/// The value of storage_erase_atom, to send.
constexpr storage_erase_atom storage_erase_atom_v{};
/// The value of persist_atom, to send.
constexpr persist_atom persist_atom_v{};
/// The value of mint_atom, to send.
constexpr mint_atom mint_atom_v{};

/// What storage holds for (app, key): `found` is false when nothing.
struct stored_token {
  bool found = false; ///< false: storage holds nothing for the key, and `record` is empty
  token_record record; ///< what storage holds, when `found`

  template <class Inspector>
  friend auto inspect(Inspector& f, stored_token& x) {
    return f(x.found, x.record);
  }
};

} // namespace atlas
