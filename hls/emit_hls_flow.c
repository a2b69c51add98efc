/* HLS back-end, build flow: the C++ testbench (tb/), build_prj.tcl for
 * Vitis HLS (vitis-run --mode hls --tcl, or vitis_hls -f), the v++ Makefile
 * and connectivity file, the XRT host program in C (host/), the README. */
#include "emit_hls.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *part, *full, *platform;
} part_info[] = {
    {"xc7z020", "xc7z020clg400-1", ""},
    {"xc7z045", "xc7z045ffg900-2", ""},
    {"xczu9eg", "xczu9eg-ffvb1156-2-e", "xilinx_zcu102_base_202310_1"},
    {"xcu50", "xcu50-fsvh2104-2-e", "xilinx_u50_gen3x16_xdma_5_202210_1"},
    {"xcu250", "xcu250-figd2104-2L-e", "xilinx_u250_gen3x16_xdma_4_1_202210_1"},
};

const char *ff_hls_full_part(const char *part)
{
    for (size_t i = 0; i < sizeof part_info / sizeof part_info[0]; i++)
        if (!strcmp(part, part_info[i].part))
            return part_info[i].full;
    return part; /* already an ordering code */
}

const char *ff_hls_platform(const char *part)
{
    for (size_t i = 0; i < sizeof part_info / sizeof part_info[0]; i++)
        if (!strncmp(part, part_info[i].part, strlen(part_info[i].part)))
            return part_info[i].platform;
    return "";
}

static void testbench(ff_sb *b, const ff_hls *h)
{
    const char *T = h->top, *OT = h->tname[h->q->g->output];
    ff_hls_comment(b, h, "//", "C simulation testbench: golden vectors from the integer reference");
    ff_sb_printf(b,
        "//\n// usage: tb [INPUT [GOLDEN [TRACE]]]   (defaults: tb_data/tb_input.dat, tb_data/tb_output.dat)\n"
        "// Runs every sample through the Vitis kernel top and the AXI4-Stream IP top and\n"
        "// compares with the golden outputs bit for bit. With TRACE (and -DFF_CSIM_TRACE),\n"
        "// writes every layer's output for the first mismatching sample.\n\n"
        "#include \"../firmware/%s.h\"\n\n#include <cstdio>\n#include <cstdlib>\n#include <vector>\n\n", T);
    ff_sb_printf(b,
        "#ifdef FF_CSIM_TRACE\n"
        "static std::vector<std::vector<long long> > trace_vals(%d);\n"
        "static bool tracing = false;\n"
        "void ff_trace(int node, long long v)\n{\n    if (tracing)\n        trace_vals[node].push_back(v);\n}\n#endif\n\n",
        h->q->g->nn);
    ff_sb_printf(b,
        "static bool read_ints(const char *path, std::vector<int> &v)\n{\n"
        "    FILE *f = fopen(path, \"r\");\n    if (!f)\n        return false;\n"
        "    int x;\n    while (fscanf(f, \"%%d\", &x) == 1)\n        v.push_back(x);\n"
        "    bool ok = feof(f) != 0;\n    fclose(f);\n    return ok;\n}\n\n"
        "static long compare(const char *via, const std::vector<int> &got, const std::vector<int> &want, long n,\n"
        "                    long *first_bad)\n{\n"
        "    long bad = 0, shown = 0;\n"
        "    for (long s = 0; s < n; s++) {\n        bool ok = true;\n"
        "        for (int o = 0; o < N_OUTPUT; o++) {\n"
        "            const long k = s * N_OUTPUT + o;\n"
        "            if (got[k] == want[k])\n                continue;\n"
        "            ok = false;\n"
        "            if (shown++ < 10)\n"
        "                printf(\"mismatch: sample %%ld output %%d: got %%d, expected %%d (%%s)\\n\", s, o, got[k], want[k], via);\n"
        "        }\n"
        "        if (!ok) {\n            bad++;\n            if (*first_bad < 0 || s < *first_bad)\n                *first_bad = s;\n        }\n"
        "    }\n    return bad;\n}\n\n");
    ff_sb_printf(b,
        "int main(int argc, char **argv)\n{\n"
        "    const char *in_path = argc > 1 ? argv[1] : \"tb_data/tb_input.dat\";\n"
        "    const char *out_path = argc > 2 ? argv[2] : \"tb_data/tb_output.dat\";\n"
        "    const char *trace_path = argc > 3 ? argv[3] : NULL;\n"
        "    std::vector<int> in, want;\n"
        "    if (!read_ints(in_path, in) || !read_ints(out_path, want)) {\n"
        "        fprintf(stderr, \"tb: cannot read %%s or %%s (integers, one sample per line)\\n\", in_path, out_path);\n"
        "        return 2;\n    }\n"
        "    const long n = (long)in.size() / N_INPUT;\n"
        "    if (n == 0 || (long)in.size() != n * N_INPUT || (long)want.size() != n * N_OUTPUT) {\n"
        "        fprintf(stderr, \"tb: %%s has %%ld values and %%s %%ld: want %%d and %%d per sample\\n\", in_path,\n"
        "                (long)in.size(), out_path, (long)want.size(), N_INPUT, N_OUTPUT);\n"
        "        return 2;\n    }\n"
        "    long first_bad = -1;\n"
        "    std::vector<int> got(n * N_OUTPUT);\n"
        "    %s_kernel(&in[0], &got[0], (int)n); // the Vitis kernel: all samples in one call\n"
        "    const long bad_kernel = compare(\"kernel top\", got, want, n, &first_bad);\n"
        "    for (long s = 0; s < n; s++) { // the AXI4-Stream IP top, one sample per call\n"
        "        ff_stream<input_t> xs(\"in\");\n        ff_stream<%s> ys(\"out\");\n"
        "        for (int i = 0; i < N_INPUT; i++)\n            xs.write((input_t)in[s * N_INPUT + i]);\n"
        "        %s_axis(xs, ys);\n"
        "        for (int o = 0; o < N_OUTPUT; o++)\n            got[s * N_OUTPUT + o] = (int)ys.read();\n"
        "    }\n"
        "    const long bad_axis = compare(\"AXI4-Stream top\", got, want, n, &first_bad);\n"
        "    printf(\"csim: %%ld samples, %%ld mismatching via the kernel top, %%ld via the AXI4-Stream top\\n\", n,\n"
        "           bad_kernel, bad_axis);\n"
        "#ifdef FF_CSIM_TRACE\n"
        "    if (first_bad >= 0 && trace_path) {\n"
        "        int one[N_OUTPUT];\n"
        "        tracing = true;\n"
        "        %s_kernel(&in[first_bad * N_INPUT], one, 1);\n"
        "        tracing = false;\n"
        "        FILE *f = fopen(trace_path, \"w\");\n"
        "        if (f) {\n"
        "            fprintf(f, \"sample %%ld\\n\", first_bad);\n"
        "            for (size_t k = 0; k < trace_vals.size(); k++) {\n"
        "                if (trace_vals[k].empty())\n                    continue;\n"
        "                fprintf(f, \"%%d\", (int)k);\n"
        "                for (size_t i = 0; i < trace_vals[k].size(); i++)\n"
        "                    fprintf(f, \" %%lld\", trace_vals[k][i]);\n"
        "                fprintf(f, \"\\n\");\n            }\n"
        "            fclose(f);\n        }\n    }\n"
        "#else\n    (void)trace_path;\n#endif\n"
        "    return bad_kernel || bad_axis ? 1 : 0;\n}\n",
        T, OT, T, T);
}

static void tcl(ff_sb *b, const ff_hls *h)
{
    const char *T = h->top;
    ff_hls_comment(b, h, "#", "build_prj.tcl: Vitis HLS project for the IP (AXI4-Stream) or the Vitis kernel");
    ff_sb_printf(b,
        "#\n# Vitis 2024.2 and later (2025.1+ no longer ship vitis_hls):\n"
        "#   vitis-run --mode hls --tcl build_prj.tcl\n"
        "# Vitis HLS 2020.2 .. 2024.x:\n"
        "#   vitis_hls -f build_prj.tcl -tclargs flow=kernel cosim=1\n"
        "# Options (NAME=VALUE arguments, or FF_NAME environment variables):\n"
        "#   flow=ip|kernel  ip: top %s_axis, AXI4-Stream, exported to the IP catalog (Vivado)\n"
        "#                   kernel: top %s_kernel, m_axi + s_axilite, exported as %s_kernel.xo (v++ -l)\n"
        "#   csim=1 csynth=1 cosim=0 export=1   which steps run\n\n",
        T, T, T);
    ff_sb_printf(b,
        "array set opt {flow ip csim 1 csynth 1 cosim 0 export 1}\n"
        "foreach name [array names opt] {\n"
        "    set env_name \"FF_[string toupper $name]\"\n"
        "    if {[info exists ::env($env_name)]} { set opt($name) $::env($env_name) }\n"
        "}\n"
        "if {[info exists ::argv]} {\n"
        "    foreach arg $::argv {\n"
        "        if {[regexp {^([a-z]+)=(.*)$} $arg -> name value]} { set opt($name) $value }\n"
        "    }\n"
        "}\n\n"
        "set model %s\n"
        "set part %s\n"
        "set clock_ns %g\n"
        "set cflags \"-std=c++14 -Ifirmware\"\n\n"
        "if {$opt(flow) eq \"kernel\"} {\n"
        "    set top ${model}_kernel\n    set flow_target vitis\n"
        "} else {\n"
        "    set top ${model}_axis\n    set flow_target vivado\n"
        "}\n\n"
        "open_project -reset ${model}_${opt(flow)}_prj\n"
        "set_top $top\n"
        "add_files firmware/%s.cpp -cflags $cflags\n"
        "add_files firmware/layers.cpp -cflags $cflags\n"
        "add_files -tb tb/tb_%s.cpp -cflags $cflags\n"
        "add_files -tb tb_data\n"
        "open_solution -reset solution1 -flow_target $flow_target\n"
        "set_part $part\n"
        "create_clock -period $clock_ns -name default\n\n"
        "if {$opt(csim)} {\n    csim_design\n}\n"
        "if {$opt(csynth)} {\n    csynth_design\n}\n"
        "if {$opt(cosim)} {\n    cosim_design\n}\n"
        "if {$opt(export)} {\n"
        "    if {$flow_target eq \"vitis\"} {\n"
        "        export_design -format xo -output ${model}_kernel.xo\n"
        "    } else {\n"
        "        export_design -format ip_catalog\n"
        "    }\n"
        "}\n"
        "# csynth report: ${model}_${opt(flow)}_prj/solution1/syn/report/${top}_csynth.xml (fogforge report .)\n"
        "exit\n",
        T, ff_hls_full_part(h->o->part), h->o->clock_ns, T, T);
}

static void makefile(ff_sb *b, const ff_hls *h)
{
    const char *T = h->top;
    ff_hls_comment(b, h, "#", "Makefile: Vitis kernel (v++ -c / -l) and XRT host program");
    long long hz = (long long)(1e9 / h->o->clock_ns + 0.5);
    ff_sb_printf(b,
        "#\n# make hw|hw_emu|sw_emu PLATFORM=<platform>   build %s.xclbin for that target\n"
        "# make host                                   the XRT host program (C, native XRT API)\n"
        "# make run TARGET=...                         run the golden vectors on the board / emulator\n"
        "# make csim                                   C simulation with g++ (no Vitis needed)\n"
        "# make ip                                     Vitis HLS IP (AXI4-Stream) via build_prj.tcl\n\n",
        T);
    ff_sb_printf(b,
        "TARGET    ?= hw\n"
        "PLATFORM  ?= %s\n"
        "KERNEL    := %s_kernel\n"
        "FREQ_HZ   ?= %lld\n"
        "BUILD_DIR := build_$(TARGET)\n"
        "XO        := $(BUILD_DIR)/$(KERNEL).xo\n"
        "XCLBIN    := $(BUILD_DIR)/%s.xclbin\n"
        "CONFIG    := %s.cfg\n"
        "VPP       ?= v++\n"
        "VPP_FLAGS := -t $(TARGET) --platform $(PLATFORM) --save-temps --temp_dir $(BUILD_DIR)/tmp\n"
        "KERNEL_SRC := firmware/%s.cpp firmware/layers.cpp\n"
        "KERNEL_DEP := $(KERNEL_SRC) $(wildcard firmware/*.h firmware/weights/*.h)\n\n"
        "# XRT: /opt/xilinx/xrt (setup.sh sets XILINX_XRT) or Debian's libxrt-dev\n"
        "# (headers in /usr/include/xrt; its pkg-config file is broken, so none is used).\n"
        "XRT_INC   ?= $(if $(XILINX_XRT),$(XILINX_XRT)/include,/usr/include/xrt)\n"
        "XRT_LIB   ?= $(if $(XILINX_XRT),-L$(XILINX_XRT)/lib,)\n"
        "CC        ?= gcc\n"
        "CXX       ?= g++\n"
        "HOST      := host/%s_host\n\n",
        ff_hls_platform(h->o->part), T, hz, T, T, T, T);
    ff_sb_printf(b,
        ".PHONY: all hw hw_emu sw_emu xclbin host run csim ip clean check-platform\n\n"
        "all: hw\n\n"
        "hw hw_emu sw_emu:\n"
        "\t$(MAKE) TARGET=$@ xclbin host\n\n"
        "check-platform:\n"
        "\t@test -n \"$(PLATFORM)\" || { echo \"set PLATFORM=<your Vitis platform> (see platforminfo -l)\"; exit 2; }\n\n"
        "xclbin: check-platform $(XCLBIN)\n\n"
        "$(XO): $(KERNEL_DEP)\n"
        "\t@mkdir -p $(BUILD_DIR)\n"
        "\t$(VPP) -c $(VPP_FLAGS) -k $(KERNEL) --hls.clock $(FREQ_HZ):$(KERNEL) -I firmware -o $@ $(KERNEL_SRC)\n\n"
        "$(XCLBIN): $(XO) $(CONFIG)\n"
        "\t$(VPP) -l $(VPP_FLAGS) --config $(CONFIG) -o $@ $(XO)\n\n"
        "host: $(HOST)\n\n"
        "$(HOST): host/%s_host.c\n"
        "\t$(CC) -std=c11 -O2 -Wall -Wextra -I$(XRT_INC) -o $@ $< $(XRT_LIB) -lxrt_coreutil -pthread\n\n"
        "emconfig.json:\n"
        "\temconfigutil --platform $(PLATFORM)\n\n"
        "run: host xclbin $(if $(filter hw,$(TARGET)),,emconfig.json)\n"
        "\t$(if $(filter hw,$(TARGET)),,XCL_EMULATION_MODE=$(TARGET)) ./$(HOST) -x $(XCLBIN) "
        "-i tb_data/tb_input.dat -g tb_data/tb_output.dat\n\n"
        "csim:\n"
        "\t$(CXX) -std=c++14 -Wall -Werror -O2 -DFF_CSIM_TRACE -Ifirmware $(KERNEL_SRC) tb/tb_%s.cpp -o csim_tb\n"
        "\t./csim_tb\n\n"
        "ip:\n"
        "\tif command -v vitis-run >/dev/null; then vitis-run --mode hls --tcl build_prj.tcl; "
        "else vitis_hls -f build_prj.tcl; fi\n\n"
        "clean:\n"
        "\trm -rf build_sw_emu build_hw_emu build_hw $(HOST) csim_tb emconfig.json *_prj .run .Xil *.log\n",
        T, T);
}

static void connectivity(ff_sb *b, const ff_hls *h)
{
    const char *T = h->top;
    ff_hls_comment(b, h, "#", "v++ -l connectivity: one compute unit of the kernel");
    ff_sb_printf(b,
        "[connectivity]\n"
        "nk=%s_kernel:1:%s_kernel_1\n"
        "# Memory banks are platform-specific (DDR[0] on U250, HBM[0] on U50); uncomment to pin:\n"
        "# sp=%s_kernel_1.in:DDR[0]\n"
        "# sp=%s_kernel_1.out:DDR[0]\n",
        T, T, T, T);
}

static void host(ff_sb *b, const ff_hls *h)
{
    const char *T = h->top;
    ff_hls_comment(b, h, "/*", "XRT host program (native C API): runs the golden vectors on the kernel");
    ff_sb_printf(b,
        " *\n * usage: %s_host [-x XCLBIN] [-i INPUT] [-g GOLDEN] [-d DEVICE]\n"
        " * Exit status: 0 all outputs bit-exact, 1 mismatches or a device/XRT failure,\n"
        " * 2 bad usage, input files or environment (XILINX_XRT). XRT's C API is\n"
        " * C++ underneath and aborts when its environment is missing, so the\n"
        " * environment is checked before the first XRT call. */\n",
        T);
    ff_sb_printf(b,
        "#define _POSIX_C_SOURCE 200809L\n"
        "#include \"xrt/xrt_bo.h\"\n#include \"xrt/xrt_device.h\"\n#include \"xrt/xrt_kernel.h\"\n\n"
        "#include <errno.h>\n#include <signal.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
        "#include <time.h>\n#include <unistd.h>\n\n"
        "#define KERNEL_NAME \"%s_kernel\"\n#define N_INPUT %lld\n#define N_OUTPUT %lld\n\n",
        T, (long long)h->in_size, (long long)h->out_size);
    ff_sb_printf(b,
        "static int read_ints(const char *path, int **out, long *n)\n{\n"
        "    FILE *f = fopen(path, \"r\");\n"
        "    if (!f)\n        return -1;\n"
        "    long cap = 1024, k = 0;\n    int *v = malloc((size_t)cap * sizeof *v), x;\n"
        "    while (v && fscanf(f, \"%%d\", &x) == 1) {\n"
        "        if (k == cap) {\n            int *nv = realloc(v, (size_t)(cap *= 2) * sizeof *v);\n"
        "            if (!nv) {\n                free(v);\n                v = NULL;\n                break;\n            }\n"
        "            v = nv;\n        }\n        v[k++] = x;\n    }\n"
        "    int ok = v && feof(f);\n    fclose(f);\n"
        "    if (!ok) {\n        free(v);\n        return -1;\n    }\n"
        "    *out = v;\n    *n = k;\n    return 0;\n}\n\n");
    ff_sb_printf(b,
        "/* XRT looks for its plugins (libxrt_core, or the emulation shims) in\n"
        " * $XILINX_XRT/lib and throws, uncaught, when they are missing. */\n"
        "static int check_xrt_env(void)\n{\n"
        "    const char *root = getenv(\"XILINX_XRT\");\n"
        "    if (!root || !*root) {\n"
        "        fprintf(stderr, \"%s_host: XILINX_XRT not set: source /opt/xilinx/xrt/setup.sh (or point it at an \"\n"
        "                        \"XRT install whose lib/ holds libxrt_core.so)\\n\");\n"
        "        return 0;\n    }\n"
        "    const char *mode = getenv(\"XCL_EMULATION_MODE\");\n"
        "    const char *plugin = !mode ? \"libxrt_core.so\" : (!strcmp(mode, \"sw_emu\") ? \"libxrt_swemu.so\" : \"libxrt_hwemu.so\");\n"
        "    char path[4096];\n"
        "    snprintf(path, sizeof path, \"%%s/lib/%%s\", root, plugin);\n"
        "    if (access(path, R_OK) != 0) {\n"
        "        char alt[4200];\n        snprintf(alt, sizeof alt, \"%%s.2\", path);\n"
        "        if (access(alt, R_OK) != 0) {\n"
        "            fprintf(stderr, \"%s_host: XRT not usable: %%s not found (XILINX_XRT=%%s)\\n\", path, root);\n"
        "            return 0;\n        }\n    }\n"
        "    return 1;\n}\n\n"
        "static void on_abort(int sig)\n{\n"
        "    static const char msg[] = \"%s_host: XRT aborted (uncaught C++ exception); no usable device\\n\";\n"
        "    (void)sig;\n    ssize_t w = write(2, msg, sizeof msg - 1);\n    (void)w;\n    _exit(1);\n}\n\n",
        T, T, T);
    ff_sb_printf(b,
        "int main(int argc, char **argv)\n{\n"
        "    const char *xclbin = \"build_hw/%s.xclbin\", *in_path = \"tb_data/tb_input.dat\",\n"
        "               *gold_path = \"tb_data/tb_output.dat\";\n"
        "    unsigned dev_index = 0;\n    int c;\n"
        "    while ((c = getopt(argc, argv, \"x:i:g:d:h\")) != -1) {\n"
        "        switch (c) {\n"
        "        case 'x': xclbin = optarg; break;\n"
        "        case 'i': in_path = optarg; break;\n"
        "        case 'g': gold_path = optarg; break;\n"
        "        case 'd': dev_index = (unsigned)strtoul(optarg, NULL, 10); break;\n"
        "        default:\n"
        "            fprintf(stderr, \"usage: %%s [-x XCLBIN] [-i INPUT] [-g GOLDEN] [-d DEVICE]\\n\", argv[0]);\n"
        "            return c == 'h' ? 0 : 2;\n        }\n    }\n"
        "    int *in = NULL, *gold = NULL;\n    long n_in = 0, n_gold = 0;\n"
        "    if (read_ints(in_path, &in, &n_in) || read_ints(gold_path, &gold, &n_gold)) {\n"
        "        fprintf(stderr, \"%s_host: cannot read %%s or %%s (integers, one sample per line)\\n\", in_path, gold_path);\n"
        "        return 2;\n    }\n"
        "    long n = n_in / N_INPUT;\n"
        "    if (n == 0 || n * N_INPUT != n_in || n * N_OUTPUT != n_gold) {\n"
        "        fprintf(stderr, \"%s_host: %%s / %%s: want %%d and %%d values per sample\\n\", in_path, gold_path, N_INPUT, N_OUTPUT);\n"
        "        return 2;\n    }\n"
        "    if (!check_xrt_env())\n        return 2;\n"
        "    signal(SIGABRT, on_abort);\n\n"
        "    xrtDeviceHandle dev = xrtDeviceOpen(dev_index);\n"
        "    if (!dev) {\n"
        "        fprintf(stderr, \"%s_host: no device: XRT could not open device %%u (%%s)\\n\", dev_index, strerror(errno));\n"
        "        return 1;\n    }\n"
        "    if (xrtDeviceLoadXclbinFile(dev, xclbin)) {\n"
        "        fprintf(stderr, \"%s_host: cannot load %%s on device %%u\\n\", xclbin, dev_index);\n"
        "        xrtDeviceClose(dev);\n        return 1;\n    }\n"
        "    xuid_t uuid;\n    xrtDeviceGetXclbinUUID(dev, uuid);\n"
        "    xrtKernelHandle k = xrtPLKernelOpen(dev, uuid, KERNEL_NAME);\n"
        "    if (!k) {\n"
        "        fprintf(stderr, \"%s_host: kernel %%s not in %%s\\n\", KERNEL_NAME, xclbin);\n"
        "        xrtDeviceClose(dev);\n        return 1;\n    }\n"
        "    size_t in_bytes = (size_t)n * N_INPUT * sizeof(int), out_bytes = (size_t)n * N_OUTPUT * sizeof(int);\n"
        "    xrtBufferHandle bi = xrtBOAlloc(dev, in_bytes, 0, xrtKernelArgGroupId(k, 0));\n"
        "    xrtBufferHandle bo = xrtBOAlloc(dev, out_bytes, 0, xrtKernelArgGroupId(k, 1));\n"
        "    int rc = 1;\n"
        "    if (bi && bo) {\n"
        "        memcpy(xrtBOMap(bi), in, in_bytes);\n"
        "        xrtBOSync(bi, XCL_BO_SYNC_BO_TO_DEVICE, in_bytes, 0);\n"
        "        struct timespec t0, t1;\n        clock_gettime(CLOCK_MONOTONIC, &t0);\n"
        "        xrtRunHandle run = xrtKernelRun(k, bi, bo, (int)n);\n"
        "        int state = run ? (int)xrtRunWait(run) : -1;\n"
        "        clock_gettime(CLOCK_MONOTONIC, &t1);\n"
        "        if (run)\n            xrtRunClose(run);\n"
        "        xrtBOSync(bo, XCL_BO_SYNC_BO_FROM_DEVICE, out_bytes, 0);\n"
        "        const int *got = xrtBOMap(bo);\n"
        "        long bad = 0;\n"
        "        for (long i = 0; i < n * N_OUTPUT; i++)\n"
        "            if (got[i] != gold[i] && bad++ < 10)\n"
        "                fprintf(stderr, \"mismatch: sample %%ld output %%ld: got %%d, expected %%d\\n\", i / N_OUTPUT,\n"
        "                        i %% N_OUTPUT, got[i], gold[i]);\n"
        "        double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);\n"
        "        printf(\"%%ld samples, %%ld mismatching outputs, run state %%d, %%.3f ms (%%.0f samples/s)\\n\", n, bad,\n"
        "               state, secs * 1e3, secs > 0 ? (double)n / secs : 0.0);\n"
        "        rc = bad ? 1 : 0;\n"
        "    } else {\n"
        "        fprintf(stderr, \"%s_host: cannot allocate device buffers\\n\");\n    }\n"
        "    if (bi)\n        xrtBOFree(bi);\n    if (bo)\n        xrtBOFree(bo);\n"
        "    xrtKernelClose(k);\n    xrtDeviceClose(dev);\n"
        "    free(in);\n    free(gold);\n"
        "    return rc;\n}\n",
        T, T, T, T, T, T, T);
}

static void readme(ff_sb *b, const ff_hls *h)
{
    const ff_graph *g = h->q->g;
    const char *T = h->top;
    ff_sb_printf(b, "# %s: Vitis HLS project generated by fogforge\n\n", T);
    ff_sb_printf(b, "Source model `%s` (sha256 `%s`), generated by fogforge %s for part `%s` (`%s`) at %g ns, "
                    "`--io %s`. The quantized model is `model.ffq`; `manifest.json` lists the layers and their "
                    "configuration.\n\n",
                 g->source ? g->source : "?", g->source_sha256, FF_VERSION, h->o->part, ff_hls_full_part(h->o->part),
                 h->o->clock_ns, h->o->io_stream ? "stream" : "parallel");
    ff_sb_printf(b,
        "The arithmetic is integer-only and bit-exact with fogforge's integer reference: `tb_data/` holds "
        "inputs and the reference's outputs (raw integers, one sample per line).\n\n"
        "## Layout\n\n"
        "| path | what |\n|---|---|\n"
        "| `firmware/%s.cpp` | core top `%s`, Vitis kernel `%s_kernel` (m_axi + s_axilite), IP top `%s_axis` (AXI4-Stream) |\n"
        "| `firmware/layers.cpp` | one function per layer, named after the model's layers |\n"
        "| `firmware/weights/*.h` | weights, biases, requantization constants and tables as `const` arrays |\n"
        "| `firmware/ff_types.h` | `ap_int`/`ap_uint` under Vitis HLS, plain integer types for g++ |\n"
        "| `firmware/ff_arith.h` | wrap, round-half-up requantization, saturation; the stream type |\n"
        "| `tb/tb_%s.cpp` | testbench against `tb_data/` |\n"
        "| `build_prj.tcl` | Vitis HLS: csim, csynth, cosim, export (IP catalog or .xo) |\n"
        "| `Makefile`, `%s.cfg` | `v++ -c` / `v++ -l` for `sw_emu`, `hw_emu`, `hw`; host program |\n"
        "| `host/%s_host.c` | XRT host program (native C API) |\n\n",
        T, T, T, T, T, T, T);
    ff_sb_printf(b,
        "## C simulation (no Vitis needed)\n\n"
        "    fogforge csim .          # g++ -std=c++14 -Wall -Werror, every sample, per-layer diagnosis\n"
        "    make csim                # the same compile and run, without the diagnosis\n\n"
        "## Vitis HLS (IP for Vivado, or the kernel as .xo)\n\n"
        "    vitis-run --mode hls --tcl build_prj.tcl             # Vitis 2024.2+ (2025.1+ has no vitis_hls)\n"
        "    vitis_hls -f build_prj.tcl -tclargs flow=kernel      # older releases; flow=ip is the default\n\n"
        "Steps are chosen with `csim=0|1 csynth=0|1 cosim=0|1 export=0|1` (or `FF_CSIM=0` ... in the environment). "
        "Afterwards `fogforge report .` reads `<top>_csynth.xml` (and Vivado utilization reports, if any) into the "
        "JSON that `fogforge estimate` and `fogforge synth` print.\n\n"
        "## Board: xclbin and host\n\n"
        "    source /opt/xilinx/xrt/setup.sh\n"
        "    make hw PLATFORM=%s       # or hw_emu / sw_emu\n"
        "    make run TARGET=hw\n\n",
        ff_hls_platform(h->o->part)[0] ? ff_hls_platform(h->o->part) : "<your platform>");
    ff_sb_printf(b,
        "The host program checks its environment before it calls XRT: with `XILINX_XRT` unset it says so and "
        "exits with status 2; when XRT finds no device it prints `no device` and exits with status 1; it never "
        "aborts. XRT looks for its plugins in `$XILINX_XRT/lib`.\n\n"
        "On Debian (`libxrt-dev`, no board) the host program still builds: "
        "`gcc -std=c11 -I/usr/include/xrt host/%s_host.c -lxrt_coreutil -o host/%s_host` "
        "(Debian's `pkg-config xrt` is broken: its prefix is doubled, so the Makefile does not use it).\n",
        T, T);
}

int ff_hls_emit_flow(const ff_hls *h, ff_err *e)
{
    const char *T = h->top;
    ff_sb b[6] = {{0}};
    char rel[6][128];
    testbench(&b[0], h);
    snprintf(rel[0], sizeof rel[0], "tb/tb_%s.cpp", T);
    tcl(&b[1], h);
    snprintf(rel[1], sizeof rel[1], "build_prj.tcl");
    makefile(&b[2], h);
    snprintf(rel[2], sizeof rel[2], "Makefile");
    connectivity(&b[3], h);
    snprintf(rel[3], sizeof rel[3], "%s.cfg", T);
    host(&b[4], h);
    snprintf(rel[4], sizeof rel[4], "host/%s_host.c", T);
    readme(&b[5], h);
    snprintf(rel[5], sizeof rel[5], "README.md");
    int rc = FF_OK;
    for (int i = 0; i < 6; i++) {
        if (!rc)
            rc = ff_emit_file(h->o->outdir, rel[i], ff_sb_str(&b[i]), e);
        ff_sb_free(&b[i]);
    }
    return rc;
}
