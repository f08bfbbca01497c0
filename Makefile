# The two commands a new machine needs: `make run` and `make test`.
JOBS ?= $(shell nproc)
SUANLI := build/release/suanli

.PHONY: run test deps build build-asan bench format format-check tidy clean

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

build-asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

# The main job: the forecast on the built-in default scenario.
run: build
	$(SUANLI) forecast china-2026

test: build-asan
	ctest --preset asan -j $(JOBS)

bench: build
	./build/release/bench/suanli_bench --benchmark_min_time=1

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

format-check:
	git ls-files '*.cc' '*.h' | xargs clang-format --dry-run -Werror

tidy: build
	git ls-files 'src/*.cc' | xargs clang-tidy -p build/release --quiet

clean:
	rm -rf build
