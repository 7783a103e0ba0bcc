# A short soak in CI (bench/soak.py, docs/reliability.md): 60 s of mixed load, kill -9 during a
# burst of writes, restart, every acknowledged write checked, `keyledger verify`. It fails only on
# a lost acknowledged write, a misreported answer or a failed verify; timings are printed, never
# judged. The full-length soak is `bench/soak.py` with its default 8 minutes.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  add_test(NAME soak_short
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/bench/soak.py --binary $<TARGET_FILE:keyledger>
                   --seconds 60 --clients 6)
  set_tests_properties(soak_short PROPERTIES TIMEOUT 600 LABELS soak)
endif()
