# fogforge — one non-recursive Makefile.
# Sources are picked up by directory: add a .c file to hls/, host/, fog/,
# surrogates/, sim/ or bitstreams/ and it is part of libfogforge; add
# tests/unit/test_NAME.c and it becomes a cmocka test binary.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= gcc
CLANG   ?= clang-14
ONNX_PROTO ?= /usr/lib/python3/dist-packages/onnx/onnx.proto
VERSION := 0.1.0

WARN    := -Wall -Wextra -Werror -Wno-unused-parameter
CSTD    := -std=c11 -D_GNU_SOURCE
# XRT's headers come after the system ones: /usr/include/xrt has its own CL/ that must not shadow OpenCL's
INCS    := -Iinclude -Ihls -Ihost -Ifog -Isurrogates -Isim -Ibitstreams -I$(BUILD)/gen -I/usr/include/libxml2 -idirafter /usr/include/xrt
OPT     ?= -O2 -g
CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) $(INCS) -DFF_VERSION=\"$(VERSION)\" -fPIC $(CFLAGS)
LIBS    := -lprotobuf-c -lcjson -lxml2 -lcrypto -lzmq -lpaho-mqtt3as -lOpenCL -lxgboost -larchive -lxrt_coreutil -ldl -lpthread -lm

SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

MODULES := hls host fog surrogates sim bitstreams
LIB_SRC := $(sort $(foreach m,$(MODULES),$(wildcard $(m)/*.c)))
CLI_SRC := $(sort $(wildcard cli/*.c))
PROTOS  := $(BUILD)/gen/onnx.pb-c.c $(patsubst fog/%.proto,$(BUILD)/gen/%.pb-c.c,$(wildcard fog/*.proto))
GEN_HDR := $(PROTOS:.c=.h)

LIB_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC)) $(patsubst $(BUILD)/gen/%.c,$(BUILD)/obj/gen/%.o,$(PROTOS))
CLI_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(CLI_SRC))
ALIB_OBJ := $(patsubst $(BUILD)/obj/%,$(BUILD)/asan/%,$(LIB_OBJ))

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

.PHONY: all test test-slow unit deps demo bench install clean fuzz fuzz-build check-asan oracle
.SECONDARY:

all: $(BUILD)/fogforge $(BUILD)/libfogforge.a $(BUILD)/libfogforge.so $(BUILD)/fogforge.pc $(BUILD)/surrogate-cache.stamp

# --- generated protobuf-c bindings (never committed) ---
$(BUILD)/gen/onnx.pb-c.c $(BUILD)/gen/onnx.pb-c.h: $(ONNX_PROTO)
	@mkdir -p $(BUILD)/gen
	protoc-c --proto_path=$(dir $(ONNX_PROTO)) --c_out=$(BUILD)/gen $(ONNX_PROTO)

$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: fog/%.proto
	@mkdir -p $(BUILD)/gen
	protoc-c --proto_path=fog --c_out=$(BUILD)/gen $<

# --- objects ---
$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(OPT) -fPIC $(INCS) -c $< -o $@

$(BUILD)/obj/%.o: %.c $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/asan/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -O1 -g $(SAN) -fPIC $(INCS) -c $< -o $@

$(BUILD)/asan/%.o: %.c $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O1 $(SAN) -MMD -MP -c $< -o $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# --- library and CLI ---
$(BUILD)/libfogforge.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libfogforge.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libfogforge.so.0 -o $@ $^ $(LIBS)

$(BUILD)/libfogforge-asan.a: $(ALIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/fogforge: $(CLI_OBJ) $(BUILD)/libfogforge.a
	$(CC) $(OPT) -o $@ $(CLI_OBJ) $(BUILD)/libfogforge.a $(LIBS) -rdynamic

$(BUILD)/fogforge.pc: Makefile
	@printf 'prefix=%s\nlibdir=$${prefix}/lib\nincludedir=$${prefix}/include\n\nName: fogforge\nDescription: fogforge host runtime: run packaged accelerators on CPU, OpenCL, Verilator and XRT devices\nVersion: %s\nLibs: -L$${libdir} -lfogforge\nLibs.private: %s\nCflags: -I$${includedir}\n' \
	  '$(PREFIX)' '$(VERSION)' '$(LIBS)' > $@

# binary caches of the committed learned surrogate (derived from its JSON, never committed)
$(BUILD)/surrogate-cache.stamp: $(BUILD)/fogforge $(wildcard surrogates/models/*.json)
	@if [ -f surrogates/models/index.json ]; then $(BUILD)/fogforge surrogate cache surrogates/models; fi
	@touch $@

# --- tests ---
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libfogforge-asan.a tests/unit/testutil.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O1 $(SAN) -Itests/unit -o $@ $< $(BUILD)/libfogforge-asan.a -lcmocka $(LIBS)

# the whole CLI with ASan+UBSan: integration tests run daemons through it
$(BUILD)/fogforge-asan: $(patsubst %.c,$(BUILD)/asan/%.o,$(CLI_SRC)) $(BUILD)/libfogforge-asan.a
	$(CC) -O1 $(SAN) -o $@ $(patsubst %.c,$(BUILD)/asan/%.o,$(CLI_SRC)) $(BUILD)/libfogforge-asan.a $(LIBS) -rdynamic

$(BUILD)/fogbench: tests/fog/fogbench.c $(BUILD)/libfogforge.a
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libfogforge.a $(LIBS)

unit: $(UNIT_BIN) $(BUILD)/fogforge-asan

deps:
	@scripts/deps.sh

oracle:
	@scripts/oracle-setup.sh

test: deps
	@$(MAKE) --no-print-directory all unit fuzz-build
	@scripts/oracle-setup.sh
	@BUILD=$(BUILD) tests/run.sh

check-asan: test

# tests that take minutes each (tests/slow/): Ctrl-C during make demo, ...
test-slow: deps
	@$(MAKE) --no-print-directory all
	@FF_SLOW=1 TESTS="$$(cd tests/slow && ls *.sh | sed 's/\.sh$$//' | tr '\n' ' ')" BUILD=$(BUILD) tests/run.sh

# --- fuzzing (libFuzzer, Debian's clang) ---
FUZZ_CFLAGS := -fsanitize=fuzzer-no-link,address,undefined -g -O1 $(CSTD) $(INCS) -DFF_VERSION=\"$(VERSION)\"
FUZZ_LIB_OBJ := $(patsubst %.c,$(BUILD)/fuzzobj/%.o,$(LIB_SRC)) $(patsubst $(BUILD)/gen/%.c,$(BUILD)/fuzzobj/gen/%.o,$(PROTOS))

$(BUILD)/fuzzobj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@

$(BUILD)/fuzzobj/%.o: %.c $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libfogforge-fuzz.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/libfogforge-fuzz.a
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/libfogforge-fuzz.a $(LIBS)

fuzz-build: $(FUZZ_BIN)

FUZZ_SECONDS ?= 60
fuzz: deps fuzz-build
	@BUILD=$(BUILD) scripts/fuzz.sh $(FUZZ_SECONDS)

# --- ThreadSanitizer build of the library for the host concurrency test ---
TSAN_OBJ := $(patsubst $(BUILD)/obj/%,$(BUILD)/tsan/%,$(LIB_OBJ))
$(BUILD)/tsan/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -O1 -g -fsanitize=thread -fPIC $(INCS) -c $< -o $@

$(BUILD)/tsan/%.o: %.c $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O1 -fsanitize=thread -MMD -MP -c $< -o $@

$(BUILD)/host_threads_tsan: tests/it/host_threads.c $(TSAN_OBJ)
	$(CC) $(CFLAGS_ALL) -O1 -fsanitize=thread -o $@ $< $(TSAN_OBJ) $(LIBS)

# the whole CLI under ThreadSanitizer, for the fog daemons' threads (tests/it/fog_tsan.sh)
TSAN_CLI_OBJ := $(patsubst $(BUILD)/obj/%,$(BUILD)/tsan/%,$(CLI_OBJ))
$(BUILD)/fogforge-tsan: $(TSAN_CLI_OBJ) $(TSAN_OBJ)
	$(CC) $(CFLAGS_ALL) -O1 -fsanitize=thread -o $@ $(TSAN_CLI_OBJ) $(TSAN_OBJ) $(LIBS) -rdynamic

$(BUILD)/bench_%: tests/bench/bench_%.c $(BUILD)/libfogforge.a
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libfogforge.a $(LIBS)

demo: deps all
	@scripts/demo.sh

bench: deps all
	@scripts/oracle-setup.sh
	@BUILD=$(BUILD) scripts/bench.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/fogforge
	install -m 755 $(BUILD)/fogforge $(DESTDIR)$(PREFIX)/bin/fogforge
	install -m 644 $(BUILD)/libfogforge.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/libfogforge.so $(DESTDIR)$(PREFIX)/lib/libfogforge.so.0
	ln -sf libfogforge.so.0 $(DESTDIR)$(PREFIX)/lib/libfogforge.so
	install -m 644 include/fogforge/*.h $(DESTDIR)$(PREFIX)/include/fogforge/
	sed 's|^prefix=.*|prefix=$(PREFIX)|' $(BUILD)/fogforge.pc > $(DESTDIR)$(PREFIX)/lib/pkgconfig/fogforge.pc
	install -d $(DESTDIR)$(PREFIX)/share/fogforge/surrogates
	for f in surrogates/models/*.json; do [ -f "$$f" ] && install -m 644 "$$f" $(DESTDIR)$(PREFIX)/share/fogforge/surrogates/ || true; done
	if [ -f $(DESTDIR)$(PREFIX)/share/fogforge/surrogates/index.json ]; then $(BUILD)/fogforge surrogate cache $(DESTDIR)$(PREFIX)/share/fogforge/surrogates; fi

clean:
	rm -rf $(BUILD) demo-out
