# Fails when a header or source of a lower layer includes a higher one
# (DESIGN.md §1, docs/architecture.md). Run: cmake -DROOT=<tree> -P check_layers.cmake
#
# Ranks: core 0; storage, fly, net 1; actors, sim 2; supervisors 3; api 4;
# node 5; cli 6. Same-rank layers may not include each other either (storage,
# fly and net are independent; actors and sim too), and only cli/ may use sim/.
if(NOT ROOT)
  message(FATAL_ERROR "check_layers: pass -DROOT=<source tree>")
endif()

set(rank_core 0)
set(rank_storage 1)
set(rank_fly 1)
set(rank_net 1)
set(rank_actors 2)
set(rank_sim 2)
set(rank_supervisors 3)
set(rank_api 4)
set(rank_node 5)
set(rank_cli 6)
set(layers core storage fly net actors sim supervisors api node cli)

set(violations "")
foreach(layer IN LISTS layers)
  if(NOT IS_DIRECTORY "${ROOT}/${layer}")
    continue()
  endif()
  file(GLOB_RECURSE files "${ROOT}/${layer}/*.hpp" "${ROOT}/${layer}/*.cpp" "${ROOT}/${layer}/*.h")
  foreach(f IN LISTS files)
    file(STRINGS "${f}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]atlas/[a-z_]+/")
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[<\"]atlas/([a-z_]+)/.*" "\\1" target "${line}")
      if(NOT DEFINED rank_${target} OR target STREQUAL layer)
        continue()
      endif()
      file(RELATIVE_PATH rel "${ROOT}" "${f}")
      if(target STREQUAL "sim" AND NOT layer STREQUAL "cli")
        string(APPEND violations "  ${rel}: ${line}  (only cli/ and tests use sim/)\n")
      elseif(NOT rank_${target} LESS rank_${layer})
        string(APPEND violations "  ${rel}: ${line}  (${layer}/ is layer ${rank_${layer}}, ${target}/ is layer ${rank_${target}})\n")
      endif()
    endforeach()
  endforeach()
endforeach()

if(violations)
  message(FATAL_ERROR "A lower layer includes a higher one (DESIGN.md §1):\n${violations}")
endif()
message(STATUS "check_layers: every include points to a lower layer")
