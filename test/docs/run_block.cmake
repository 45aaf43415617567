# Runs a documentation block EXE with 2 workers; it must exit 0 and, when EXPECTED names a
# file (the ```text output block after it), print exactly that on stdout (leading and
# trailing white space aside).
cmake_policy(VERSION 3.25)
execute_process(COMMAND ${CMAKE_COMMAND} -E env WEFT_PROCS=2 ${EXE}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 100)
message("exit ${rc}, stdout:\n${out}stderr:\n${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the block failed (exit ${rc})")
endif()
if(EXPECTED)
  file(READ ${EXPECTED} want)
  string(STRIP "${want}" want)  # (a last line without its newline is the same output)
  string(STRIP "${out}" out)
  if(NOT out STREQUAL want)
    message(FATAL_ERROR "the block printed something other than its output block; expected:\n${want}")
  endif()
endif()
