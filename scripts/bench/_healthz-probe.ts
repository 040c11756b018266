// Asks a gateway's /healthz every 5 ms from a process of its own (so the load's own
// garbage collections and body building are not counted as the gateway's stalls). Each
// line on stdin is answered on stdout with the slowest answer since the previous line.
export {};

const url = process.argv[2]!;
let worst = 0;
void (async () => {
  for (;;) {
    const started = performance.now();
    await (await fetch(`${url}/healthz`)).arrayBuffer();
    worst = Math.max(worst, performance.now() - started);
    await Bun.sleep(5);
  }
})();
for await (const _line of console) {
  console.log(worst.toFixed(3));
  worst = 0;
}
process.exit(0);
