# `CXX app.cpp $(pkg-config --cflags --libs weft)` against the installed PREFIX links
# (libweft is static: weft.pc names Boost.Fiber/Context and libcrypto) and runs with
# weftrun -p 2.
cmake_policy(VERSION 3.25)
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(ENV{PKG_CONFIG_PATH} "${PREFIX}/${LIBDIR}/pkgconfig")
execute_process(COMMAND bash -c "'${CXX}' '${SOURCE}' -o '${WORK_DIR}/app' $(pkg-config --cflags --libs weft)"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  execute_process(COMMAND pkg-config --cflags --libs weft OUTPUT_VARIABLE flags ERROR_VARIABLE flags)
  message(FATAL_ERROR "building with pkg-config failed (${rc}); pkg-config says: ${flags}\n${out}${err}")
endif()
execute_process(COMMAND "${PREFIX}/bin/weftrun" -p 2 "${WORK_DIR}/app"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
if(NOT rc EQUAL 0 OR NOT out MATCHES "pkg-config: 42 from process 3 of 3")
  message(FATAL_ERROR "the pkg-config build ran wrong (exit ${rc}):\n${out}${err}")
endif()
message("${out}")
