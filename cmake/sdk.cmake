# The compatibility dialects' end-to-end tests (docs/compat.md): each drives the real binary
# through its official client, pinned in tests/sdk/<dialect>/package-lock.json and installed by
# scripts/setup.d/sdk_<dialect>.sh. The dialects' sources and unit tests (http/compat/<dialect>/,
# tests/unit/http/compat/<dialect>/) are globbed with the http layer's.
find_program(NODE_EXECUTABLE node)
if(NODE_EXECUTABLE)
  foreach(dialect workos unkey)
    add_test(NAME sdk_${dialect}
             COMMAND ${NODE_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/sdk/${dialect}/${dialect}.test.mjs
                     $<TARGET_FILE:keyledger>
             WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/sdk/${dialect})
    set_tests_properties(sdk_${dialect} PROPERTIES TIMEOUT 120)
  endforeach()
else()
  message(STATUS "node not found: the SDK tests are not registered")
endif()
