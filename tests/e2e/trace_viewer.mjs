// Loads `lmc simulate --trace` files into a real browser-based trace viewer:
// the trace engine of Chromium's DevTools Performance panel (the panel that
// opens Chrome trace-event JSON with "Load profile"), running in headless
// Chromium, driven over the DevTools protocol. For each file it checks that
// the viewer parses it and shows what the file holds, counted here from the
// JSON: one thread per unit track with its name, every instruction slice on
// its track, the trace's time bounds.
// Usage: node trace_viewer.mjs CHROMIUM TRACE.json...
// Exit 0: all loaded as expected; 1: a mismatch or no usable browser.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [chromium, ...traces] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const profile = mkdtempSync(join(tmpdir(), 'lmc-viewer-'));
// The DevTools protocol over a pipe (fds 3 and 4, messages ending in NUL):
// no port, no WebSocket client needed.
const browser = spawn(chromium, ['--headless=new', '--no-sandbox', '--disable-gpu',
  '--remote-debugging-pipe', `--user-data-dir=${profile}`, 'about:blank'],
  { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
let failures = 0;
const fail = (message) => { console.log(`FAIL ${message}`); ++failures; };

function connect() {
  let id = 0, buffered = '';
  const pending = new Map();
  browser.stdio[4].on('data', (chunk) => {
    const parts = (buffered + chunk.toString('utf8')).split('\0');
    buffered = parts.pop();
    for (const part of parts) {
      const d = JSON.parse(part);
      if (pending.has(d.id)) { pending.get(d.id)(d); pending.delete(d.id); }
    }
  });
  return (method, params = {}, sessionId = undefined) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${method}`)), 60000);
    pending.set(++id, (d) => { clearTimeout(timer); resolve(d); });
    browser.stdio[3].write(JSON.stringify({ id, method, params, sessionId }) + '\0');
  });
}

// What the file holds, counted without the viewer.
function expected(file) {
  const names = new Map(), slices = new Map();
  let end = 0;
  for (const e of file.traceEvents) {
    const key = `${e.pid}/${e.tid}`;
    if (e.ph === 'M' && e.name === 'thread_name') names.set(key, e.args.name);
    if (e.ph === 'X') {
      slices.set(key, (slices.get(key) || 0) + 1);
      end = Math.max(end, e.ts + e.dur);
    }
  }
  return { names, slices, end };
}

try {
  const call = connect();
  const { targetInfos } = (await call('Target.getTargets')).result;
  const page = targetInfos.find((t) => t.type === 'page');
  const { sessionId } = (await call('Target.attachToTarget', { targetId: page.targetId, flatten: true })).result;
  await call('Page.navigate', { url: 'devtools://devtools/bundled/devtools_app.html' }, sessionId);
  for (let i = 0; i < 300; ++i) {  // until the DevTools page has loaded
    const ready = await call('Runtime.evaluate', { returnByValue: true,
      expression: "location.protocol === 'devtools:' && document.readyState === 'complete'" }, sessionId);
    if (ready.result && ready.result.result && ready.result.result.value) break;
    await sleep(100);
  }
  for (const path of traces) {
    const before = failures;
    const text = readFileSync(path, 'utf8');
    let want;
    try {
      want = expected(JSON.parse(text));
    } catch (e) {
      fail(`${path}: not trace-event JSON: ${e.message}`);
      continue;
    }
    const reply = await call('Runtime.evaluate', {
      awaitPromise: true, returnByValue: true, expression: `(async () => {
        const Trace = await import('./models/trace/trace.js');
        const model = Trace.TraceModel.Model.createWithAllHandlers();
        await model.parse(JSON.parse(${JSON.stringify(text)}).traceEvents,
                          {metadata: {}, isFreshRecording: false});
        const data = model.parsedTrace(0).data;
        const threads = [];
        for (const [pid, process] of data.Renderer.processes)
          for (const [tid, thread] of process.threads)
            threads.push([pid + '/' + tid, thread.name, thread.entries.length]);
        return {threads, max: data.Meta.traceBounds.max};
      })()` }, sessionId);
    if (reply.result.exceptionDetails || !reply.result.result.value) {
      fail(`${path}: the viewer did not load it: ${JSON.stringify(reply.result).slice(0, 400)}`);
      continue;
    }
    const got = reply.result.result.value;
    const shown = new Map(got.threads.map(([key, name, count]) => [key, { name, count }]));
    for (const [key, count] of want.slices) {
      const t = shown.get(key);
      if (!t) fail(`${path}: track ${key} (${want.names.get(key)}) is missing`);
      else if (t.name !== want.names.get(key) || t.count !== count)
        fail(`${path}: track ${key} shows '${t.name}' with ${t.count} slices, the file has ` +
             `'${want.names.get(key)}' with ${count}`);
    }
    if (Math.abs(got.max - want.end) > 1e-6 * Math.max(1, want.end))
      fail(`${path}: the viewer's trace ends at ${got.max} us, the file's last slice at ${want.end}`);
    const total = [...want.slices.values()].reduce((a, b) => a + b, 0);
    if (failures === before)
      console.log(`ok ${path}: ${total} slices on ${want.slices.size} unit tracks, ${got.max.toFixed(3)} us`);
  }
} finally {
  // The browser writes its profile until it has exited: wait for that
  // (at most 5 s), then remove the profile, retrying while files vanish.
  if (browser.exitCode === null && browser.signalCode === null) {
    const exited = new Promise((resolve) => browser.once('exit', resolve));
    browser.kill();
    await Promise.race([exited, sleep(5000)]);
  }
  try {
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  } catch (e) {
    console.error(`note: could not remove the browser profile ${profile}: ${e.message}`);
  }
}
process.exit(failures ? 1 : 0);
