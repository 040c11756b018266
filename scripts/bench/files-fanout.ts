// Fan-out of a 20 MiB file to 100 people through `tgsignal serve` (a child process), against
// a fake Bot API that enforces Telegram's limits. Goals: the file is uploaded once (the
// other 99 get its file_id), and the time is the rate limiter's: 100 messages at the bot's
// ~30/s take ~3.4 s whatever they carry, so the fan-out should take about as long as the
// same fan-out of a text (measured first, as the floor), plus one upload.
import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { TELEGRAM_LIMITS } from "../../src/telegram/rate-limit.ts";
import { CLIENT_TOKEN, startBenchGateway } from "./_notify-setup.ts";
import { printTable } from "./table.ts";

const N = 100;
const SIZE = 20 * 1024 * 1024;

const gateway = await startBenchGateway(N, {});
const auth = { Authorization: `Bearer ${CLIENT_TOKEN}` };

/** Accepts the notification, waits until every person has it; seconds from the first send to the last, and from the accept to the last. */
async function fanOut(request: () => Promise<Response>, sentBefore: number): Promise<{ spread: number; total: number }> {
  const started = Date.now();
  const res = await request();
  if (res.status !== 202) throw new Error(`notify answered ${res.status}: ${await res.text()}`);
  const deadline = Date.now() + 120_000;
  while (gateway.emulator.sent().length < sentBefore + N && Date.now() < deadline) await Bun.sleep(50);
  const sent = gateway.emulator.sent().slice(sentBefore);
  if (sent.length < N) throw new Error(`only ${sent.length} of ${N} delivered`);
  return { spread: (sent.at(-1)!.at - sent[0]!.at) / 1000, total: (sent.at(-1)!.at - started) / 1000 };
}

try {
  // Past the limiter's first second after a start (it treats every chat as just served then).
  await Bun.sleep(1500);
  const text = await fanOut(() => fetch(`${gateway.url}/notify`, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify({ to: "everyone", text: "maintenance tonight", wait: 0 }) }), 0);
  const file = join(gateway.dataDir, "..", "report.pdf");
  const bytes = new Uint8Array(SIZE).fill(0x41);
  bytes.set(new TextEncoder().encode("%PDF-1.7\n"));
  await writeFile(file, bytes);
  await Bun.sleep(1500); // every chat's 1/s budget back
  const before = gateway.emulator.sent().length;
  const files = await fanOut(() => fetch(`${gateway.url}/notify/everyone?wait=0&message=report`, { method: "PUT", headers: { ...auth, Filename: "report.pdf" }, body: Bun.file(file) }), before);
  const { uploadsByBot, fileIdReusesByBot, tooManyRequests } = gateway.emulator.stats();
  const floor = (N - 1) / TELEGRAM_LIMITS.perSecond;
  printTable(`fan-out of a 20 MiB file to ${N} people, Telegram's limits enforced`, [
    { figure: "uploads of the file", value: String(uploadsByBot.bench_bot ?? 0), goal: "1", ok: uploadsByBot.bench_bot === 1 },
    { figure: "sends by file_id", value: String(fileIdReusesByBot.bench_bot ?? 0), goal: String(N - 1), ok: fileIdReusesByBot.bench_bot === N - 1 },
    { figure: "first send → last (file)", value: `${files.spread.toFixed(2)} s`, goal: `≈ text's ${text.spread.toFixed(2)} s`, ok: files.spread <= text.spread * 1.1 + 0.2 },
    { figure: "accept → last delivered (file; the upload included)", value: `${files.total.toFixed(2)} s`, goal: `(text: ${text.total.toFixed(2)} s)` },
    { figure: "rate limiter's floor for 100 messages", value: `${floor.toFixed(2)} s`, goal: `(${TELEGRAM_LIMITS.perSecond}/s)` },
    { figure: "429 answers", value: String(tooManyRequests), goal: "0", ok: tooManyRequests === 0 },
  ]);
} finally {
  await gateway.stop();
}
