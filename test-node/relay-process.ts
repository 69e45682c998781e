import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";

const RUNNER = path.join(import.meta.dirname, "relay-runner.mjs");

/** A relay runtime in a child process (test-node/relay-runner.mjs), in its own process group. */
export interface RelayProcess {
  url: string;
  pid: number;
  /** Whether this start applied the D1 migrations (true only on a fresh persistence directory). */
  migrated: boolean;
  /** The runtime's log lines (stderr of the runner), for diagnostics. */
  logs: string[];
  /** A real crash: SIGKILL to the whole group (the runner and its workerd), then waits until it is gone. */
  crash(): Promise<void>;
}

const live = new Set<ChildProcess>();

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function killGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
  // workerd shares the group; wait (bounded) until every member is gone so the persistence files
  // and the port are free for the next start.
  const until = Date.now() + 10_000;
  while (groupAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  live.delete(child);
}

/**
 * Starts the relay on `persistRoot` (migrations on the first start only) and waits until it
 * answers over HTTP on a loopback port.
 */
export function spawnRelay(opts: {
  sandboxUrl: string;
  persistRoot: string;
  adminToken: string;
  retryTimeScale?: string;
  timeoutMs?: number;
}): Promise<RelayProcess> {
  const args = [RUNNER, "--sandbox", opts.sandboxUrl, "--persist", opts.persistRoot, "--admin-token", opts.adminToken];
  if (opts.retryTimeScale) args.push("--scale", opts.retryTimeScale);
  // detached: a process group of its own, so one signal reaches the runner and its workerd.
  const child = spawn(process.execPath, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  const logs: string[] = [];
  createInterface({ input: child.stderr! }).on("line", (line) => {
    if (logs.length < 5000) logs.push(line);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void killGroup(child);
      reject(new Error(`the relay did not start within ${opts.timeoutMs ?? 30_000} ms:\n${logs.slice(-30).join("\n")}`));
    }, opts.timeoutMs ?? 30_000);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the relay exited before it was ready (${code ?? signal}):\n${logs.slice(-30).join("\n")}`));
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      let ready: { ready?: string; pid?: number; migrated?: boolean } | undefined;
      try {
        ready = JSON.parse(line);
      } catch {
        return;
      }
      if (!ready?.ready) return;
      clearTimeout(timer);
      resolve({ url: ready.ready, pid: child.pid!, migrated: ready.migrated === true, logs, crash: () => killGroup(child) });
    });
  });
}

/** Kills every relay process still running (afterEach / afterAll). */
export async function killAllRelays(): Promise<void> {
  await Promise.all([...live].map((child) => killGroup(child)));
}
