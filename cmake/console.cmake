# The API keys console: console/* embedded into the http layer as byte arrays
# (generated/console_assets.h, read by http/routes_console.cc), and its browser test.
find_package(Python3 REQUIRED COMPONENTS Interpreter)

file(GLOB CONSOLE_FILES CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/console/*.html ${CMAKE_SOURCE_DIR}/console/*.js
     ${CMAKE_SOURCE_DIR}/console/*.css ${CMAKE_SOURCE_DIR}/console/*.svg)
set(CONSOLE_ASSETS_H ${CMAKE_BINARY_DIR}/generated/console_assets.h)
add_custom_command(
  OUTPUT ${CONSOLE_ASSETS_H}
  COMMAND Python3::Interpreter ${CMAKE_SOURCE_DIR}/scripts/embed_console.py ${CONSOLE_ASSETS_H} ${CONSOLE_FILES}
  DEPENDS ${CONSOLE_FILES} ${CMAKE_SOURCE_DIR}/scripts/embed_console.py
  COMMENT "Embedding the console (console/*) into the http layer"
  VERBATIM)
# Listed as a source, so editing a console file regenerates the header and rebuilds routes_console.cc.
target_sources(kl_http PRIVATE ${CONSOLE_ASSETS_H})
set_source_files_properties(${CMAKE_SOURCE_DIR}/http/routes_console.cc PROPERTIES OBJECT_DEPENDS ${CONSOLE_ASSETS_H})

# End to end in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core from npm;
# scripts/setup.d/console.sh installs both). UPDATE_SCREENSHOTS=1 rewrites docs/console/*.png.
find_program(NODE_EXECUTABLE node)
if(NODE_EXECUTABLE)
  add_test(NAME console_browser
           COMMAND ${NODE_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/browser/console.test.mjs $<TARGET_FILE:keyledger>
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/browser)
  set_tests_properties(console_browser PROPERTIES TIMEOUT 300)
else()
  message(STATUS "node not found: the console browser test is not registered")
endif()
