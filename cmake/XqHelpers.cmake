# xq_library(NAME SOURCES a.cc b.cc DEPS x y)
#   a static library for one module, include root = src/.
function(xq_library name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${A_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${A_DEPS})
endfunction()

# xq_test(NAME SOURCES a_test.cc DEPS x y)
#   a GoogleTest binary registered with CTest (tests beside the code).
function(xq_test name)
  if(NOT XQ_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  if(XQ_SKIP_MISSING_TESTS)  # development convenience only; CI builds every test
    foreach(src ${A_SOURCES})
      if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${src})
        message(WARNING "skipping test ${name}: ${src} missing")
        return()
      endif()
    endforeach()
  endif()
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
                       PROPERTIES ENVIRONMENT "XQ_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()

# xq_embed(OUT_VAR NAMESPACE ns FILES f1 f2 ...)
#   turns text files into a generated .cc with
#   `const std::vector<std::pair<std::string_view,std::string_view>>& ns::EmbeddedFiles()`.
function(xq_embed out_var)
  cmake_parse_arguments(A "" "NAMESPACE;NAME" "FILES" ${ARGN})
  set(gen ${CMAKE_CURRENT_BINARY_DIR}/${A_NAME}_embedded.cc)
  string(REPLACE ";" "|" joined "${A_FILES}")
  add_custom_command(
    OUTPUT ${gen}
    COMMAND ${CMAKE_COMMAND} -DOUT=${gen} -DNS=${A_NAMESPACE} "-DFILES=${joined}"
            -DBASE=${CMAKE_SOURCE_DIR} -P ${CMAKE_SOURCE_DIR}/cmake/Embed.cmake
    DEPENDS ${A_FILES} ${CMAKE_SOURCE_DIR}/cmake/Embed.cmake
    COMMENT "Embedding ${A_NAME}" VERBATIM)
  set(${out_var} ${gen} PARENT_SCOPE)
endfunction()
