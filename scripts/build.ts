// npm run build → dist/tgsignal, one self-contained executable (bun build --compile).
// Flags: --target=bun-linux-arm64 (cross-compile; repeatable), --no-bytecode.
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const ROOT = resolve(import.meta.dir, "..");
const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { target: { type: "string", multiple: true }, "no-bytecode": { type: "boolean" }, outdir: { type: "string" } },
});
const outdir = resolve(ROOT, values.outdir ?? "dist");
await mkdir(outdir, { recursive: true });

const targets = values.target ?? [undefined];
for (const target of targets) {
  const outfile = join(outdir, target ? `tgsignal-${target.replace(/^bun-/, "")}` : "tgsignal");
  // The config worker is an entry point of its own (Bun embeds only listed entries), named
  // without its folder so it sits next to the main bundle, where off-thread.ts's
  // `new URL("./load-worker.ts", import.meta.url)` finds it in the binary too.
  const entries = [join(ROOT, "src/main.ts"), join(ROOT, "src/config/load-worker.ts")];
  const args = ["build", "--compile", "--minify", "--format=esm", ...entries, "--entry-naming", "[name].[ext]", "--outfile", outfile];
  if (!values["no-bytecode"]) args.push("--bytecode");
  if (target) args.push(`--target=${target}`);
  const started = performance.now();
  const proc = Bun.spawn([process.execPath, ...args], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
  const code = await proc.exited;
  if (code !== 0) {
    console.error(`build failed for ${target ?? "host"} (exit ${code})`);
    process.exit(code);
  }
  const size = Bun.file(outfile).size;
  console.log(`${outfile}: ${(size / 1024 / 1024).toFixed(1)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
