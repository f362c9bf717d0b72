/**
 * The zod that strategy options are built with. Each load of the plugins gets fresh module
 * instances, and a fresh copy of zod among them cost ~0.2 s of CPU per load and gave plugins
 * schema classes the bot's own zod does not know. So the first copy of this module (the bot's)
 * shares its zod through a global, and every later copy (a plugin load's) takes that one.
 */
import type * as Zod from 'zod';

const SHARED = Symbol.for('kalshi-rfq-maker.zod');
const holder = globalThis as { [SHARED]?: typeof Zod.z };

export const z: typeof Zod.z = holder[SHARED] ?? (await import('zod')).z;
holder[SHARED] = z;

// The types authors use under the same name (`z.infer<typeof schema>`); any other zod type:
// `import type { … } from 'zod'`.
export declare namespace z {
  export type infer<T> = Zod.z.infer<T>;
  export type input<T> = Zod.z.input<T>;
  export type output<T> = Zod.z.output<T>;
  export type ZodType<Output = unknown, Input = unknown> = Zod.z.ZodType<Output, Input>;
  export type ZodRawShape = Zod.z.ZodRawShape;
  export type ZodObject<Shape extends ZodRawShape = ZodRawShape> = Zod.z.ZodObject<Shape>;
  export type ZodError<T = unknown> = Zod.z.ZodError<T>;
}
