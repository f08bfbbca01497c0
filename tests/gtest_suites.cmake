# Included by ctest (TEST_INCLUDE_FILES) in the sanitizer build: one ctest test per gtest suite of
# SUANLI_TESTS_EXE (set by the includer), each running every case of its suite in one process with
# --gtest_filter=Suite.*. The release build keeps one ctest test per case (gtest_discover_tests).
# Why: every process of the ASan build pays its start and exit (the built-in catalog parsed again,
# LeakSanitizer's scan), measured in bench/RESULTS.md ("CI time"); per suite it is paid 74 times
# instead of 534, and no case is left out: the suites are read from --gtest_list_tests, as
# gtest_discover_tests reads the cases.
execute_process(
  COMMAND "${SUANLI_TESTS_EXE}" --gtest_list_tests
  OUTPUT_VARIABLE listing
  ERROR_VARIABLE listing_err
  RESULT_VARIABLE listing_rc
  TIMEOUT 120)
if(NOT listing_rc EQUAL 0)
  # A test that fails, so that a binary that cannot list its cases is not a green run.
  add_test(suanli_tests.list "${SUANLI_TESTS_EXE}" --gtest_list_tests)
  return()
endif()
string(REPLACE "\n" ";" lines "${listing}")
set(suites "")
foreach(line IN LISTS lines)
  # Suite lines start in column 0 and end in '.', with a '# TypeParam = ...' comment for typed
  # suites; case lines are indented.
  if(line MATCHES "^([A-Za-z0-9_/]+)\\.( .*)?$")
    list(APPEND suites "${CMAKE_MATCH_1}")
  endif()
endforeach()
list(REMOVE_DUPLICATES suites)
foreach(suite IN LISTS suites)
  add_test("${suite}" "${SUANLI_TESTS_EXE}" "--gtest_filter=${suite}.*")
  # gtest prints "[  PASSED  ] 0 tests" and exits 0 when a filter matches nothing: a suite that
  # ran no case fails. A suite runs several cases: twice the preset's 300 s per test, still a
  # guard against a hang (the longest suite, Calibrate, took 10 s CPU in a release build).
  set_tests_properties("${suite}" PROPERTIES FAIL_REGULAR_EXPRESSION "\\[  PASSED  \\] 0 tests"
                                             TIMEOUT 600)
endforeach()
