# Compiles SRC and passes only if compilation fails with a weft message that names EXPECT.
execute_process(COMMAND ${CXX} -std=c++20 -fsyntax-only -I${INC} ${SRC}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SRC} compiled, but it must be rejected")
endif()
string(FIND "${err}" "weft: this type cannot cross processes" has_msg)
string(REGEX MATCH "with T = ${EXPECT}" has_type "${err}")
if(has_msg EQUAL -1 OR NOT has_type)
  message(FATAL_ERROR "the error does not name ${EXPECT} with weft's message:\n${err}")
endif()
