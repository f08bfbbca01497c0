# The two commands a new machine needs: `make run` and `make test`.
JOBS ?= $(shell nproc)
# One rule for where binaries are: CMake's presets build into build/<preset> and the top
# CMakeLists.txt sets CMAKE_RUNTIME_OUTPUT_DIRECTORY to <build dir>/bin.
PRESET ?= release
BIN := build/$(PRESET)/bin
SUANLI := $(BIN)/suanli
# The main job, run by `make run` and guarded by `make test`.
MAIN_JOB := forecast china-2026

.PHONY: fuzz run run-main test deps configure build build-suanli build-asan bench format format-check tidy clean

deps:
	@bash scripts/install-deps.sh

configure: deps
	cmake --preset $(PRESET) >/dev/null

# Only the binary `make run` runs: a newcomer waits for one target, not the tests and benchmarks.
build-suanli: configure
	cmake --build --preset $(PRESET) -j $(JOBS) --target suanli

build: configure
	cmake --build --preset $(PRESET) -j $(JOBS)

build-asan:
	@$(MAKE) --no-print-directory build PRESET=asan

# The main job: the forecast on the built-in default scenario.
run: build-suanli run-main

run-main:
	$(SUANLI) $(MAIN_JOB)

# Every test, then the main job exactly as `make run` runs it (same target, same variables; the
# sanitizer build's binary), so the suite fails whenever `make run` would.
test: build-asan
	ctest --preset asan -j $(JOBS)
	@$(MAKE) --no-print-directory run PRESET=asan >/dev/null
	@echo "make test: the main job (make run) ran and exited 0"

bench: build
	$(BIN)/suanli_bench --benchmark_min_time=1

# libFuzzer on every target for FUZZ_SECONDS each (corpus grows under build/fuzz/corpus; a crash
# is saved under build/fuzz/artifacts: copy it into tests/fuzz/corpus/<target> as a regression).
# Seeds: tests/fuzz/corpus/<target>, and the shipped YAML for the catalog and scenario loaders.
# Every target runs even after one finds something; the end lists executions and findings per
# target (artifacts written by this run; older ones stay but are not counted again) and the
# exit code is non-zero when any target found something.
# One target: make fuzz FUZZ_TARGETS=sia FUZZ_SECONDS=600.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= api amount catalog scenario trace_csv openb gavel sia serving_trace
fuzz:
	@$(MAKE) --no-print-directory build PRESET=fuzz
	@summary=""; found=0; \
	for t in $(FUZZ_TARGETS); do \
	  case $$t in catalog) seeds=data;; scenario) seeds=data/scenarios;; *) seeds=;; esac; \
	  mkdir -p build/fuzz/corpus/$$t build/fuzz/artifacts/$$t; \
	  log=build/fuzz/artifacts/$$t.log; stamp=build/fuzz/artifacts/$$t.start; touch $$stamp; \
	  build/fuzz/bin/fuzz_$$t build/fuzz/corpus/$$t tests/fuzz/corpus/$$t $$seeds \
	    -max_total_time=$(FUZZ_SECONDS) -timeout=20 -rss_limit_mb=4096 \
	    -artifact_prefix=build/fuzz/artifacts/$$t/ -print_final_stats=1 >$$log 2>&1; \
	  rc=$$?; \
	  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)|ERROR|SUMMARY" $$log; \
	  runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log | tail -1); \
	  n=$$(find build/fuzz/artifacts/$$t -type f -newer $$stamp | wc -l); \
	  line=$$(printf '%-10s %12s executions  %s findings' $$t "$${runs:-?}" $$n); \
	  if [ $$n -ne 0 ]; then found=1; line="$$line in build/fuzz/artifacts/$$t (log $$log)"; \
	  elif [ $$rc -ne 0 ]; then found=1; line="$$line, but the fuzzer exited $$rc (log $$log)"; fi; \
	  summary="$$summary$$line\n"; \
	done; \
	printf '\nfuzz summary ($(FUZZ_SECONDS) s per target):\n'"$$summary"; \
	test $$found -eq 0

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

format-check:
	git ls-files '*.cc' '*.h' | xargs clang-format --dry-run -Werror

tidy: build
	git ls-files 'src/*.cc' | xargs clang-tidy -p build/release --quiet

clean:
	rm -rf build
