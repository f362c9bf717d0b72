/**
 * The faults the soak switches on and off at random: every kind the simulator can inject, the
 * exchange-truth ones (issue 14) included — on top of the simulator's own background rates.
 */
import type { World } from '../chaos/world.js';

export type FaultKind =
  | '5xx'
  | 'drops'
  | 'malformed'
  | 'schema-drift'
  | 'slow-creates'
  | 'races'
  | 'late-confirms'
  | 'clock-skew'
  | '429-storm'
  | 'latency'
  | 'ws-drop'
  | 'mixed'
  | 'flush-storm'
  | 'cross-storm'
  | 'rfq-expiry';

export interface SoakFault {
  readonly name: FaultKind;
  /** Turns the fault on for about `ms` (cleared by the caller with DELETE /_sim/faults). */
  apply(world: World, ms: number): Promise<void>;
}

const spec = (name: FaultKind, faultSpec: string): SoakFault => ({
  name,
  async apply(world) {
    const res = await world.admin('PUT', '/_sim/faults', { spec: faultSpec });
    if (res.status !== 200) throw new Error(`fault ${name} refused: ${JSON.stringify(res.body)}`);
  },
});

export const SOAK_FAULTS: readonly SoakFault[] = [
  spec('5xx', 'error5xx=0.3,error5xxAfter=0.1'),
  spec('drops', 'drop=0.15,dropAfter=0.15'),
  spec('malformed', 'malformed=0.25'),
  spec('schema-drift', 'unknownFields=0.5,unknownEnums=0.5'),
  spec('slow-creates', 'slow=0.4:2500,dropAfter=0.2,match=POST:/communications/quotes'),
  spec('races', 'rfqCloseRace=0.3,acceptDuringDelete=0.5'),
  spec('late-confirms', 'slow=1:6000,match=PUT:*/confirm'),
  spec('clock-skew', 'skewMs=60000'),
  spec('latency', 'latency=300,jitter=400'),
  spec(
    'mixed',
    'latency=20,jitter=40,error5xx=0.05,error5xxAfter=0.05,drop=0.03,dropAfter=0.03,malformed=0.05,' +
      'unknownFields=0.1,unknownEnums=0.1,rfqCloseRace=0.1,acceptDuringDelete=0.3',
  ),
  // Server rolls every ~3 s: our open quotes vanish (404, gone from listings).
  spec('flush-storm', 'flushRate=0.3'),
  // New RFQs expire after 3 s.
  spec('rfq-expiry', 'rfqTtl=3000'),
  {
    // Every execution meets a fresh order through our price: post-only legs cancelled.
    name: 'cross-storm',
    async apply(world, ms) {
      const res = await world.admin('PUT', '/_sim/faults', { spec: `postOnlyCrossStorm=${ms}` });
      if (res.status !== 200) throw new Error(`fault cross-storm refused: ${JSON.stringify(res.body)}`);
    },
  },
  {
    name: '429-storm',
    async apply(world, ms) {
      await world.admin('POST', '/_sim/faults/storm', { ms });
    },
  },
  {
    name: 'ws-drop',
    async apply(world, ms) {
      await world.admin('POST', '/_sim/ws/drop');
      setTimeout(() => void world.admin('POST', '/_sim/ws/drop').catch(() => undefined), ms / 2).unref();
    },
  },
];
