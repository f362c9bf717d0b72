/**
 * Running the planned runs: each one loads its config, the strategies (fresh module state per
 * run) and the taker model, then replays. Several runs go to worker threads, one per core; a run
 * in a worker gives the same numbers as the same run alone (nothing is shared between them).
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import pino from 'pino';
import { siblingModule, startModuleWorker } from '../ops/threads.js';
import { loadStrategies } from '../strategy/loader.js';
import { type RunResult, replay } from './engine.js';
import { configFor, type RunPlan } from './plan.js';
import { type MidTakerOptions, midTaker, recordedTaker, type TakerModel } from './taker-models.js';

export interface TakerSpec extends MidTakerOptions {
  /** `recorded`, `recorded-only`, `mid`, or the path of a module exporting a model. */
  readonly model: string;
}

export interface RunRequest {
  readonly input: string;
  readonly configPath: string;
  readonly plan: RunPlan;
  readonly taker: TakerSpec;
  /** @default the recording header's, else 0 */
  readonly executionDelayMs?: number | undefined;
  /** On high-volatility markets. @default the recording header's, else `executionDelayMs` */
  readonly hvExecutionDelayMs?: number | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  /** @default DEFAULT_DATA_LEAD_MS */
  readonly dataLeadMs?: number | undefined;
  readonly seed: number;
  readonly logLevel: string;
}

export class TakerModelError extends Error {
  override readonly name = 'TakerModelError';
  readonly code = 'invalid_taker_model';
}

function isTakerModel(value: unknown): value is TakerModel {
  return typeof value === 'object' && value !== null && typeof (value as TakerModel).name === 'string';
}

/** The taker model a spec names; a module exports one (default or `takerModel`) or a factory of one. */
export async function loadTakerModel(spec: TakerSpec): Promise<TakerModel> {
  const options: MidTakerOptions = {
    ...(spec.acceptDelayMs !== undefined ? { acceptDelayMs: spec.acceptDelayMs } : {}),
    ...(spec.horizonMs !== undefined ? { horizonMs: spec.horizonMs } : {}),
    ...(spec.edge !== undefined ? { edge: spec.edge } : {}),
  };
  if (spec.model === 'recorded') return recordedTaker(options);
  if (spec.model === 'recorded-only') return recordedTaker({ ...options, fallback: false });
  if (spec.model === 'mid') return midTaker(options);
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(resolve(spec.model)).href)) as Record<string, unknown>;
  } catch (error) {
    throw new TakerModelError(
      `--taker ${spec.model}: not recorded, recorded-only or mid, and the module failed to load: ${(error as Error).message}`,
    );
  }
  const exported = namespace['default'] ?? namespace['takerModel'];
  const model =
    typeof exported === 'function' ? await (exported as (o: MidTakerOptions) => unknown)(options) : exported;
  if (!isTakerModel(model))
    throw new TakerModelError(
      `--taker ${spec.model}: export default a taker model ({ name, decide?, recordedAccept?, … }) or a function returning one`,
    );
  return model;
}

/** One run, here. */
export async function runOne(request: RunRequest): Promise<RunResult> {
  const logger = pino({ level: request.logLevel, base: { run: request.plan.label } }, process.stderr);
  const config = configFor(request.configPath, request.plan);
  const registry = await loadStrategies({ dir: config.strategies.dir, logger });
  const taker = await loadTakerModel(request.taker);
  return replay({
    input: request.input,
    config,
    registry,
    taker,
    label: request.plan.label,
    executionDelayMs: request.executionDelayMs,
    hvExecutionDelayMs: request.hvExecutionDelayMs,
    from: request.from,
    to: request.to,
    dataLeadMs: request.dataLeadMs,
    seed: request.seed,
    logger,
  });
}

type WorkerReply =
  | { readonly id: number; readonly result: RunResult }
  | { readonly id: number; readonly error: { readonly name: string; readonly message: string } };

/** An error from a worker, rebuilt with its name (RecordingError, PlanError, …) and message. */
export class RunFailedError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Every run, in plan order: alone in this thread when there is one run or `parallel` is 1, else
 * on up to `parallel` worker threads.
 */
export async function runAll(
  requests: readonly RunRequest[],
  parallel = availableParallelism(),
): Promise<RunResult[]> {
  const threads = Math.max(1, Math.min(parallel, requests.length));
  if (threads === 1) {
    const results: RunResult[] = [];
    for (const request of requests) results.push(await runOne(request));
    return results;
  }
  const results: RunResult[] = new Array(requests.length);
  let next = 0;
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: threads }, async () => {
        const worker = await startModuleWorker(siblingModule(import.meta.url, 'run-worker'));
        workers.push(worker);
        while (next < requests.length) {
          const id = next++;
          results[id] = await new Promise<RunResult>((done, fail) => {
            const onMessage = (reply: WorkerReply) => {
              if (reply.id !== id) return;
              worker.off('message', onMessage);
              worker.off('error', fail);
              if ('error' in reply) fail(new RunFailedError(reply.error.name, reply.error.message));
              else done(reply.result);
            };
            worker.on('message', onMessage);
            worker.once('error', fail);
            worker.postMessage({ id, request: requests[id] });
          });
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return results;
}
