/**
 * The charging sessions of `npm run bench -- ingest`, generated the same way in the benchmark
 * (the bare SQL loop, the expected counts) and in the simulated chargers' process (the OCPP
 * messages), so both sides work on exactly the same records.
 *
 * A session is Start → MeterValues × samples → Stop on one connector: one Energy.Active.Import.Register
 * reading (Wh) per MeterValues, `intervalMs` apart on the charger's clock, the register going up by
 * `whPerSample` each time and carrying on from one session to the next on the same charger.
 */

export interface SessionSpec {
  chargerId: string;
  connectorId: number;
  idTag: string;
  /** The charger's clock, epoch ms. */
  startAt: number;
  samples: number;
  intervalMs: number;
  meterStartWh: number;
  whPerSample: number;
}

export interface BacklogPlan {
  chargers: string[];
  sessionsPerCharger: number;
  samplesPerSession: number;
  intervalMs: number;
  connectorId: number;
  /** The sessions are spread over [endAt - spanMs, endAt) on the chargers' clocks. */
  endAt: number;
  spanMs: number;
}

/** Each charger's own id tag (one driver per charger in the benchmark). */
export function idTagOf(chargerId: string): string {
  return `T-${chargerId}`.slice(0, 20).toUpperCase();
}

/** The sessions of one charger, oldest first. */
export function sessionsOf(plan: BacklogPlan, chargerIndex: number): SessionSpec[] {
  const n = plan.chargers.length;
  const chargerId = plan.chargers[chargerIndex];
  const slot = plan.spanMs / plan.sessionsPerCharger;
  const duration = (plan.samplesPerSession + 1) * plan.intervalMs;
  if (duration >= slot) throw new Error(`backlog: a session (${duration} ms) does not fit in its slot (${slot} ms)`);
  // 110–129 Wh a minute: 6.6–7.7 kW, an AC wallbox.
  const whPerSample = Math.round(((110 + (chargerIndex % 20)) * plan.intervalMs) / 60_000) || 1;
  const out: SessionSpec[] = [];
  let meter = 1_000_000 + chargerIndex * 10_000;
  for (let k = 0; k < plan.sessionsPerCharger; k += 1) {
    // Chargers start their sessions at staggered times within each slot.
    const startAt = Math.floor(plan.endAt - plan.spanMs + k * slot + ((slot - duration) * chargerIndex) / n);
    out.push({
      chargerId,
      connectorId: plan.connectorId,
      idTag: idTagOf(chargerId),
      startAt,
      samples: plan.samplesPerSession,
      intervalMs: plan.intervalMs,
      meterStartWh: meter,
      whPerSample,
    });
    meter += (plan.samplesPerSession + 1) * whPerSample;
  }
  return out;
}

export function messagesPerSession(samples: number): number {
  return samples + 2;
}

/** The reading of sample j (1..samples) and of the stop (j = samples + 1). */
export function readingOf(s: SessionSpec, j: number): { at: number; wh: number } {
  return { at: s.startAt + j * s.intervalMs, wh: s.meterStartWh + j * s.whPerSample };
}

export function startPayload(s: SessionSpec): Record<string, unknown> {
  return { connectorId: s.connectorId, idTag: s.idTag, meterStart: s.meterStartWh, timestamp: new Date(s.startAt).toISOString() };
}

/** A MeterValues payload as a charger sends it (the form the storage measurement used). */
export function meterPayload(connectorId: number, transactionId: number, at: number, wh: number): Record<string, unknown> {
  return {
    connectorId,
    transactionId,
    meterValue: [
      {
        timestamp: new Date(at).toISOString(),
        sampledValue: [{ value: String(wh), context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unit: 'Wh', location: 'Outlet' }],
      },
    ],
  };
}

export function stopPayload(s: SessionSpec, transactionId: number): Record<string, unknown> {
  const stop = readingOf(s, s.samples + 1);
  return { transactionId, idTag: s.idTag, meterStop: stop.wh, timestamp: new Date(stop.at).toISOString(), reason: 'Local' };
}
