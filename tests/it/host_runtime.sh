# The host runtime end to end: one bundle per shared model run on cpu and
# opencl (PoCL) bit-identical to `fogforge run --raw` on 1000 vectors, fresh
# `--with rtl` bundles of every supported model on cpu, opencl and verilator too,
# tampered bundles refused, 8 threads sharing a bundle under ThreadSanitizer,
# xrt unavailable without aborting, and the pkg-config example against an
# installed copy of the library.
. "$ROOT/tests/it/lib.sh"
PY=/usr/bin/python3
cd "$FF_TMP" || exit 1
mkdir -p host && cd host || exit 1

# Verilator builds of every supported model, one after another in the
# background while the rest runs. They share the content-hashed cache of
# rtl_sim.sh (same configurations), so the suite pays for each design once.
# dense_big_keras is left out: its Verilated library (1,820 multipliers, 42k
# weights) takes 4-9 minutes to build; FF_RTL_FULL=1 rtl_sim.sh co-simulates it.
VCACHE=${FF_RTL_CACHE:-$ROOT/${BUILD:-build}/rtl-cache}
mkdir -p "$VCACHE"
printf '%s\n' '{"LayerName": {"_class__keras_layers_core_Dense__": {"reuse": 10}, "_class__keras_layers_core_Dense__1": {"reuse": 32}}}' > vl_tl.json
printf '%s\n' '{"Model": {"reuse": 4}, "LayerName": {"Gemm_9": {"reuse": 5}, "Gemm_11": {"reuse": 5}}}' > vl_c1.json
VL_SET="three_layer_keras:--reuse=16 three_layer_pytorch:--reuse=32 three_layer_bn_keras:--reuse=8 two_layer_keras:--config=vl_tl.json conv1d_small_keras:--config=vl_c1.json conv2d_small_keras:--reuse=1"
(
    for pair in $VL_SET; do
        m=${pair%%:*}; opt=${pair#*:}
        "$FF" bundle create "$MODELS/$m.onnx" "${opt%%=*}" "${opt#*=}" --part xcu250 --with opencl,rtl \
            --sim-cache "$VCACHE" -o "vl_$m.tar" >"err_vl_$m.txt" 2>&1
        echo $? > "rc_vl_$m.txt"
    done
) &
VL_PID=$!

SUPPORTED="three_layer_keras three_layer_pytorch three_layer_bn_keras two_layer_keras dense_big_keras conv1d_small_keras conv2d_small_keras"

check devices_lists_all_backends sh -c "'$FF' devices | grep -c -E '^(cpu|opencl|verilator|xrt) ' | grep -qx 4"
check devices_json sh -c "'$FF' devices --json | $PY -c 'import json,sys; d=json.load(sys.stdin); assert {x[\"backend\"] for x in d}=={\"cpu\",\"opencl\",\"verilator\",\"xrt\"}; assert [x for x in d if x[\"backend\"]==\"cpu\"][0][\"available\"]'"

# --- bit-exactness: the same bundle on every backend = fogforge run --raw ---
for m in $SUPPORTED; do
    M=$ROOT/tests/models/$m.onnx
    "$PY" "$ROOT/tests/oracle/gen_inputs.py" 1000 11 "$M" > "in_$m.txt"
    "$FF" run "$M" --input "in_$m.txt" --wbits 8 --abits 8 --raw -o "ref_$m.txt"
    if ! "$FF" bundle create "$M" --wbits 8 --abits 8 -o "$m.tar" 2>err.txt; then
        fail "bundle_create_$m" "$(cat err.txt)"; continue
    fi
    for be in cpu opencl; do
        if "$FF" infer "$m.tar" --backend $be --input "in_$m.txt" --raw -o "out_${be}_$m.txt" 2>err.txt &&
            cmp -s "out_${be}_$m.txt" "ref_$m.txt"; then
            pass "bitexact_${be}_$m 1000 vectors"
        else
            fail "bitexact_${be}_$m" "$(head -c 300 err.txt) $(cmp "out_${be}_$m.txt" "ref_$m.txt" 2>&1 | head -1)"
        fi
    done
done
# the per-layer OpenCL kernels and a directory bundle agree too
for m in conv1d_small_keras conv2d_small_keras three_layer_bn_keras; do
    "$FF" infer "$m.tar" --backend opencl --per-layer --input "in_$m.txt" --raw -o "pl_$m.txt" 2>/dev/null
    if cmp -s "pl_$m.txt" "ref_$m.txt"; then pass "bitexact_opencl_per_layer_$m"; else fail "bitexact_opencl_per_layer_$m" "differs"; fi
done
"$FF" bundle create "$ROOT/tests/models/three_layer_keras.onnx" --wbits 8 --abits 8 -o jet_dir 2>/dev/null
"$FF" infer jet_dir --backend cpu --input in_three_layer_keras.txt --raw -o dir_out.txt
if cmp -s dir_out.txt ref_three_layer_keras.txt; then pass bitexact_dir_bundle; else fail bitexact_dir_bundle differs; fi
# float outputs = fogforge run's dequantized integer reference
"$FF" run "$ROOT/tests/models/three_layer_keras.onnx" --input in_three_layer_keras.txt --wbits 8 --abits 8 -o refq.txt
"$FF" infer three_layer_keras.tar --backend opencl --input in_three_layer_keras.txt -o fl.txt
if cmp -s fl.txt refq.txt; then pass infer_float_matches_run; else fail infer_float_matches_run differs; fi
check infer_json sh -c "'$FF' infer three_layer_keras.tar --backend cpu --input in_three_layer_keras.txt --raw --json | $PY -c 'import json,sys; d=json.load(sys.stdin); assert d[\"backend\"]==\"cpu\" and d[\"samples\"]==1000 and len(d[\"raw_outputs\"])==1000'"
check bench_json sh -c "'$FF' bench three_layer_keras.tar --backend cpu --batch 8 --seconds 0.2 --json | $PY -c 'import json,sys; d=json.load(sys.stdin); assert d[\"inferences_per_s\"]>0 and d[\"p99_us\"]>=d[\"p50_us\"]>0'"

# --- bundles: verify, list, add, tampering ---
check verify_ok sh -c "'$FF' bundle verify jet_dir | grep -q ': ok'"
check verify_tar_ok "$FF" bundle verify three_layer_keras.tar
mkdir -p reg && cp three_layer_keras.tar conv1d_small_keras.tar reg/ && cp -r jet_dir reg/
check list_registry sh -c "'$FF' bundle list reg | grep -c ' ok\$' | grep -qx 3"

cp -r jet_dir t_flip && $PY -c "
import sys; p='t_flip/model.ffq'; b=bytearray(open(p,'rb').read()); b[200]^=1; open(p,'wb').write(b)"
expect_exit tamper_flipped_byte 2 "checksum mismatch for 'model.ffq'" "$FF" bundle verify t_flip
expect_exit tamper_flipped_byte_infer 2 "checksum mismatch" "$FF" infer t_flip --backend cpu --input in_three_layer_keras.txt
cp -r jet_dir t_edit && sed -i 's/"bits":\([[:space:]]*\)8/"bits":\19/' t_edit/manifest.json
expect_exit tamper_edited_manifest 2 "manifest.json was modified" "$FF" bundle verify t_edit
cp -r jet_dir t_missing && rm t_missing/opencl/model.cl
expect_exit tamper_missing_file 2 "missing file 'opencl/model.cl'" "$FF" bundle verify t_missing
head -c 5000 three_layer_keras.tar > t_trunc.tar
expect_exit tamper_truncated_tar 2 "truncated or corrupt" "$FF" bundle verify t_trunc.tar
cp -r jet_dir t_ver && $PY -c "
import json, hashlib
p = 't_ver/manifest.json'; m = json.load(open(p))
m['manifest_version'] = 2; m['fogforge_version'] = '0.9.0'
open(p, 'w').write(json.dumps(m))"
expect_exit tamper_incompatible_version 2 "manifest version 2 \\(made by fogforge 0.9.0\\) is not compatible" "$FF" bundle verify t_ver
check list_flags_invalid sh -c "cp -r t_flip reg/ && '$FF' bundle list reg | grep -q 'INVALID'"

printf 'xclbin2\0fake' > k.xclbin
cp three_layer_keras.tar addx.tar
check add_xclbin sh -c "'$FF' bundle add addx.tar --xclbin k.xclbin --kernel jet_kernel && '$FF' bundle verify addx.tar && tar -xOf addx.tar manifest.json | grep -q jet_kernel"
expect_exit add_to_tampered_refused 2 "refusing to add" "$FF" bundle add t_flip --xclbin k.xclbin

# --- devices that are not here: clear reasons, never an abort ---
for how in unset usr fakedir; do
    case $how in
    unset) envs="-u XILINX_XRT" ;;
    usr) envs="XILINX_XRT=/usr" ;;
    fakedir) mkdir -p fakexrt && ln -sfn /usr/lib/x86_64-linux-gnu fakexrt/lib; envs="XILINX_XRT=$PWD/fakexrt" ;;
    esac
    # shellcheck disable=SC2086
    env $envs "$FF" infer addx.tar --backend xrt --input in_three_layer_keras.txt >xo.txt 2>xe.txt
    rc=$?
    if [ $rc -eq 2 ] && grep -q 'xrt: unavailable: ' xe.txt; then
        pass "xrt_unavailable_$how $(sed 's/.*unavailable: //' xe.txt | cut -c1-60)"
    else
        fail "xrt_unavailable_$how" "exit $rc (134 = abort): $(cat xe.txt)"
    fi
    # shellcheck disable=SC2086
    check "devices_no_abort_xrt_$how" sh -c "env $envs '$FF' devices | grep -q '^xrt *unavailable'"
done
expect_exit verilator_unavailable 2 "bundle has no Verilator library" "$FF" infer three_layer_keras.tar --backend verilator --input in_three_layer_keras.txt
expect_exit unknown_backend 2 "unknown backend 'tpu'" "$FF" infer three_layer_keras.tar --backend tpu --input in_three_layer_keras.txt
"$FF" bundle create "$ROOT/tests/models/two_layer_keras.onnx" --with none -o nocl.tar 2>/dev/null
expect_exit opencl_needs_kernels 2 "no OpenCL kernels" "$FF" infer nocl.tar --backend opencl --input in_two_layer_keras.txt
expect_exit bundle_exists 2 "already exists" "$FF" bundle create "$ROOT/tests/models/two_layer_keras.onnx" -o nocl.tar
expect_exit with_unknown 2 "with wants a list" "$FF" bundle create "$ROOT/tests/models/two_layer_keras.onnx" --with tpu -o x.tar
# the HLS project travels in the bundle, and its kernel name in the manifest
if "$FF" bundle create "$ROOT/tests/models/three_layer_keras.onnx" --wbits 8 --abits 8 --with opencl,hls -o hlsb.tar 2>err.txt; then
    check bundle_with_hls sh -c "'$FF' bundle verify hlsb.tar && tar -tf hlsb.tar | grep -q '^hls/firmware/' && tar -xOf hlsb.tar manifest.json | $PY -c 'import json,sys; m=json.load(sys.stdin); assert m[\"hls\"][\"kernel\"]==\"three_layer_keras_kernel\", m[\"hls\"]; assert any(a[\"kind\"]==\"hls\" for a in m[\"artifacts\"])'"
    "$FF" infer hlsb.tar --backend cpu --input in_three_layer_keras.txt --raw -o hlsb_out.txt
    if cmp -s hlsb_out.txt ref_three_layer_keras.txt; then pass bundle_with_hls_runs; else fail bundle_with_hls_runs differs; fi
else
    fail bundle_with_hls "$(cat err.txt)"
fi

# --- verilator: fresh bundles --with rtl carry their Verilated library ---
# (built in the background since the top)
wait "$VL_PID"
for pair in $VL_SET; do
    m=${pair%%:*}; b=vl_$m.tar
    brc=$(cat "rc_vl_$m.txt" 2>/dev/null || echo missing)
    if [ "$brc" != 0 ]; then
        fail "bundle_with_rtl_$m" "exit $brc: $(tail -n 3 "err_vl_$m.txt" | tr '\n' ' ')"; continue
    fi
    check "bundle_with_rtl_verifies_$m" sh -c "'$FF' bundle verify $b && tar -xOf $b manifest.json | $PY -c 'import json,sys; m=json.load(sys.stdin); k={a[\"kind\"] for a in m[\"artifacts\"]}; assert {\"ffq\",\"opencl\",\"rtl\",\"verilator\"}<=k, k'"
    for be in cpu opencl verilator; do
        if "$FF" infer "$b" --backend $be --input "in_$m.txt" --raw -o "v_${be}_$m.txt" 2>err.txt &&
            cmp -s "v_${be}_$m.txt" "ref_$m.txt"; then
            pass "bitexact_rtl_bundle_${be}_$m 1000 vectors"
        else
            fail "bitexact_rtl_bundle_${be}_$m" "$(head -c 300 err.txt) $(cmp "v_${be}_$m.txt" "ref_$m.txt" 2>&1 | head -1)"
        fi
    done
done
vl_jet_rc=$(cat rc_vl_three_layer_keras.txt 2>/dev/null || echo 1)
cp vl_three_layer_keras.tar vl_jet.tar 2>/dev/null
check infer_verilator_cycles sh -c "'$FF' infer vl_jet.tar --backend verilator --input in_three_layer_keras.txt --raw --json | $PY -c 'import json,sys; d=json.load(sys.stdin); assert d[\"backend\"]==\"verilator\" and d[\"samples\"]==1000, d'"
# bundle add --verilator: the library of one bundle added to another (no third build)
if [ "$vl_jet_rc" -eq 0 ] && tar -xf vl_jet.tar verilator/libffsim.so &&
    "$FF" bundle create "$MODELS/three_layer_keras.onnx" --wbits 8 --abits 8 -o addv.tar 2>/dev/null &&
    "$FF" bundle add addv.tar --verilator verilator/libffsim.so 2>err.txt &&
    "$FF" infer addv.tar --backend verilator --input in_three_layer_keras.txt --raw -o addv.txt 2>>err.txt &&
    cmp -s addv.txt ref_three_layer_keras.txt; then
    pass bundle_add_verilator
else
    fail bundle_add_verilator "$(head -c 300 err.txt)"
fi
# a Verilated library of another model is refused with a reason
if [ "$vl_jet_rc" -eq 0 ] && "$FF" bundle create "$MODELS/two_layer_keras.onnx" --wbits 8 --abits 8 -o wrongv.tar 2>/dev/null &&
    "$FF" bundle add wrongv.tar --verilator verilator/libffsim.so 2>/dev/null; then
    expect_exit verilator_wrong_library 2 "does not fit the bundle" "$FF" infer wrongv.tar --backend verilator --input in_two_layer_keras.txt
else
    fail verilator_wrong_library "could not make the bundle"
fi

# --- 8 threads sharing one bundle (and one session) under ThreadSanitizer ---
if make -s -C "$ROOT" "$BUILD/host_threads_tsan" >tsan_build.txt 2>&1; then
    for be in cpu opencl; do
        for m in three_layer_keras conv2d_small_keras; do
            TSAN_OPTIONS="halt_on_error=0 exitcode=66" "$ROOT/$BUILD/host_threads_tsan" "$m.tar" $be >ts.out 2>ts.err
            rc=$?
            if [ $rc -eq 0 ] && ! grep -q 'WARNING: ThreadSanitizer' ts.err; then
                pass "threads8_tsan_${be}_$m"
            else
                fail "threads8_tsan_${be}_$m" "exit $rc: $(grep -m3 -E 'WARNING|SUMMARY|differ|thread' ts.err ts.out | tr '\n' ' ' | cut -c1-400)"
            fi
        done
    done
else
    fail threads8_tsan_build "$(tail -n 5 tsan_build.txt)"
fi

# --- the pkg-config example against an installed copy ---
INST=$FF_TMP/inst
if make -s -C "$ROOT" install DESTDIR="$INST" PREFIX=/usr >inst.txt 2>&1; then
    export PKG_CONFIG_PATH="$INST/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$INST"
    # shellcheck disable=SC2046
    if cc -o example "$ROOT/examples/infer.c" $(pkg-config --cflags --libs fogforge) 2>cc.txt; then
        pass pkgconfig_example_builds
        LD_LIBRARY_PATH="$INST/usr/lib" ./example three_layer_keras.tar cpu 3 >ex_cpu.txt 2>&1
        rc1=$?
        LD_LIBRARY_PATH="$INST/usr/lib" ./example three_layer_keras.tar opencl 3 >ex_ocl.txt 2>&1
        rc2=$?
        grep -v '^#' ex_cpu.txt >ex_cpu.vals
        grep -v '^#' ex_ocl.txt >ex_ocl.vals
        if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ "$(wc -l <ex_cpu.vals)" -eq 3 ] && cmp -s ex_cpu.vals ex_ocl.vals; then
            pass pkgconfig_example_runs
        else
            fail pkgconfig_example_runs "exit $rc1/$rc2: $(cat ex_cpu.txt ex_ocl.txt | head -5)"
        fi
        check pkgconfig_example_uses_installed_lib sh -c "LD_LIBRARY_PATH='$INST/usr/lib' ldd ./example | grep -q '$INST/usr/lib/libfogforge.so'"
    else
        fail pkgconfig_example_builds "$(head -c 400 cc.txt)"
    fi
else
    fail make_install "$(tail -n 5 inst.txt)"
fi
