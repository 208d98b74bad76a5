# The two commands of the README:
#   make demo   builds dl (release) and runs the demo script
#   make test   builds dl (release, as users get it) and runs every test, then the export
#               check in onnxruntime and PyTorch (tests/export/run.sh)
# Both install the C libraries dl needs with apt-get when they are missing.
#   make fuzz   builds the libFuzzer targets (fuzz/build.sh) and runs each for 10^6 inputs
SHELL := /bin/bash
APT_PKGS := libopenblas-dev libedit-dev zlib1g-dev pkg-config

.PHONY: deps demo test bench release fuzz

deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

release: deps
	swift build -c release --product dl

demo: release
	.build/release/dl examples/iris.dl

# The end-to-end tests run .build/release/dl, built with the flags users get.
test: deps
	swift build -c release --product dl
	swift test
	tests/export/run.sh

bench: deps
	swift build -c release --product DLBench
	.build/release/DLBench

fuzz: deps
	fuzz/run.sh
