# The WorkOS API keys dialect (http/compat/workos/, docs/compat.md): its sources in kl_http, its
# unit tests in http_tests, and its end-to-end test through the official @workos-inc/node SDK
# (pinned in tests/sdk/workos/package-lock.json; scripts/setup.d/sdk_workos.sh installs it).
# Included after kl_http and the unit test binaries are defined.
file(GLOB WORKOS_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/http/compat/workos/*.cc)
target_sources(kl_http PRIVATE ${WORKOS_SRCS})
file(GLOB WORKOS_TEST_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/http/compat/workos/*_test.cc)
target_sources(http_tests PRIVATE ${WORKOS_TEST_SRCS})

find_program(NODE_EXECUTABLE node)
if(NODE_EXECUTABLE)
  add_test(NAME sdk_workos
           COMMAND ${NODE_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/sdk/workos/workos.test.mjs $<TARGET_FILE:keyledger>
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/sdk/workos)
  set_tests_properties(sdk_workos PROPERTIES TIMEOUT 120)
else()
  message(STATUS "node not found: the WorkOS SDK test is not registered")
endif()
