# Packaging: `cmake --install` gives a CMake config package, find_package(weft CONFIG),
# with weft::runtime, weft::translate, weft::cxx and weft_translate(<target>).
include(CMakePackageConfigHelpers)
set(WEFT_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/weft")

install(EXPORT weftTargets NAMESPACE weft:: DESTINATION "${WEFT_INSTALL_CMAKEDIR}" FILE weftTargets.cmake)
if(TARGET weft-translate)
  install(EXPORT weftTranslateTargets NAMESPACE weft:: DESTINATION "${WEFT_INSTALL_CMAKEDIR}"
          FILE weftTranslateTargets.cmake)
  install(FILES "${PROJECT_SOURCE_DIR}/cmake/WeftTranslate.cmake" DESTINATION "${WEFT_INSTALL_CMAKEDIR}")
endif()

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/weftConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/weftConfig.cmake"
  INSTALL_DESTINATION "${WEFT_INSTALL_CMAKEDIR}"
  PATH_VARS CMAKE_INSTALL_BINDIR)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/weftConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/weftConfig.cmake" "${PROJECT_BINARY_DIR}/weftConfigVersion.cmake"
  DESTINATION "${WEFT_INSTALL_CMAKEDIR}")
