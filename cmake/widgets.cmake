# The API keys widget's browser test (docs/widgets.md): the pinned @workos-inc/widgets bundled
# with React by esbuild into ${CMAKE_BINARY_DIR}/widgets_page at test time, served from a second
# loopback origin, in Debian's headless Chromium driven by playwright-core, against the real
# binary. scripts/setup.d/widgets_browser.sh installs them. UPDATE_SCREENSHOTS=1 rewrites
# docs/widgets/*.png.
find_program(NODE_EXECUTABLE node)
if(NODE_EXECUTABLE)
  add_test(NAME widgets_browser
           COMMAND ${NODE_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/widgets/widgets.test.mjs
                   $<TARGET_FILE:keyledger> ${CMAKE_BINARY_DIR}/widgets_page
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/widgets)
  set_tests_properties(widgets_browser PROPERTIES TIMEOUT 300)
else()
  message(STATUS "node not found: the widgets browser test is not registered")
endif()
