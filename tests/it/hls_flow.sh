# HLS back-end, everything around the C++: the generated project's files,
# build_prj.tcl and Makefile name the steps and files they must, the XRT host
# program builds against Debian's libxrt-dev and fails cleanly without a
# board (never abort, never 134), report reads hand-written Vitis HLS and
# Vivado reports, and bad input gets one line and exit 2.
. "$ROOT/tests/it/lib.sh"
cd "$FF_TMP" || exit 1
DATA=$ROOT/tests/data/hls
T=three_layer_keras
"$FF" gen "$MODELS/$T.onnx" --backend hls --part xcu250 --clock 4 -o hls_flow 2>/dev/null
P=hls_flow

# --- project layout ---
missing=""
for f in firmware/$T.cpp firmware/$T.h firmware/layers.cpp firmware/layers.h firmware/ff_types.h \
    firmware/ff_arith.h tb/tb_$T.cpp tb_data/tb_input.dat tb_data/tb_output.dat build_prj.tcl Makefile \
    $T.cfg host/${T}_host.c README.md manifest.json model.ffq; do
    [ -s "$P/$f" ] || missing="$missing $f"
done
nw=$(ls "$P"/firmware/weights/*.h 2>/dev/null | wc -l)
if [ -z "$missing" ] && [ "$nw" -eq 5 ]; then pass hls_project_files; else fail hls_project_files "missing:$missing; $nw weight headers"; fi
check hls_tb_data_1000_vectors sh -c "[ \$(wc -l < $P/tb_data/tb_input.dat) -eq 1000 ] && [ \$(wc -l < $P/tb_data/tb_output.dat) -eq 1000 ] && [ \$(head -n 1 $P/tb_data/tb_input.dat | wc -w) -eq 16 ]"
sha=$(sha256sum "$MODELS/$T.onnx" | cut -d' ' -f1)
check hls_headers_name_model_hash_version sh -c "for f in $P/firmware/layers.cpp $P/firmware/layers.h $P/firmware/weights/Softmax.h $P/firmware/$T.cpp $P/firmware/ff_types.h $P/tb/tb_$T.cpp $P/build_prj.tcl $P/Makefile $P/host/${T}_host.c; do grep -q 'source sha256 $sha' \$f && grep -q 'fogforge [0-9]' \$f && grep -q '$T.onnx' \$f || { echo \$f; exit 1; }; done"
check hls_types_ap_int_under_vitis sh -c "grep -q 'defined(__SYNTHESIS__) || defined(__VITIS_HLS__)' $P/firmware/ff_arith.h && grep -q 'typedef ap_int<8> input_t' $P/firmware/ff_types.h && grep -q 'typedef int8_t input_t' $P/firmware/ff_types.h && grep -q 'hls::stream' $P/firmware/ff_arith.h && ! grep -rq '#include <ap_int.h>' $P/firmware/ff_types.h $P/firmware/layers.cpp $P/tb"
check hls_kernel_interfaces sh -c "grep -q 'extern \"C\" void ${T}_kernel(const int \*in, int \*out, int n)' $P/firmware/$T.cpp && grep -q 'INTERFACE m_axi port=in' $P/firmware/$T.cpp && grep -q 'INTERFACE s_axilite port=return' $P/firmware/$T.cpp && grep -q 'INTERFACE axis port=in' $P/firmware/$T.cpp"
# JSON checks with Debian's python3 (d: the parsed JSON)
pycheck() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"; }
if pycheck $P/manifest.json "d['backend'] == 'hls' and d['name'] == '$T' and d['part'] == 'xcu250' and d['clock_ns'] == 4 and len(d['layers']) == 5 and d['tops']['kernel'] == '${T}_kernel'"; then
    pass hls_manifest_json
else
    fail hls_manifest_json "$(head -c 300 $P/manifest.json)"
fi

# --- build_prj.tcl: steps and the files it names ---
tcl=$P/build_prj.tcl
ok=1; why=""
for pat in 'open_project -reset' 'set_top \$top' 'open_solution -reset solution1 -flow_target \$flow_target' \
    'set part xcu250-figd2104-2L-e' 'set clock_ns 4' 'create_clock -period \$clock_ns' 'csim_design' 'csynth_design' \
    'cosim_design' 'export_design -format ip_catalog' 'export_design -format xo' "set top \\\${model}_kernel" \
    "set top \\\${model}_axis" 'set flow_target vitis' 'set flow_target vivado' 'vitis-run --mode hls --tcl build_prj.tcl' \
    'vitis_hls -f build_prj.tcl'; do
    grep -q -- "$pat" "$tcl" || { ok=0; why="$why [$pat]"; }
done
for f in $(sed -n 's/^add_files \(-tb \)\{0,1\}\([^ ]*\).*/\2/p' "$tcl"); do
    [ -e "$P/$f" ] || { ok=0; why="$why [missing $f]"; }
done
[ "$(grep -c '^add_files' "$tcl")" -eq 4 ] || { ok=0; why="$why [add_files count]"; }
grep -q "^set model $T\$" "$tcl" || { ok=0; why="$why [model]"; }
grep -q "void ${T}_axis(" $P/firmware/$T.cpp || { ok=0; why="$why [axis top not defined]"; }
if [ $ok = 1 ]; then pass hls_tcl_steps_and_files; else fail hls_tcl_steps_and_files "$why"; fi

# --- Makefile: targets, v++ steps, platform, config (dry run) ---
out=$(cd $P && make -n hw PLATFORM=my_platform 2>&1)
ok=1; why=""
for pat in "v++ -c -t hw --platform my_platform" "-k ${T}_kernel" "firmware/$T.cpp firmware/layers.cpp" \
    "v++ -l -t hw --platform my_platform" "--config $T.cfg" "build_hw/$T.xclbin" "-lxrt_coreutil" \
    "--hls.clock 250000000:${T}_kernel"; do
    printf '%s' "$out" | grep -qF -- "$pat" || { ok=0; why="$why [$pat]"; }
done
for tgt in sw_emu hw_emu; do
    (cd $P && make -n $tgt PLATFORM=p 2>&1) | grep -qF "v++ -l -t $tgt --platform p" || { ok=0; why="$why [$tgt]"; }
done
grep -q '^PLATFORM  ?= xilinx_u250' $P/Makefile || { ok=0; why="$why [PLATFORM default]"; }
grep -q "^nk=${T}_kernel:1:${T}_kernel_1\$" $P/$T.cfg || { ok=0; why="$why [cfg nk]"; }
if [ $ok = 1 ]; then pass hls_makefile_vpp_flow; else fail hls_makefile_vpp_flow "$why"; fi
check hls_makefile_csim_target sh -c "cd $P && make -s csim >mk.out 2>&1 && grep -q '0 mismatching via the kernel top' mk.out"

# --- XRT host program: builds against libxrt-dev, fails cleanly without a board ---
H=$P/host/${T}_host
if gcc -std=c11 -Wall -Wextra -Werror -I/usr/include/xrt -o $H $H.c -lxrt_coreutil 2>host.err; then
    pass hls_host_builds_with_libxrt
else
    fail hls_host_builds_with_libxrt "$(head -c 300 host.err)"
fi
(cd $P && env -u XILINX_XRT ./host/${T}_host -x none.xclbin >../host.out 2>../host.err)
rc=$?
if [ $rc -eq 2 ] && grep -q 'XILINX_XRT not set' host.err; then pass hls_host_xrt_unset_clean_exit; else fail hls_host_xrt_unset_clean_exit "exit $rc: $(head -c 200 host.err)"; fi
(cd $P && XILINX_XRT=/usr ./host/${T}_host -x none.xclbin >../host.out 2>../host.err)
rc=$?
if [ $rc -eq 2 ] && grep -q 'XRT not usable' host.err; then pass hls_host_xrt_without_plugins_clean_exit; else fail hls_host_xrt_without_plugins_clean_exit "exit $rc: $(head -c 200 host.err)"; fi
mkdir -p fake_xrt && ln -sfn /usr/lib/x86_64-linux-gnu fake_xrt/lib
(cd $P && XILINX_XRT="$FF_TMP/fake_xrt" ./host/${T}_host -x none.xclbin >../host.out 2>../host.err)
rc=$?
if [ $rc -eq 1 ] && grep -q 'no device' host.err; then pass hls_host_no_device_clean_exit; else fail hls_host_no_device_clean_exit "exit $rc: $(tail -c 300 host.err)"; fi

# --- report: hand-written Vitis HLS and Vivado reports ---
repcheck() { name=$1; filt=$2; shift 2; if "$FF" report "$@" >rep.json 2>rep.err && pycheck rep.json "$filt"; then pass "$name"; else fail "$name" "$(cat rep.err) $(head -c 300 rep.json)"; fi; }
repcheck hls_report_csynth "d['design'] == 'jet_axis' and d['source'] == 'vitis_hls' and d['total'] == {'lut': 109753, 'ff': 12562, 'dsp': 2118, 'bram18': 4, 'uram': 0} and d['latency_cycles'] == 12 and d['latency_best_cycles'] == 12 and d['ii'] == 1 and d['clock_ns'] == 5 and d['clock_estimated_ns'] == 4.36 and d['latency_ns'] == 60 and d['tool'] == 'Vitis HLS 2023.2' and d['part'] == 'xcu250-figd2104-2L-e'" "$DATA/csynth_only"
repcheck hls_report_vivado_utilization "d['source'] == 'vivado' and d['total'] == {'lut': 52341, 'ff': 11874, 'dsp': 1843, 'bram18': 3, 'uram': 0} and d['csynth']['lut'] == 109753 and d['csynth']['dsp'] == 2118 and d['reports']['vivado'].endswith('jet_axis_utilization_synth.rpt')" "$DATA/with_vivado"
repcheck hls_report_undef_latency_is_null "d['design'] == 'a_kernel' and d['latency_cycles'] is None and d['ii'] is None and d['total']['uram'] == 1" "$DATA/two_designs" --top a_kernel
repcheck hls_report_single_file "d['design'] == 'a_axis' and d['latency_best_cycles'] == 40 and d['latency_worst_cycles'] == 52 and d['ii'] == 41 and d['ii_max'] == 41" "$DATA/two_designs/a_ip_prj/solution1/syn/report/a_axis_csynth.xml"
expect_exit hls_report_ambiguous_needs_top 2 'several designs \(a_axis, a_kernel\).*--top' "$FF" report "$DATA/two_designs"
expect_exit hls_report_missing_lut 2 'LUT is missing' "$FF" report "$DATA/bad/nolut_csynth.xml"
expect_exit hls_report_truncated_xml 2 'not well-formed XML' "$FF" report "$DATA/bad/truncated_csynth.xml"
expect_exit hls_report_not_csynth 2 'not a Vitis HLS csynth report' "$FF" report "$DATA/bad/other_csynth.xml"
expect_exit hls_report_no_reports 2 'no Vitis HLS report' "$FF" report $P
expect_exit hls_report_unknown_top 2 "no Vitis HLS report for top 'nope'" "$FF" report "$DATA/csynth_only" --top nope

# --- bad input: one line, exit 2 ---
expect_exit hls_gen_unsupported_layer 2 "layer 'add' \(Add, from ONNX Add\) is not supported by the hls back-end" \
    "$FF" gen "$ROOT/tests/models/gen/conv2d_mix.onnx" --backend hls -o bad1
expect_exit hls_gen_invalid_reuse 2 "reuse factor 3 is not valid; it must divide 16" \
    "$FF" gen "$MODELS/$T.onnx" --backend hls --reuse 3 -o bad2
expect_exit hls_gen_invalid_reuse_in_config 2 "layer 'Conv1D__' \\(Conv, 16 inputs x 3 outputs\\): reuse factor 5 is not valid" \
    sh -c "echo '{\"LayerType\": {\"Conv\": {\"reuse\": 5}}}' > badr.json && '$FF' gen '$MODELS/conv1d_small_keras.onnx' --backend hls --config badr.json -o bad3"
expect_exit hls_gen_unknown_part 2 "unknown part 'xc9z999'" "$FF" gen "$MODELS/$T.onnx" --backend hls --part xc9z999 -o bad4
expect_exit hls_gen_bad_io 2 "gen: --io wants parallel or stream" "$FF" gen "$MODELS/$T.onnx" --backend hls --io serial -o bad5
expect_exit hls_csim_not_a_project 2 "not a generated HLS project" "$FF" csim "$DATA"
if [ ! -e bad1 ] && [ ! -e bad2 ] && [ ! -e bad4 ]; then pass hls_gen_bad_input_writes_nothing; else fail hls_gen_bad_input_writes_nothing "output directory created"; fi
