# Every dependency comes from a Debian package (see scripts/setup.sh). No vendored code, no FetchContent.
find_package(Threads REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(fmt REQUIRED)
# zlib compresses loadgen's HdrHistogram interval logs (--hlog): the format is zlib-deflated V2 histograms.
find_package(ZLIB REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(prometheus-cpp REQUIRED COMPONENTS core)

# Standalone Asio (libasio-dev) is header-only and ships no CMake config.
find_path(ASIO_INCLUDE_DIR asio.hpp REQUIRED)
add_library(asio_standalone INTERFACE)
target_include_directories(asio_standalone SYSTEM INTERFACE ${ASIO_INCLUDE_DIR})
# ASIO_DISABLE_STD_ALIGNED_ALLOC: Asio decides between aligned_alloc and operator new from whether libstdc++'s
# config was included before asio.hpp, so translation units that include Asio first and those that do not
# disagree (an ODR violation: frames allocated by one are freed by the other; ASan reports alloc-dealloc
# mismatch). Fixing the choice for every translation unit removes it.
target_compile_definitions(asio_standalone INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED ASIO_DISABLE_STD_ALIGNED_ALLOC)
target_link_libraries(asio_standalone INTERFACE Threads::Threads)

# http-parser (libhttp-parser-dev) ships no CMake config either.
find_path(HTTP_PARSER_INCLUDE_DIR http_parser.h REQUIRED)
find_library(HTTP_PARSER_LIBRARY http_parser REQUIRED)
add_library(http_parser_lib INTERFACE)
target_include_directories(http_parser_lib SYSTEM INTERFACE ${HTTP_PARSER_INCLUDE_DIR})
target_link_libraries(http_parser_lib INTERFACE ${HTTP_PARSER_LIBRARY})

# libpq (libpq-dev), optional: the `--store postgres` backend. Without it everything else builds, the servers
# reject `--store postgres` with a one-line reason, and the postgres tests are registered DISABLED.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(LIBPQ QUIET IMPORTED_TARGET libpq)
endif()
if(LIBPQ_FOUND)
  set(SLOWIO_HAVE_LIBPQ ON)
  message(STATUS "libpq ${LIBPQ_VERSION}: --store postgres enabled")
else()
  set(SLOWIO_HAVE_LIBPQ OFF)
  message(STATUS "libpq not found: --store postgres disabled, its tests DISABLED")
endif()

if(SLOWIO_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
  include(Catch)
endif()
if(SLOWIO_BUILD_MICRO)
  find_package(benchmark REQUIRED)
endif()
