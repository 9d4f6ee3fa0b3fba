// Loaded into a measured child process with `node --import bench/child-probe.mjs ...`: at exit it writes the
// process's peak resident memory, its CPU time and every HTTP request it made (the Kubernetes client sends through undici,
// which reports each request on a diagnostics channel) to the file named by CONFIG_ROLLOUT_BENCH_PROBE.
// It adds no work to the measured program beyond one array push per request.
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const out = process.env.CONFIG_ROLLOUT_BENCH_PROBE;
if (out) {
  const requests = [];
  // The span of the process's time talking to the API server: first request sent to last response read.
  let firstRequestMs;
  let lastResponseMs;
  const record = ({ request }) => {
    firstRequestMs ??= performance.now();
    requests.push(`${request.method} ${request.path}`);
  };
  const responded = () => (lastResponseMs = performance.now());
  subscribe('undici:request:create', record);
  subscribe('undici:request:trailers', responded);
  subscribe('undici:request:error', responded);
  subscribe('http.client.request.start', record);
  subscribe('http.client.response.finish', responded);
  process.on('exit', () => {
    const usage = process.resourceUsage();
    // ru_maxrss is in kilobytes on Linux; CPU times in microseconds.
    const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
    writeFileSync(
      out,
      JSON.stringify({ maxRssKb: usage.maxRSS, cpuMs, requests, firstRequestMs, lastResponseMs }),
    );
  });
}
