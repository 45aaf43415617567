# What `cmake --install` puts in PREFIX: the tools, headers, libweft, the CMake package,
# weft.pc, a man page per tool (troff that man can read), bash completion that completes.
cmake_policy(VERSION 3.25)
set(missing "")
foreach(f include/weft/weft.hpp ${LIBDIR}/libweft.a ${LIBDIR}/pkgconfig/weft.pc
          ${LIBDIR}/cmake/weft/weftConfig.cmake ${LIBDIR}/cmake/weft/weftTargets.cmake
          share/bash-completion/completions/weftrun)
  if(NOT EXISTS "${PREFIX}/${f}")
    list(APPEND missing "${f}")
  endif()
endforeach()
foreach(tool IN LISTS TOOLS)
  foreach(f bin/${tool} share/man/man1/${tool}.1)
    if(NOT EXISTS "${PREFIX}/${f}")
      list(APPEND missing "${f}")
    endif()
  endforeach()
  file(STRINGS "${PREFIX}/share/man/man1/${tool}.1" th REGEX "^\\.TH ")
  string(TOUPPER "${tool}" title)
  string(FIND "${th}" ".TH ${title} 1 " at)
  if(NOT at EQUAL 0)
    message(FATAL_ERROR "share/man/man1/${tool}.1 has no '.TH ${title} 1' line: '${th}'")
  endif()
  if(th MATCHES "@")
    message(FATAL_ERROR "share/man/man1/${tool}.1 was not configured: '${th}'")
  endif()
endforeach()
if("weft-translate" IN_LIST TOOLS AND NOT EXISTS "${PREFIX}/share/bash-completion/completions/weft-translate")
  list(APPEND missing share/bash-completion/completions/weft-translate)
endif()
if(missing)
  message(FATAL_ERROR "not installed into ${PREFIX}: ${missing}")
endif()

# The completion scripts complete options after `-` and worker counts after -p.
set(comp "${PREFIX}/share/bash-completion/completions")
execute_process(COMMAND bash -c "shopt -s extglob; source '${comp}/weftrun'
COMP_WORDS=(weftrun --mach); COMP_CWORD=1; _weftrun; echo \"1:\${COMPREPLY[*]}\"
COMP_WORDS=(weftrun -p a); COMP_CWORD=2; _weftrun; echo \"2:\${COMPREPLY[*]}\""
  OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out MATCHES "1:--machine-file\n2:auto\n")
  message(FATAL_ERROR "weftrun completion: expected '--machine-file' and 'auto', got (${rc}):\n${out}")
endif()
if("weft-translate" IN_LIST TOOLS)
  execute_process(COMMAND bash -c "shopt -s extglob; source '${comp}/weft-translate'
COMP_WORDS=(weft-translate --no-l); COMP_CWORD=1; _weft_translate; echo \"1:\${COMPREPLY[*]}\""
    OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "1:--no-line-directives\n")
    message(FATAL_ERROR "weft-translate completion: expected '--no-line-directives', got (${rc}):\n${out}")
  endif()
endif()
