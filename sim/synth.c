/* Yosys synthesis of an rtl project: synth_xilinx, resource counts from
 * `stat -json`, and a critical-path estimate from `sta` (cell delays from
 * Yosys' Xilinx simulation models; no placement or routing, so an estimate). */
#include "sim.h"

#include "emit_rtl.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long count(const cJSON *cells, const char *prefix, int exact)
{
    long n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cells)
    {
        if (!cJSON_IsNumber(c))
            continue;
        if (exact ? !strcmp(c->string, prefix) : !strncmp(c->string, prefix, strlen(prefix)))
            n += (long)c->valuedouble;
    }
    return n;
}

long ff_synth_lut_sites(const void *cells_json, long *lutram)
{
    /* LUT sites: logic LUTs, and those distributed RAM and shift registers
     * occupy (as Vivado's "CLB LUTs" total counts them; io stream's line
     * buffers are RAM32M/RAM64M) */
    static const struct {
        const char *cell;
        int sites;
    } mem[] = {{"RAM32M", 4},    {"RAM32M16", 8},  {"RAM64M", 4},    {"RAM64M8", 8},    {"RAM32X1D", 2},
               {"RAM64X1D", 2},  {"RAM128X1D", 4}, {"RAM32X1S", 1},  {"RAM64X1S", 1},   {"RAM128X1S", 2},
               {"RAM256X1S", 4}, {"RAM512X1S", 8}, {"SRL16E", 1},    {"SRLC16E", 1},    {"SRLC32E", 1}};
    const cJSON *cells = cells_json;
    long m = 0;
    for (size_t i = 0; i < sizeof mem / sizeof mem[0]; i++)
        m += mem[i].sites * count(cells, mem[i].cell, 1);
    if (lutram)
        *lutram = m;
    return count(cells, "LUT", 0) + m;
}

int ff_synth_run(const ff_synth_opts *o, ff_synth_result *r, ff_err *e)
{
    memset(r, 0, sizeof *r);
    const char *fam = o->family ? o->family : "xc7";
    if (strcmp(fam, "xc7") && strcmp(fam, "xcup") && strcmp(fam, "xcu") && strcmp(fam, "xc6s"))
        return ff_errf(e, FF_EINPUT, "synth: unknown family '%s' (xc7, xcu, xcup, xc6s)", fam);
    ff_manifest m;
    int rc = ff_manifest_read(o->dir, &m, e);
    if (rc)
        return rc;
    snprintf(r->design, sizeof r->design, "%s", m.top);
    snprintf(r->family, sizeof r->family, "%s", fam);
    r->latency = m.latency;
    r->ii = m.ii;
    r->clock_ns = m.clock_ns;
    char wd[4200], absdir[4096];
    if (!realpath(o->dir, absdir)) {
        ff_manifest_free(&m);
        return ff_errf(e, FF_EINPUT, "%s: cannot resolve path", o->dir);
    }
    snprintf(wd, sizeof wd, "%s/.build/synth_%s", absdir, fam);
    rc = ff_mkdirs(wd, e);
    if (rc) {
        ff_manifest_free(&m);
        return rc;
    }
    ff_sb s = {0};
    ff_sb_printf(&s, "read_verilog");
    for (int i = 0; i < m.nfiles; i++)
        ff_sb_printf(&s, " \"%s/%s\"", absdir, m.files[i]);
    /* xilinx_dsp.multonly: DSP48s for the multipliers only, no packing of
     * registers and adders into them. Yosys 0.23's xilinx_dsp packs an
     * accumulator (acc <= (first ? bias : acc) + product) into a DSP and
     * leaves the adder's output, which the accumulator register still reads,
     * undriven; opt_expr then makes the register a constant, and everything
     * feeding it only is removed: the netlist no longer computes the layer
     * (docs/rtl.md, "Synthesis flow"). The check after the DSP step fails
     * the run on any net left undriven there, instead of counting the
     * resources of a broken netlist. */
    /* The fine step of synth_xilinx is written out (its commands for this
     * family without -widemux or -nosrl, as `help synth_xilinx` lists them)
     * so that its `opt -full` can run without opt_share: Yosys 0.23's
     * opt_share, merging the +1 and -1 of a join FIFO's occupancy counter
     * behind their mux, gave a netlist of branch_residual that lost 2 of 12
     * samples of a full-rate burst. Without it the netlist is bit-exact;
     * on designs where opt_share finds nothing to merge (every layer and
     * network the surrogate dataset holds), the netlist is the same as
     * synth_xilinx's own (docs/rtl.md, "Synthesis flow"). */
    ff_sb_printf(&s,
                 "\nscratchpad -set xilinx_dsp.multonly 1\n"
                 "synth_xilinx -family %s -flatten -noiopad -top %s -run begin:map_memory\n"
                 "opt_clean\n"
                 "check -assert\n"
                 "synth_xilinx -family %s -flatten -noiopad -top %s -run map_memory:fine\n"
                 "opt -mux_undef -mux_bool -undriven -fine -sat\n"
                 "xilinx_srl -variable -minlen 3\n"
                 "techmap -map +/techmap.v -D LUT_SIZE=6 -map +/xilinx/arith_map.v\n"
                 "opt -fast\n"
                 "synth_xilinx -family %s -flatten -noiopad -top %s -run map_cells:\n"
                 "tee -q -o %s/stat.json stat -json\n"
                 "write_verilog -noattr %s/netlist.v\n"
                 "read_verilog -lib -specify +/xilinx/cells_sim.v\n"
                 "tee -q -o %s/sta.txt sta\n",
                 fam, m.top, fam, m.top, fam, m.top, wd, wd, wd);
    ff_manifest_free(&m);
    char script[4300], log[4300], what[256];
    snprintf(script, sizeof script, "%s/synth.ys", wd);
    snprintf(log, sizeof log, "%s/yosys.log", wd);
    rc = ff_write_file_atomic(script, s.s, s.n, e);
    ff_sb_free(&s);
    if (rc)
        return rc;
    snprintf(what, sizeof what, "synthesizing %s with Yosys (synth_xilinx -family %s; minutes for large designs)",
             r->design, fam);
    char *argv[] = {"yosys", "-q", "-s", script, NULL};
    double t0 = ff_now();
    int st = ff_run_logged(argv, log, what, o->quiet);
    r->seconds = ff_now() - t0;
    if (st < 0)
        return ff_errf(e, FF_EINPUT, "yosys not found in PATH (install Debian's yosys: scripts/deps.sh)");
    if (st != 0) {
        char *lt = NULL;
        size_t ll = 0;
        int broken = ff_read_file(log, 1 << 28, &lt, &ll, e) == FF_OK && lt && strstr(lt, "Found and reported");
        free(lt);
        if (broken)
            return ff_errf(e, FF_EINTERNAL,
                           "yosys left nets undriven after DSP mapping (its netlist would not compute the design; "
                           "no resources counted): see %s",
                           log);
        return ff_errf(e, FF_EINTERNAL, "yosys failed (exit %d): see %s", st, log);
    }
    char path[4300], *txt;
    size_t len;
    snprintf(path, sizeof path, "%s/stat.json", wd);
    rc = ff_read_file(path, 1 << 26, &txt, &len, e);
    if (rc)
        return rc;
    cJSON *j = cJSON_Parse(txt);
    free(txt);
    const cJSON *mods = j ? cJSON_GetObjectItemCaseSensitive(j, "modules") : NULL;
    char key[160];
    snprintf(key, sizeof key, "\\%s", r->design);
    const cJSON *top = mods ? cJSON_GetObjectItemCaseSensitive(mods, key) : NULL;
    const cJSON *cells = top ? cJSON_GetObjectItemCaseSensitive(top, "num_cells_by_type") : NULL;
    const cJSON *nc = top ? cJSON_GetObjectItemCaseSensitive(top, "num_cells") : NULL;
    if (!cells) {
        cJSON_Delete(j);
        return ff_errf(e, FF_EINTERNAL, "%s: no cell counts for %s", path, r->design);
    }
    r->lut = ff_synth_lut_sites(cells, &r->lutram);
    r->ff = count(cells, "FD", 0);
    r->dsp = count(cells, "DSP48", 0);
    r->bram18 = count(cells, "RAMB18", 0);
    r->bram36 = count(cells, "RAMB36", 0);
    r->carry = count(cells, "CARRY", 0);
    r->cells = cJSON_IsNumber(nc) ? (long)nc->valuedouble : 0;
    cJSON_Delete(j);
    /* sta: "Latest arrival time in 'top' is N:" (ps) */
    snprintf(path, sizeof path, "%s/sta.txt", wd);
    if (ff_read_file(path, 1 << 26, &txt, &len, e) == FF_OK) {
        const char *p = strstr(txt, "Latest arrival time");
        const char *is = p ? strstr(p, " is ") : NULL;
        if (is)
            r->critical_path_ns = atof(is + 4) / 1000.0;
        free(txt);
    }
    return FF_OK;
}
