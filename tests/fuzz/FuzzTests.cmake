# Included by tests/CMakeLists.txt in the sanitizer build (SLOWIO_SANITIZE, the asan preset) only: builds the
# libFuzzer harnesses of tests/fuzz/ (a standalone project compiled with clang) into <build>/fuzz/ and runs
# each briefly as one ctest entry, labelled "fuzz", on a copy of its seed corpus. Without a clang whose
# libFuzzer works, the entries are still registered, and ctest reports them skipped (never passed).

set(SLOWIO_FUZZ_HARNESSES RequestParserFuzzer ResponseParserFuzzer PrometheusTextFuzzer PathTemplateFuzzer)
set(SLOWIO_FUZZ_SECONDS 8 CACHE STRING "How long each fuzz ctest entry fuzzes (libFuzzer -max_total_time)")
find_program(SLOWIO_FUZZ_CXX NAMES clang++-14 clang++ DOC "clang++ with libFuzzer, for tests/fuzz")

# Does this clang link a fuzzer with the sanitizers? (clang-14 alone is not enough: the runtime is Debian's
# libclang-rt-14-dev.) Checked at every configure, so installing the package later is picked up.
set(_fuzz_skip "")
if(NOT SLOWIO_FUZZ_CXX)
  set(_fuzz_skip "skipped: no clang++ found (scripts/setup.sh installs clang-14 and libclang-rt-14-dev)")
else()
  set(_probe_dir ${CMAKE_CURRENT_BINARY_DIR}/fuzz-probe)
  file(MAKE_DIRECTORY ${_probe_dir})
  file(WRITE ${_probe_dir}/probe.cpp
       "#include <cstddef>\n#include <cstdint>\n"
       "extern \"C\" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }\n")
  execute_process(
    COMMAND ${SLOWIO_FUZZ_CXX} -std=c++20 -fsanitize=fuzzer,address,undefined probe.cpp -o probe
    WORKING_DIRECTORY ${_probe_dir}
    RESULT_VARIABLE _probe_rc OUTPUT_VARIABLE _probe_out ERROR_VARIABLE _probe_out)
  if(NOT _probe_rc EQUAL 0)
    set(_fuzz_skip "skipped: libFuzzer not found (${SLOWIO_FUZZ_CXX} -fsanitize=fuzzer failed; install libclang-rt-14-dev)")
  endif()
endif()

if(_fuzz_skip)
  message(STATUS "fuzz: ${_fuzz_skip}")
  foreach(h IN LISTS SLOWIO_FUZZ_HARNESSES)
    add_test(NAME "fuzz:${h}" COMMAND sh -c "echo '${_fuzz_skip}'; exit 77")
    set_tests_properties("fuzz:${h}" PROPERTIES LABELS fuzz SKIP_RETURN_CODE 77)
  endforeach()
  return()
endif()

message(STATUS "fuzz: libFuzzer harnesses with ${SLOWIO_FUZZ_CXX}, ${SLOWIO_FUZZ_SECONDS} s each in ctest")
include(ExternalProject)
set(SLOWIO_FUZZ_DIR ${CMAKE_BINARY_DIR}/fuzz)
ExternalProject_Add(slowio_fuzzers
  SOURCE_DIR ${CMAKE_CURRENT_SOURCE_DIR}/fuzz
  BINARY_DIR ${SLOWIO_FUZZ_DIR}
  CMAKE_ARGS -DCMAKE_CXX_COMPILER=${SLOWIO_FUZZ_CXX} -DCMAKE_BUILD_TYPE=RelWithDebInfo
             -DSLOWIO_FUZZ_WERROR=${SLOWIO_WERROR}
  BUILD_ALWAYS ON
  INSTALL_COMMAND "")

# One entry per harness: a fresh copy of the committed corpus (libFuzzer adds to the corpus it is given),
# a bounded run, failure on any crash, leak, timeout, out-of-memory or invariant violation.
foreach(h IN LISTS SLOWIO_FUZZ_HARNESSES)
  add_test(NAME "fuzz:${h}"
    COMMAND ${CMAKE_COMMAND}
      -DFUZZER=${SLOWIO_FUZZ_DIR}/${h}
      -DCORPUS=${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${h}
      -DWORK=${SLOWIO_FUZZ_DIR}/run/${h}
      -DSECONDS=${SLOWIO_FUZZ_SECONDS}
      -P ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/RunFuzzer.cmake)
  math(EXPR _timeout "${SLOWIO_FUZZ_SECONDS} + 120")
  # COST: the longest entries start first (ctest has no timings yet on a fresh clone), beside the short ones.
  set_tests_properties("fuzz:${h}" PROPERTIES LABELS fuzz TIMEOUT ${_timeout} COST ${SLOWIO_FUZZ_SECONDS})
endforeach()
