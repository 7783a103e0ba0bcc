# The Unkey v2 dialect (http/compat/unkey/, docs/compat.md): its sources join the http layer and
# its unit tests join http_tests (the layers' globs read one folder only), and the end-to-end
# test drives the real binary through the pinned @unkey/api client (tests/sdk/unkey/, installed
# by scripts/setup.d/sdk_unkey.sh).
file(GLOB UNKEY_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/http/compat/unkey/*.cc)
target_sources(kl_http PRIVATE ${UNKEY_SRCS})
file(GLOB UNKEY_TEST_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/http/compat/unkey/*_test.cc)
if(TARGET http_tests AND UNKEY_TEST_SRCS)
  target_sources(http_tests PRIVATE ${UNKEY_TEST_SRCS})
endif()

find_program(NODE_EXECUTABLE node)
if(NODE_EXECUTABLE)
  add_test(NAME sdk_unkey
           COMMAND ${NODE_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/sdk/unkey/unkey.test.mjs $<TARGET_FILE:keyledger>
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/sdk/unkey)
  set_tests_properties(sdk_unkey PROPERTIES TIMEOUT 120)
else()
  message(STATUS "node not found: the Unkey SDK test is not registered")
endif()
