# Runs a translated example with 2 local workers and its untranslated build alone; both
# must succeed and print the same lines.
execute_process(COMMAND ${CMAKE_COMMAND} -E env WEFT_PROCS=2 ${TRANSLATED}
  RESULT_VARIABLE rc1 OUTPUT_VARIABLE out1 ERROR_VARIABLE err1 TIMEOUT 200)
execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=WEFT_PROCS ${SERIAL}
  RESULT_VARIABLE rc2 OUTPUT_VARIABLE out2 ERROR_VARIABLE err2 TIMEOUT 200)
message("translated, 2 workers (exit ${rc1}):\n${out1}${err1}")
message("serial (exit ${rc2}):\n${out2}${err2}")
if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0)
  message(FATAL_ERROR "an example run failed")
endif()
if(NOT out1 STREQUAL out2)
  message(FATAL_ERROR "the translated and the serial builds print different results")
endif()
if(out1 STREQUAL "")
  message(FATAL_ERROR "no output")
endif()
