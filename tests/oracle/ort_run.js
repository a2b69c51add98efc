#!/usr/bin/env node
// ort_run.js MODEL IN OUT
// ort_run.js --bench N MODEL [IN]
//
// ONNX Runtime (onnxruntime-node, CPU execution provider, one intra-op and one
// inter-op thread) as the float oracle for fogforge.
//
// IN: fogforge's text sample format (one sample per line, whitespace-separated
// numbers, flattened in the model input's layout without the batch dim).
// OUT ("-" = stdout): one line per sample, each value with 9 significant
// digits (%.9g); several graph outputs are concatenated in graph order.
// Every sample runs on its own, as a [1, ...] tensor.
//
// When ORT refuses the model as it is (a fixed batch dim other than 1, an
// opset without ORT kernels, the onnxmltools BatchNormalization quirk), the
// model is rewritten with fix_batch.py into a temp dir and tried again; a note
// on stderr says so.
//
// --bench N: times N single-sample inferences (after 10% warm-up, at least
// 100 runs) and prints one line:
//   ort_bench model=M samples=N seconds=S samples_per_s=X
// Inputs are IN's samples in turn, or seeded N(0,1) values without IN.
//
// Exit status: 0 ok; 2 usage or bad input; 3 ORT refuses the model even after
// fix_batch.py (use np_eval.py instead); 4 onnxruntime-node is not installed
// (run scripts/oracle-setup.sh).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const PROG = 'ort_run.js';
const HERE = __dirname;
const PYTHON = process.env.FF_PYTHON || '/usr/bin/python3';

class Fail extends Error {
  constructor(msg, code) { super(msg); this.code = code; }
}

function usage() {
  throw new Fail('usage: ort_run.js MODEL IN OUT | ort_run.js --bench N MODEL [IN]', 2);
}

let ort;
function loadOrt() {
  try {
    ort = require(path.join(HERE, 'node_modules', 'onnxruntime-node'));
  } catch (e) {
    throw new Fail(`onnxruntime-node is not installed in ${HERE}/node_modules (run scripts/oracle-setup.sh): ${String(e.message).split('\n')[0]}`, 4);
  }
}

function python(script, args) {
  try {
    return execFileSync(PYTHON, [path.join(HERE, script), ...args],
                        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (e.code === 'ENOENT') throw new Fail(`${PYTHON} not found (Debian's python3 with python3-onnx is needed; set FF_PYTHON to override)`, 2);
    const err = String(e.stderr || e.message).trim().split('\n').pop();
    throw new Fail(err, 2);
  }
}

function modelInfo(model) {
  return JSON.parse(python('model_info.py', [model]));
}

function parseNum(s) {
  const v = Number(s);
  if (!Number.isNaN(v) && s !== '') return v;
  const l = s.toLowerCase();
  if (l === 'nan' || l === '+nan' || l === '-nan') return NaN;
  if (l === 'inf' || l === '+inf' || l === 'infinity' || l === '+infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  return null;
}

function readSamples(file, width) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Fail(`${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`, 2);
  }
  const rows = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/).filter((x) => x !== '');
    if (f.length === 0) continue;
    if (f.length !== width) throw new Fail(`${file}:${i + 1}: ${f.length} values, the model input needs ${width}`, 2);
    const r = new Float32Array(width);
    for (let j = 0; j < width; j++) {
      const v = parseNum(f[j]);
      if (v === null) throw new Fail(`${file}:${i + 1}: non-numeric field '${f[j].slice(0, 40)}'`, 2);
      r[j] = v;
    }
    rows.push(r);
  }
  if (rows.length === 0) throw new Fail(`${file}: no samples`, 2);
  return rows;
}

// C's %.9g: 9 significant digits (enough to round-trip a float32)
function fmt(x) {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const strip = (m) => (m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m);
  const [m, e] = x.toExponential(8).split('e');
  const ex = parseInt(e, 10);
  if (ex < -4 || ex >= 9) return `${strip(m)}e${ex < 0 ? '-' : '+'}${String(Math.abs(ex)).padStart(2, '0')}`;
  return strip(x.toFixed(8 - ex));
}

const OPTS = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  logSeverityLevel: 4,
};

function firstLine(e) { return String(e && e.message ? e.message : e).split('\n')[0]; }

// Create a session and run one sample through it; throws on refusal.
async function trySession(model, info, sample) {
  const s = await ort.InferenceSession.create(model, OPTS);
  await runOne(s, info, sample);
  return s;
}

async function runOne(s, info, sample) {
  const t = new ort.Tensor('float32', sample, [1, ...info.shape]);
  const r = await s.run({ [info.input]: t });
  return s.outputNames.map((n) => r[n].data);
}

let tmpDir = null;
function cleanup() {
  if (tmpDir) { try { fs.rmSync(tmpDir, { recursive: true, force: true }); } catch (_) { /* best effort */ } }
}

async function openSession(model, info, sample) {
  if (!fs.existsSync(model)) throw new Fail(`${model}: no such file`, 2);
  let why;
  try {
    return await trySession(model, info, sample);
  } catch (e) {
    why = firstLine(e);
  }
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-ort-'));
  const fixed = path.join(tmpDir, path.basename(model));
  python('fix_batch.py', [model, fixed]);
  try {
    const s = await trySession(fixed, info, sample);
    process.stderr.write(`${PROG}: note: ORT refused ${path.basename(model)} as is (${why}); running the fix_batch.py rewrite\n`);
    return s;
  } catch (e) {
    throw new Fail(`ORT refuses ${model}: ${why}; after fix_batch.py: ${firstLine(e)}`, 3);
  }
}

function gauss(seed) { // deterministic N(0,1): mulberry32 + Box-Muller
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

async function main(argv) {
  if (argv[0] === '-h' || argv[0] === '--help') {
    process.stdout.write(fs.readFileSync(__filename, 'utf8').split('\n').slice(1)
      .filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n') + '\n');
    return;
  }
  if (argv[0] === '--bench') {
    if (argv.length < 3 || argv.length > 4) usage();
    const n = parseInt(argv[1], 10);
    if (!(n > 0) || String(n) !== argv[1]) throw new Fail(`--bench N: N must be a positive integer, got '${argv[1]}'`, 2);
    loadOrt();
    const model = argv[2];
    const info = modelInfo(model);
    const width = info.shape.reduce((p, d) => p * d, 1);
    let rows;
    if (argv[3]) rows = readSamples(argv[3], width);
    else {
      const g = gauss(1);
      rows = Array.from({ length: 64 }, () => Float32Array.from({ length: width }, g));
    }
    const s = await openSession(model, info, rows[0]);
    const warm = Math.max(100, Math.floor(n / 10));
    for (let i = 0; i < warm; i++) await runOne(s, info, rows[i % rows.length]);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await runOne(s, info, rows[i % rows.length]);
    const sec = Number(process.hrtime.bigint() - t0) / 1e9;
    process.stdout.write(`ort_bench model=${path.basename(model)} samples=${n} seconds=${sec.toFixed(6)} samples_per_s=${(n / sec).toFixed(1)}\n`);
    return;
  }
  if (argv.length !== 3) usage();
  const [model, inFile, outFile] = argv;
  loadOrt();
  const info = modelInfo(model);
  const width = info.shape.reduce((p, d) => p * d, 1);
  const rows = readSamples(inFile, width);
  const s = await openSession(model, info, rows[0]);
  const out = [];
  for (const r of rows) {
    const ys = await runOne(s, info, r);
    const vals = [];
    for (const y of ys) for (const v of y) vals.push(fmt(v));
    out.push(vals.join(' '));
  }
  const text = out.join('\n') + '\n';
  if (outFile === '-') process.stdout.write(text);
  else {
    try { fs.writeFileSync(outFile, text); } catch (e) { throw new Fail(`${outFile}: ${e.message}`, 2); }
  }
}

main(process.argv.slice(2)).then(() => { cleanup(); }, (e) => {
  cleanup();
  if (e instanceof Fail) {
    process.stderr.write(`${PROG}: ${e.message}\n`);
    process.exitCode = e.code;
  } else {
    process.stderr.write(`${PROG}: internal error: ${e && e.stack ? e.stack.split('\n')[0] : e}\n`);
    process.exitCode = 2;
  }
});
