# libFuzzer targets: one executable per tests/fuzz/<name>_fuzz.cc (see docs/fuzzing.md).
# Off by default; with -DKEYLEDGER_FUZZ=ON and clang, the kl_* libraries are built with
# coverage instrumentation and ASan+UBSan, and the fuzz executables link libFuzzer's main.
option(KEYLEDGER_FUZZ "Build the libFuzzer targets of tests/fuzz (clang only)" OFF)
if(NOT KEYLEDGER_FUZZ)
  return()
endif()
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(WARNING "KEYLEDGER_FUZZ needs clang (CXX=clang++); the fuzz targets are not built")
  return()
endif()

# -fno-sanitize-recover=all: every UBSan report aborts, so libFuzzer keeps the input as a crash
# (no report is silenced; docs/fuzzing.md says what to do with a finding).
set(KL_FUZZ_SANITIZERS address,undefined)
set(KL_FUZZ_COMMON_FLAGS -fno-sanitize-recover=all -fno-omit-frame-pointer -g)

foreach(lib kl_domain kl_events kl_storage kl_projections kl_exports kl_http)
  target_compile_options(${lib} PRIVATE -fsanitize=fuzzer-no-link,${KL_FUZZ_SANITIZERS} ${KL_FUZZ_COMMON_FLAGS})
endforeach()

# Every fuzz target links the whole stack (each needs a different slice, and one rule is
# simpler), except where KL_FUZZ_LINK_<executable> names a lower layer: export_verify needs only the
# exports layer, and building it alone skips the http layer's compile time.
set(KL_FUZZ_LINK_export_verify_fuzz kl_exports)
set(KL_FUZZ_LINK_checkpoint_fuzz kl_exports)
set(KL_FUZZ_LINK_webhook_url_fuzz kl_domain)
set(KL_FUZZ_LINK_permission_query_fuzz kl_domain)
set(KL_FUZZ_LINK_state_codec_fuzz kl_projections)
set(KL_FUZZ_LINK_json_escape_fuzz kl_events)
file(GLOB KL_FUZZ_SRCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/*_fuzz.cc)
set(KL_FUZZ_TARGETS "")
foreach(src ${KL_FUZZ_SRCS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src} ${CMAKE_SOURCE_DIR}/tests/fuzz/sanitizer_defaults.cc)
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,${KL_FUZZ_SANITIZERS} ${KL_FUZZ_COMMON_FLAGS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,${KL_FUZZ_SANITIZERS})
  if(DEFINED KL_FUZZ_LINK_${name})
    target_link_libraries(${name} PRIVATE ${KL_FUZZ_LINK_${name}})
  else()
    target_link_libraries(${name} PRIVATE kl_http)
  endif()
  list(APPEND KL_FUZZ_TARGETS ${name})
endforeach()

# Writes one Encode()d event of each type: the seed corpus of event_codec_fuzz.
add_executable(fuzz_event_seeds ${CMAKE_SOURCE_DIR}/tests/fuzz/event_seeds.cc)
target_compile_options(fuzz_event_seeds PRIVATE -fsanitize=${KL_FUZZ_SANITIZERS} ${KL_FUZZ_COMMON_FLAGS})
target_link_options(fuzz_event_seeds PRIVATE -fsanitize=fuzzer-no-link,${KL_FUZZ_SANITIZERS})
target_link_libraries(fuzz_event_seeds PRIVATE kl_events)

# Writes EncodeKey() of the key states of tests/fuzz/state_fixtures.h: the seed corpus of state_codec_fuzz.
add_executable(fuzz_state_seeds ${CMAKE_SOURCE_DIR}/tests/fuzz/state_seeds.cc)
target_compile_options(fuzz_state_seeds PRIVATE -fsanitize=${KL_FUZZ_SANITIZERS} ${KL_FUZZ_COMMON_FLAGS})
target_link_options(fuzz_state_seeds PRIVATE -fsanitize=fuzzer-no-link,${KL_FUZZ_SANITIZERS})
target_link_libraries(fuzz_state_seeds PRIVATE kl_projections)

# `cmake --build build-fuzz --target fuzz` builds exactly these (scripts/fuzz.sh uses it).
add_custom_target(fuzz DEPENDS ${KL_FUZZ_TARGETS})
