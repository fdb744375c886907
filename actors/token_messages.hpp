#pragma once
// The messages of the tokens subtree (DESIGN.md §4.1): what an app server,
// the storage owner, the persist workers and the CLI minter answer.
// Atoms are at most 10 characters in CAF 0.17.

#include <atlas/core/token_record.hpp>
#include <atlas/storage/token_storage.hpp>

#include <caf/atom.hpp>

namespace atlas {

// app_server
using acquire_atom = caf::atom_constant<caf::atom("tokacquire")>;
using refresh_atom = caf::atom_constant<caf::atom("tokrefresh")>;
using invalidate_atom = caf::atom_constant<caf::atom("tokinval")>;
using set_manual_atom = caf::atom_constant<caf::atom("tokmanual")>;
// token_storage_owner and token_persister
using storage_get_atom = caf::atom_constant<caf::atom("stget")>;
using storage_put_atom = caf::atom_constant<caf::atom("stput")>;
using storage_erase_atom = caf::atom_constant<caf::atom("sterase")>;
using persist_atom = caf::atom_constant<caf::atom("stpersist")>;
// token_minter
using mint_atom = caf::atom_constant<caf::atom("tokmint")>;

constexpr acquire_atom acquire_atom_v{};
constexpr refresh_atom refresh_atom_v{};
constexpr invalidate_atom invalidate_atom_v{};
constexpr set_manual_atom set_manual_atom_v{};
constexpr storage_get_atom storage_get_atom_v{};
constexpr storage_put_atom storage_put_atom_v{};
constexpr storage_erase_atom storage_erase_atom_v{};
constexpr persist_atom persist_atom_v{};
constexpr mint_atom mint_atom_v{};

/// What storage holds for (app, key): `found` is false when nothing.
struct stored_token {
  bool found = false;
  token_record record;

  template <class Inspector>
  friend auto inspect(Inspector& f, stored_token& x) {
    return f(x.found, x.record);
  }
};

} // namespace atlas
