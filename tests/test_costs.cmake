# Included by ctest (TEST_INCLUDE_FILES, tests/CMakeLists.txt): roughly how many seconds the
# longest tests take under ASan (make test, 2 cores), so that ctest -j starts them first and the
# short ones fill in at the end. Without it a fresh clone (CI) has no timings to order by and ran
# the scripts, declared last, last. Only the order depends on these numbers; a name that no
# longer exists is ignored. The scripts' costs are set beside them in tests/CMakeLists.txt.
# Per gtest suite (the sanitizer build, tests/gtest_suites.cmake) and, for the release build's
# one test per case, per case.
set_tests_properties(Calibrate Calibrate.FitsAChipFigureTheCatalogLacks PROPERTIES COST 70)
set_tests_properties(FgdTest FgdTest.OpenbDefaultMatchesPublishedCurve PROPERTIES COST 60)
set_tests_properties(Api Api.HeavyRequestsBeyondTheCapGet503WithRetryAfter PROPERTIES COST 60)
set_tests_properties(ForecastTest ForecastTest.MoreSupplyNeverFinishesLater PROPERTIES COST 55)
set_tests_properties(ForecastWhatIf PROPERTIES COST 32)
set_tests_properties(InferenceCalibrationSimulated PROPERTIES COST 27)
