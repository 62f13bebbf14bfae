# Every dependency comes from Debian bookworm packages (scripts/debian-packages.txt).
find_package(Threads REQUIRED)
find_package(absl REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 CONFIG QUIET)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(OATH REQUIRED IMPORTED_TARGET liboath)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(XLSXWRITER REQUIRED IMPORTED_TARGET xlsxwriter)
find_package(PostgreSQL REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(OpenSSL REQUIRED)

# SOCI ships no CMake config in Debian.
find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
find_library(SOCI_CORE_LIB soci_core REQUIRED)
find_library(SOCI_SQLITE_LIB soci_sqlite3 REQUIRED)
find_library(SOCI_PG_LIB soci_postgresql REQUIRED)
add_library(xq_soci INTERFACE)
target_include_directories(xq_soci INTERFACE ${SOCI_INCLUDE_DIR} ${PostgreSQL_INCLUDE_DIRS})
target_link_libraries(xq_soci INTERFACE ${SOCI_CORE_LIB} ${SOCI_SQLITE_LIB} ${SOCI_PG_LIB}
                      PkgConfig::SQLITE3 ${PostgreSQL_LIBRARIES} ${CMAKE_DL_LIBS})

# jemalloc as the server's allocator: glibc malloc/free took about a fifth
# of the server's cycles on the submission path (docs/performance.md).
# Sanitizer builds keep the sanitizer's allocator.
option(XQ_JEMALLOC "Link xinqiao with jemalloc" ON)
add_library(xq_allocator INTERFACE)
if(XQ_JEMALLOC AND NOT XQ_FUZZ)
  find_library(JEMALLOC_LIB jemalloc REQUIRED)
  target_link_libraries(xq_allocator INTERFACE ${JEMALLOC_LIB})
  target_sources(xq_allocator INTERFACE ${CMAKE_SOURCE_DIR}/src/core/jemalloc_conf.cc)
endif()

if(NOT TARGET CLI11::CLI11)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
endif()

if(XQ_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(XQ_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
