# docs.compile: builds the target doc_blocks (every documentation block) in BUILD_DIR and
# says which blocks are marked sketch (shown, not compiled).
cmake_policy(VERSION 3.25)
string(REPLACE "," ", " sketches "${SKETCHES}")
message("building ${COUNT} documentation blocks; marked sketch, not compiled: ${sketches}")
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target doc_blocks --config ${CONFIG}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "a documentation block does not build (errors above point into the .md file)")
endif()
