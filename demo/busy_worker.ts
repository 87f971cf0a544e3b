/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * A worker that keeps one core busy until told to stop (the aliasing demo's live workload).
 * Post any message to stop it.
 *
 * @module
 */

let running = true;
self.onmessage = () => {
  running = false;
  self.close();
};

function spin(): void {
  const until = performance.now() + 50;
  let x = 0;
  while (performance.now() < until) x = (x * 1103515245 + 12345) % 2147483648;
  if (running) setTimeout(spin, 0);
}
spin();
