# Packaging: `cmake --install` gives a CMake config package, find_package(weft CONFIG),
# with weft::runtime, weft::translate, weft::cxx and weft_translate(<target>).
include(CMakePackageConfigHelpers)
# `cmake --install`, `ninja install` and `cpack` install what is built (after scripts/demo.sh:
# the library and the tools) instead of first building every test and benchmark.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
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

# weftrun, the man pages of the three tools and bash completion for weftrun and
# weft-translate (the man pages are troff, written once, with the version filled in).
install(PROGRAMS "${PROJECT_SOURCE_DIR}/scripts/weftrun" DESTINATION ${CMAKE_INSTALL_BINDIR})
set(weft_man_pages weftrun)
if(TARGET weft-translate)
  list(APPEND weft_man_pages weft-translate weft-c++)
  install(FILES "${PROJECT_SOURCE_DIR}/scripts/completion/weft-translate"
    DESTINATION "${CMAKE_INSTALL_DATADIR}/bash-completion/completions")
endif()
foreach(page IN LISTS weft_man_pages)
  configure_file("${PROJECT_SOURCE_DIR}/docs/man/${page}.1.in" "${PROJECT_BINARY_DIR}/man/${page}.1" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/man/${page}.1" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
endforeach()
install(FILES "${PROJECT_SOURCE_DIR}/scripts/completion/weftrun"
  DESTINATION "${CMAKE_INSTALL_DATADIR}/bash-completion/completions")

# weft.pc: `g++ app.cpp $(pkg-config --cflags --libs weft)`. libweft is a static library,
# so Libs names what it needs itself (Boost.Fiber/Context and libcrypto, static or shared
# as WEFT_STATIC_DEPS chose, and GCC's libbacktrace for remote stacks, by full path). The
# prefix is found from the .pc file's own place, so an unpacked or moved installation works.
string(REGEX REPLACE "[^/]+" ".." weft_pc_up "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
set(weft_pc_libs_private "")
if(WEFT_BACKTRACE_LIB)  # remote stacks' symbolizer (runtime/CMakeLists.txt)
  string(APPEND weft_pc_libs_private " ${WEFT_BACKTRACE_LIB}")
endif()
if(WEFT_UCX)  # the UCX transport (runtime/transport/ucx.cpp)
  list(JOIN UCX_LDFLAGS " " weft_ucx_ldflags)
  string(APPEND weft_pc_libs_private " ${weft_ucx_ldflags}")
endif()
if(WEFT_STATIC_LIBSTDCXX)
  string(APPEND weft_pc_libs_private " -static-libstdc++ -static-libgcc")
endif()
get_target_property(weft_cereal_incs cereal::cereal INTERFACE_INCLUDE_DIRECTORIES)
set(weft_pc_cflags "")
foreach(dir IN LISTS weft_cereal_incs)
  if(dir AND NOT dir STREQUAL "/usr/include")
    string(APPEND weft_pc_cflags " -I${dir}")
  endif()
endforeach()
file(GENERATE OUTPUT "${PROJECT_BINARY_DIR}/weft.pc" CONTENT "\
prefix=\${pcfiledir}/${weft_pc_up}
includedir=\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}
libdir=\${prefix}/${CMAKE_INSTALL_LIBDIR}

Name: weft
Description: Julia's parallel-computing model (remote calls, futures, channels, pmap) for C++
Version: ${PROJECT_VERSION}
Cflags: -std=c++20 -pthread -I\${includedir}${weft_pc_cflags}
Libs: -L\${libdir} -lweft $<TARGET_LINKER_FILE:Boost::fiber> $<TARGET_LINKER_FILE:Boost::context> $<TARGET_LINKER_FILE:OpenSSL::Crypto> -pthread -ldl${weft_pc_libs_private}
")
install(FILES "${PROJECT_BINARY_DIR}/weft.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")

# A Debian package: `cpack -G DEB` in the build directory gives weft_<version>_amd64.deb.
# Depends: the shared libraries weft-translate links (libclang-cpp, libLLVM: computed by
# dpkg-shlibdeps), Clang's resource headers the translator parses with, and what a program
# built against weft links (the Boost, OpenSSL and cereal development packages).
set(CPACK_PACKAGE_NAME weft)
set(CPACK_PACKAGE_VENDOR weft)
set(CPACK_PACKAGE_CONTACT "weft developers <weft@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Julia's parallel-computing model for C++: runtime, translator, weftrun")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)  # no debug information in the package
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "g++, libboost-fiber-dev (>= 1.74), libboost-context-dev (>= 1.74), libssl-dev, libcereal-dev")
if(TARGET weft-translate)
  # Named as well as computed: dpkg-shlibdeps finds libLLVM through the translator's
  # RUNPATH (/usr/lib/llvm-19/lib, a symlink owned by llvm-19-dev, which has no shlibs
  # file), and has been seen to leave libllvm19 out then.
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", libclang-common-${WEFT_LLVM_VERSION_MAJOR}-dev"
         ", libllvm${WEFT_LLVM_VERSION_MAJOR}, libclang-cpp${WEFT_LLVM_VERSION_MAJOR}")
endif()
if(WEFT_UCX)  # programs linked against libweft link UCX's libraries too
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", libucx-dev")
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "cmake, pkg-config")
include(CPack)
