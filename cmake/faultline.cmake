# SPDX-License-Identifier: Apache-2.0
#
# Build helpers shared by every directory.
#
# fl_library(NAME SOURCES ... [LIBS ...] [INCLUDES ...])
#   A static library, plus NAME_asan (ASan+UBSan) when FL_SANITIZERS and
#   NAME_fuzz (libFuzzer coverage + ASan+UBSan) when FL_FUZZ, so that unit
#   tests and fuzz targets exercise exactly the code the daemons ship.
#   Libraries named in LIBS that were themselves made by fl_library are linked
#   in their matching variant.
#
# fl_unit_test(NAME SOURCES ... [LIBS ...] [LABELS ...] [SERIAL])
#   A cmocka test run by ctest with label "unit", and NAME-asan with labels
#   "unit;asan".
#
# fl_fuzz_target(NAME SOURCES ... LIBS ... CORPUS DIR [SECONDS N])
#   A libFuzzer binary and a ctest (label "fuzz") that runs it for N seconds
#   (default 30) over a scratch copy of the corpus kept in the tree.

set(FL_SAN_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
set(FL_FUZZ_FLAGS -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
set_property(GLOBAL PROPERTY FL_LIBRARIES "")

function(_fl_variant_libs out suffix)
  get_property(known GLOBAL PROPERTY FL_LIBRARIES)
  set(res "")
  foreach(l ${ARGN})
    if(l IN_LIST known)
      list(APPEND res "${l}${suffix}")
    else()
      list(APPEND res "${l}")
    endif()
  endforeach()
  set(${out} "${res}" PARENT_SCOPE)
endfunction()

function(fl_library name)
  cmake_parse_arguments(L "" "" "SOURCES;LIBS;INCLUDES" ${ARGN})
  set(variants "")
  list(APPEND variants "|")
  if(FL_BUILD_TESTS AND FL_SANITIZERS)
    list(APPEND variants "_asan|SAN")
  endif()
  if(FL_BUILD_TESTS AND FL_FUZZ)
    list(APPEND variants "_fuzz|FUZZ")
  endif()
  foreach(v ${variants})
    string(REPLACE "|" ";" parts "${v}")
    list(GET parts 0 suffix)
    list(LENGTH parts n)
    set(kind "")
    if(n GREATER 1)
      list(GET parts 1 kind)
    endif()
    set(target "${name}${suffix}")
    add_library(${target} STATIC ${L_SOURCES})
    target_include_directories(${target} PUBLIC ${L_INCLUDES})
    _fl_variant_libs(libs "${suffix}" ${L_LIBS})
    target_link_libraries(${target} PUBLIC ${libs})
    if(kind STREQUAL "SAN")
      target_compile_options(${target} PRIVATE ${FL_SAN_FLAGS})
      target_link_options(${target} INTERFACE ${FL_SAN_FLAGS})
    elseif(kind STREQUAL "FUZZ")
      target_compile_options(${target} PRIVATE ${FL_FUZZ_FLAGS} -DFL_FUZZING=1)
    endif()
  endforeach()
  set_property(GLOBAL APPEND PROPERTY FL_LIBRARIES ${name})
endfunction()

function(fl_unit_test name)
  cmake_parse_arguments(T "SERIAL" "" "SOURCES;LIBS;LABELS" ${ARGN})
  set(out "${CMAKE_BINARY_DIR}/tests")
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} fl_testlib PkgConfig::CMOCKA)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${out}")
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "unit;${T_LABELS}" SKIP_RETURN_CODE 77
    ENVIRONMENT "FL_SOURCE_DIR=${CMAKE_SOURCE_DIR};FL_BINARY_DIR=${CMAKE_BINARY_DIR}")
  if(T_SERIAL)
    set_tests_properties(${name} PROPERTIES RUN_SERIAL ON)
  endif()
  if(FL_SANITIZERS)
    _fl_variant_libs(libs "_asan" ${T_LIBS} fl_testlib)
    add_executable(${name}-asan ${T_SOURCES})
    target_compile_options(${name}-asan PRIVATE ${FL_SAN_FLAGS})
    target_link_options(${name}-asan PRIVATE ${FL_SAN_FLAGS})
    target_link_libraries(${name}-asan PRIVATE ${libs} PkgConfig::CMOCKA)
    set_target_properties(${name}-asan PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${out}")
    add_test(NAME ${name}-asan COMMAND ${name}-asan)
    set_tests_properties(${name}-asan PROPERTIES LABELS "unit;asan;${T_LABELS}" SKIP_RETURN_CODE 77
      ENVIRONMENT "FL_SOURCE_DIR=${CMAKE_SOURCE_DIR};FL_BINARY_DIR=${CMAKE_BINARY_DIR};ASAN_OPTIONS=detect_leaks=1:abort_on_error=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
    if(T_SERIAL)
      set_tests_properties(${name}-asan PROPERTIES RUN_SERIAL ON)
    endif()
  endif()
endfunction()

function(fl_fuzz_target name)
  if(NOT FL_FUZZ)
    return()
  endif()
  cmake_parse_arguments(F "" "CORPUS;SECONDS" "SOURCES;LIBS" ${ARGN})
  if(NOT F_SECONDS)
    set(F_SECONDS 30)
  endif()
  _fl_variant_libs(libs "_fuzz" ${F_LIBS})
  add_executable(${name} ${F_SOURCES})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${name} PRIVATE ${libs})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/fuzz")
  add_test(NAME ${name}
    COMMAND "${CMAKE_SOURCE_DIR}/tests/run-fuzzer.sh" "$<TARGET_FILE:${name}>" "${F_CORPUS}" "${F_SECONDS}")
  set_tests_properties(${name} PROPERTIES LABELS "fuzz" TIMEOUT 600)
endfunction()
