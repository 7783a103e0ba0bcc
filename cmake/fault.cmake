# Fault injection for the end-to-end tests: LD_PRELOAD shims under tests/fault/ that make a
# system call fail on demand (docs/reliability.md). The e2e binary learns each shim's path at
# build time; a test whose shim is not built warns and does not run.
add_library(kl_fail_sync SHARED ${CMAKE_SOURCE_DIR}/tests/fault/fail_sync.c)
target_link_libraries(kl_fail_sync PRIVATE ${CMAKE_DL_LIBS})
# Never sanitized, even under KEYLEDGER_SANITIZE: a preloaded library must not pull in a second
# copy of the sanitizer runtimes ahead of the server's own.
target_compile_options(kl_fail_sync PRIVATE -fno-sanitize=all)
target_link_options(kl_fail_sync PRIVATE -fno-sanitize=all)
if(TARGET e2e_tests)
  add_dependencies(e2e_tests kl_fail_sync)
  target_compile_definitions(e2e_tests PRIVATE KEYLEDGER_FAIL_SYNC_SHIM="$<TARGET_FILE:kl_fail_sync>")
endif()
