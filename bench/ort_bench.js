// Times an ONNX model with ONNX Runtime's CPU build (the onnxruntime-node npm
// package), the way bench/ort_compare.sh times lmc: fixed token ids, warm-up
// runs, then timed runs; prints one JSON line with every run's time and the
// median CPU time of the process per run.
//
//   NODE_PATH=<dir>/node_modules node ort_bench.js --model m.onnx --threads 1 \
//       [--runs 10] [--warmup 2] [--dump logits.f32]
//
// Inputs are filled from the model's own metadata: `tokens` [1, S] gets the
// ids (7 i + 3) mod 100 (what ort_compare.sh also feeds lmc when it compares
// outputs); a KV-cache decode step (inputs `position` and `past.*`) gets
// position = --position (default: the last cache slot, so the step reads a
// full cache) and zero caches, and every run after the first feeds the
// previous run's `present.*` back as `past.*`, as a generation loop does.
// Session: CPU execution provider, intraOpNumThreads = --threads,
// interOpNumThreads = 1, sequential execution, all graph optimizations.
'use strict';

const fs = require('fs');

function parseArgs(argv) {
  const args = {runs: 10, warmup: 2, threads: 1, position: -1, dump: '', optimized: ''};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in args) && key !== 'model') throw new Error(`unknown option ${argv[i]}`);
    if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
    args[key] = typeof args[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  if (!args.model) throw new Error('--model is required');
  return args;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function staticShape(meta) {
  return meta.shape.map((d) => {
    if (typeof d !== 'number' || d < 0)
      throw new Error(`input ${meta.name} has a symbolic shape [${meta.shape}]; generate a static model`);
    return d;
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const ort = require('onnxruntime-node');
  const options = {
    executionProviders: ['cpu'],
    intraOpNumThreads: args.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  };
  if (args.optimized) options.optimizedModelFilePath = args.optimized;
  const t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(args.model, options);
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;

  const feeds = {};
  let tokensPerRun = 0;
  let cacheLength = 0;
  const pastToPresent = {};
  for (const meta of session.inputMetadata) {
    const shape = staticShape(meta);
    const size = shape.reduce((a, b) => a * b, 1);
    if (meta.name === 'tokens' || meta.name === 'input_ids') {
      const ids = BigInt64Array.from({length: size}, (_, i) => BigInt((7 * i + 3) % 100));
      feeds[meta.name] = new ort.Tensor('int64', ids, shape);
      tokensPerRun = shape[shape.length - 1];
    } else if (meta.name.startsWith('past.')) {
      feeds[meta.name] = new ort.Tensor('float32', new Float32Array(size), shape);
      pastToPresent[meta.name] = 'present.' + meta.name.slice('past.'.length);
      cacheLength = shape[shape.length - 2];
    } else if (meta.name !== 'position') {
      throw new Error(`do not know how to fill input ${meta.name}`);
    }
  }
  if (session.inputNames.includes('position')) {
    const position = args.position >= 0 ? args.position : cacheLength - tokensPerRun;
    feeds.position = new ort.Tensor('int64', BigInt64Array.from([BigInt(position)]), [1]);
  }

  const times = [];
  const cpuTimes = [];  // process CPU time per run, every thread (as lmc bench's cpu_median_ms)
  let out;
  for (let i = 0; i < args.warmup + args.runs; ++i) {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    out = await session.run(feeds);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const used = process.cpuUsage(cpu);
    if (i >= args.warmup) {
      times.push(ms);
      cpuTimes.push((used.user + used.system) / 1000);
    }
    for (const [past, present] of Object.entries(pastToPresent)) feeds[past] = out[present];
  }
  if (args.dump) {
    const logits = out.logits || out[session.outputNames[0]];
    fs.writeFileSync(args.dump, Buffer.from(logits.data.buffer, logits.data.byteOffset, logits.data.byteLength));
  }
  console.log(JSON.stringify({
    engine: 'onnxruntime', version: ort.env.versions.node, model: args.model, threads: args.threads,
    tokens_per_run: tokensPerRun, decode: Object.keys(pastToPresent).length > 0, load_ms: loadMs,
    median_ms: times.length ? median(times) : 0, min_ms: Math.min(...times), max_ms: Math.max(...times),
    cpu_median_ms: cpuTimes.length ? median(cpuTimes) : 0, times_ms: times,
  }));
}

main().catch((e) => {
  console.error(`ort_bench.js: ${e.message || e}`);
  process.exit(1);
});
