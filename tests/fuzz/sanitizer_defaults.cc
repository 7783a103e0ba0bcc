// Sanitizer defaults built into every fuzz target, so that running one by hand behaves like
// scripts/fuzz.sh: any UBSan report aborts (UBSan is compiled recoverable, see cmake/fuzz.cmake)
// with a stack. UBSAN_OPTIONS from the environment still override these, flag by flag.
extern "C" const char* __ubsan_default_options() { return "halt_on_error=1:print_stacktrace=1"; }
