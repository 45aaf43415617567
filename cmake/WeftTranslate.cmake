# weft_translate(<target>) — translates the target's sources that contain `#pragma weft`
# with weft-translate as a build step, and compiles the translations instead. A source is
# translated again only when it, or a header it includes, changes (a depfile).
#   add_executable(app main.cpp)
#   target_link_libraries(app PRIVATE weft::runtime)
#   weft_translate(app)
# Works in weft's own tree and through find_package(weft CONFIG), with every generator
# (Unix Makefiles, Ninja, Ninja Multi-Config).
cmake_policy(PUSH)
if(POLICY CMP0116)
  cmake_policy(SET CMP0116 NEW)  # depfile paths made relative for Ninja
endif()

# The flags clang needs to parse the target's sources as the compiler sees them, as
# generator expressions: include directories, definitions, the C++ standard
# (CXX_STANDARD, CXX_EXTENSIONS) and the compile options clang understands: -W (unknown
# warnings are ignored), -f, -m, -std=, -pthread; left out are -Werror (a warning only
# clang gives must not stop the translation) and the -f options only GCC knows
# (WEFT_TRANSLATE_GCC_ONLY_OPTIONS, a regular expression).
set(WEFT_TRANSLATE_GCC_ONLY_OPTIONS
  "^-f(no-)?(tree-|ipa-|gcse|analyzer|concepts-diagnostics|max-errors|semantic-interposition|ext-numeric-literals|strict-volatile-bitfields)"
  CACHE STRING "weft_translate(): compile options not passed to clang (regular expression)")
function(_weft_translate_flags target out_var)
  set(incs "$<TARGET_PROPERTY:${target},INCLUDE_DIRECTORIES>")
  # The compiler's own include directories (/usr/include, from cereal::cereal say) are left
  # out, as CMake leaves them out of compile lines: -I/usr/include would put them before
  # the C++ library's and give clang another copy of weft's headers first.
  set(implicit "")
  foreach(dir IN LISTS CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
    string(REGEX REPLACE "([][+.*?()^$|\\])" "\\\\\\1" dir "${dir}")
    list(APPEND implicit "${dir}")
  endforeach()
  if(implicit)
    list(JOIN implicit "|" implicit)
    set(incs "$<FILTER:${incs},EXCLUDE,^(${implicit})/?$>")
  endif()
  set(defs "$<TARGET_PROPERTY:${target},COMPILE_DEFINITIONS>")
  set(std "$<TARGET_PROPERTY:${target},CXX_STANDARD>")
  set(ext_prop "$<TARGET_PROPERTY:${target},CXX_EXTENSIONS>")
  set(ext "$<IF:$<OR:$<STREQUAL:${ext_prop},>,$<BOOL:${ext_prop}>>,gnu,c>")  # unset: GNU's default
  set(opts "$<TARGET_PROPERTY:${target},COMPILE_OPTIONS>")
  set(opts "$<FILTER:${opts},INCLUDE,^-(W|f|m|std=|pthread$)>")
  set(opts "$<FILTER:$<FILTER:${opts},EXCLUDE,^-Werror>,EXCLUDE,${WEFT_TRANSLATE_GCC_ONLY_OPTIONS}>")
  set(${out_var}
    "$<$<BOOL:${incs}>:-I$<JOIN:${incs},$<SEMICOLON>-I>>"
    "$<$<BOOL:${defs}>:-D$<JOIN:${defs},$<SEMICOLON>-D>>"
    "$<$<BOOL:${std}>:-std=${ext}++${std}>"
    "${opts}"
    PARENT_SCOPE)
endfunction()

function(weft_translate target)
  if(NOT TARGET weft::translate)
    message(FATAL_ERROR "weft_translate(${target}): weft::translate is not available (weft was built without the translator)")
  endif()
  get_target_property(sources ${target} SOURCES)
  get_target_property(source_dir ${target} SOURCE_DIR)
  get_target_property(binary_dir ${target} BINARY_DIR)
  set(out_dir "${binary_dir}/weft_translated/${target}")
  _weft_translate_flags(${target} flags)
  set(kept_sources "")
  foreach(src IN LISTS sources)
    set(hits "")
    if(src MATCHES "\\.(cpp|cc|cxx|c\\+\\+|C)$" AND NOT src MATCHES "^\\$<")
      get_filename_component(abs "${src}" ABSOLUTE BASE_DIR "${source_dir}")
      if(EXISTS "${abs}")
        file(STRINGS "${abs}" hits REGEX "^[ \t]*#[ \t]*pragma[ \t]+weft" LIMIT_COUNT 1)
      endif()
    endif()
    if(NOT hits)
      list(APPEND kept_sources "${src}")
      continue()
    endif()
    file(RELATIVE_PATH rel "${source_dir}" "${abs}")
    if(rel MATCHES "^\\.\\.")
      get_filename_component(rel "${abs}" NAME)
    endif()
    set(out "${out_dir}/${rel}")
    get_filename_component(out_subdir "${out}" DIRECTORY)
    get_filename_component(abs_dir "${abs}" DIRECTORY)
    # Only Ninja creates an output's folder itself: make it for the other generators.
    add_custom_command(OUTPUT "${out}"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${out_subdir}"
      COMMAND weft::translate "${abs}" -o "${out}" --depfile "${out}.d" -- ${flags}
      DEPENDS "${abs}" "$<TARGET_FILE:weft::translate>"
      DEPFILE "${out}.d"
      COMMENT "weft-translate ${rel}"
      COMMAND_EXPAND_LISTS VERBATIM)
    list(APPEND kept_sources "${out}")
    list(APPEND originals "${abs}")
    # "header.h" includes are looked up beside the original source.
    set_source_files_properties("${out}" TARGET_DIRECTORY ${target} PROPERTIES
      COMPILE_OPTIONS "-iquote;${abs_dir}" GENERATED ON)
  endforeach()
  # The original sources leave the target (another target may still compile them).
  set_property(TARGET ${target} PROPERTY SOURCES ${kept_sources})
  _weft_editor_entries(${target} "${originals}")
endfunction()

# compile_commands.json entries for the annotated sources themselves, with the target's
# flags, so that clangd and clang-tidy see the file the user edits as the build does (and
# `weft-translate -p` finds its command): an object library that nothing builds compiles
# them as plain C++ (the pragmas ignored, as without weft).
function(_weft_editor_entries target originals)
  if(NOT originals)
    return()
  endif()
  set(edit ${target}_weft_sources)
  add_library(${edit} OBJECT EXCLUDE_FROM_ALL ${originals})
  target_include_directories(${edit} PRIVATE $<TARGET_PROPERTY:${target},INCLUDE_DIRECTORIES>)
  target_compile_definitions(${edit} PRIVATE $<TARGET_PROPERTY:${target},COMPILE_DEFINITIONS>)
  target_compile_options(${edit} PRIVATE $<TARGET_PROPERTY:${target},COMPILE_OPTIONS> -Wno-unknown-pragmas)
  target_compile_features(${edit} PRIVATE $<TARGET_PROPERTY:${target},COMPILE_FEATURES>)
  foreach(prop CXX_STANDARD CXX_STANDARD_REQUIRED CXX_EXTENSIONS)
    get_target_property(value ${target} ${prop})
    if(NOT value STREQUAL "value-NOTFOUND")
      set_property(TARGET ${edit} PROPERTY ${prop} ${value})
    endif()
  endforeach()
endfunction()

cmake_policy(POP)
