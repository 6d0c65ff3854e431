# One bounded libFuzzer run, as a ctest entry (see FuzzTests.cmake):
#   cmake -DFUZZER=<harness> -DCORPUS=<seed dir> -DWORK=<scratch dir> -DSECONDS=<n> -P RunFuzzer.cmake
# Fuzzes a fresh copy of the seed corpus (the committed one is never written), saves a failing input under
# WORK/artifacts/, and fails on any nonzero exit: crash, sanitizer report, leak, timeout (-timeout=10 per
# input), out-of-memory (-rss_limit_mb=2048) or a harness invariant (FUZZ_CHECK aborts).
foreach(v FUZZER CORPUS WORK SECONDS)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "RunFuzzer.cmake: -D${v}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/artifacts)
file(COPY ${CORPUS}/ DESTINATION ${WORK}/corpus)

execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
          -artifact_prefix=${WORK}/artifacts/ ${WORK}/corpus
  RESULT_VARIABLE rc)

if(NOT rc EQUAL 0)
  file(GLOB found ${WORK}/artifacts/*)
  message(FATAL_ERROR "fuzzer failed (exit ${rc}); input(s): ${found}\n"
                      "reproduce: ${FUZZER} <input>   (runs that one input; see tests/fuzz/README.md)")
endif()
