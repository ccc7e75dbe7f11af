# SPDX-License-Identifier: MIT
# Makefile - the front door: build, test, demo and install vfcrypt (CMake + Ninja underneath).
#
#   make            configure build/ (CMake, Ninja) and build
#   make check      install missing packages, build, run every test
#   make demo       install missing packages, build, run $(DEMO_CMD)
#   make install    install to $(DESTDIR)$(PREFIX) (default /usr/local)
#   make asan       ASan+UBSan build in build-asan/ and every test
#   make tsan       TSan build in build-tsan/ and the tests labelled tsan
#   make clean      remove the build directories

BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
JOBS ?= 2
CMAKE_FLAGS ?=
CTEST_FLAGS ?= --output-on-failure

VFC := $(abspath $(BUILD))/tools/vfc
DEMO_KEY := 2b7e151628aed2a6abf7158809cf4f3c
DEMO_IV := 000102030405060708090a0b0c0d0e0f

# The demo: a round trip through the embedded device (AES-128-CBC, then SHA-256), checked
# against openssl and sha256sum. Override it: make demo DEMO_CMD='build/tools/vfc bench ...'
DEMO_CMD ?= set -e; d=$$(mktemp -d); trap 'rm -rf "$$d"' EXIT; cd "$$d"; \
	head -c 3000000 /dev/urandom > data; \
	echo "== vfc enc: 3 MB of random data encrypted and decrypted by the embedded device (AES-128-CBC)"; \
	$(VFC) enc -K $(DEMO_KEY) -iv $(DEMO_IV) -in data -out data.enc; \
	$(VFC) enc -d -K $(DEMO_KEY) -iv $(DEMO_IV) -in data.enc -out data.dec; \
	ls -l data data.enc data.dec | awk '{ print "   ", $$5, $$NF }'; \
	cmp data data.dec && echo "   decrypted == original"; \
	openssl enc -aes-128-cbc -K $(DEMO_KEY) -iv $(DEMO_IV) -in data | cmp - data.enc && \
		echo "   ciphertext == openssl enc -aes-128-cbc"; \
	echo "== vfc dgst -sha256 (sha256sum's format), then sha256sum"; \
	$(VFC) dgst -sha256 data data.dec | sed 's/^/    /'; \
	sha256sum data | sed 's/^/    /'

CONFIGURE = cmake -S . -B $(1) -G Ninja $(2) $(CMAKE_FLAGS)

.PHONY: all build deps check demo install asan tsan clean

all: build

$(BUILD)/build.ninja:
	$(call CONFIGURE,$(BUILD),-DCMAKE_INSTALL_PREFIX=$(PREFIX))

build: $(BUILD)/build.ninja
	ninja -C $(BUILD) -j$(JOBS)

deps:
	scripts/install-deps.sh

check: deps
	$(MAKE) build
	ctest --test-dir $(BUILD) $(CTEST_FLAGS)

demo: deps
	$(MAKE) build
	@$(DEMO_CMD)

# Reconfigure so that the prefix baked into vfcrypt.pc is PREFIX; DESTDIR is honoured by cmake --install.
install:
	$(call CONFIGURE,$(BUILD),-DCMAKE_INSTALL_PREFIX=$(PREFIX))
	ninja -C $(BUILD) -j$(JOBS)
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD)

asan: deps
	$(call CONFIGURE,build-asan,-DVFC_SANITIZE=address)
	ninja -C build-asan -j$(JOBS)
	ctest --test-dir build-asan $(CTEST_FLAGS)

tsan: deps
	$(call CONFIGURE,build-tsan,-DVFC_SANITIZE=thread)
	ninja -C build-tsan -j$(JOBS)
	ctest --test-dir build-tsan -L tsan $(CTEST_FLAGS)

clean:
	rm -rf $(BUILD) build-asan build-tsan
