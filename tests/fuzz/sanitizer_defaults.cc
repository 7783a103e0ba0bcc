// Sanitizer defaults built into every fuzz target, so that running one by hand behaves like
// scripts/fuzz.sh: a UBSan report aborts with a stack (UBSan is also compiled unrecoverable, see
// cmake/fuzz.cmake). UBSAN_OPTIONS from the environment still override these, flag by flag.
extern "C" const char* __ubsan_default_options() { return "halt_on_error=1:print_stacktrace=1"; }
