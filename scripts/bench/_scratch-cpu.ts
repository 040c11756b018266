import { runLoad, startBenchGateway, startFloorServer } from "./_notify-setup.ts";
const body = JSON.stringify({ to: "u7", text: "disk usage 91% on db1", wait: 0 });
const cpu = async (pid: number) => { const f = (await Bun.file(`/proc/${pid}/stat`).text()).split(") ")[1]!.split(" "); return (Number(f[11]) + Number(f[12])) * 10; };
const gateway = await startBenchGateway(50, false, {});
const floor = await startFloorServer();
const floorPid = Number((await Bun.$`pgrep -f _floor-server.ts`.text()).trim().split("\n")[0]);
try {
  for (let round = 0; round < 2; round++) {
    let c0 = await cpu(floorPid);
    let r = await runLoad({ url: floor.url, seconds: 4, connections: 32, body });
    let c1 = await cpu(floorPid);
    console.log(`floor: ${r.perSecond.toFixed(0)}/s, ${((c1 - c0) * 1000 / (r.perSecond * 4)).toFixed(1)} µs CPU per request`);
    c0 = await cpu(gateway.pid);
    r = await runLoad({ url: `${gateway.url}/notify`, seconds: 4, connections: 32, body });
    c1 = await cpu(gateway.pid);
    console.log(`gateway: ${r.perSecond.toFixed(0)}/s, ${((c1 - c0) * 1000 / (r.perSecond * 4)).toFixed(1)} µs CPU per request`);
  }
} finally {
  await gateway.stop();
  await floor.stop();
}
