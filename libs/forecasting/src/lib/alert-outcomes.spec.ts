import { describe, expect, it } from 'vitest';
import {
  BreachOnsetDetector,
  breachOnsets,
  episodeOutcome,
  episodeWindow,
  LATE_WITHIN_SECONDS,
  PRECISION_GRACE_SECONDS,
} from './alert-outcomes';
import type { StepSeries } from './step-grid';

const S = 300;
const T0 = Date.UTC(2025, 0, 6) / 1000;
const at = (i: number) => T0 + i * S;

function cpuSeries(cpu: readonly (number | null)[]): StepSeries {
  const values = new Float32Array(cpu.length * 4);
  const mask = new Float32Array(cpu.length * 4);
  cpu.forEach((v, i) => {
    if (v === null) return;
    values[i * 4] = v;
    mask[i * 4] = 1;
  });
  return { t0: T0, stepSeconds: S, length: cpu.length, values, mask, samples: new Uint32Array(cpu.length).fill(1) };
}

describe('BreachOnsetDetector', () => {
  it('confirms an onset with the step that completes it, after an hour below warning', () => {
    const d = new BreachOnsetDetector(S);
    for (let i = 0; i < 12; i++) expect(d.step(at(i), 50, 80)).toBeNull();
    expect(d.step(at(12), 85, 80)).toBeNull(); // one step over: not yet a breach
    expect(d.step(at(13), 90, 80)).toBe(at(12));
    expect(d.step(at(14), 95, 80)).toBeNull(); // the same breach
  });

  it('needs the steps to be consecutive: a gap or a dip ends the run, and an hour of quiet comes first', () => {
    const d = new BreachOnsetDetector(S);
    for (let i = 0; i < 12; i++) d.step(at(i), 50, 80);
    expect(d.step(at(12), 85, 80)).toBeNull();
    expect(d.step(at(14), 85, 80)).toBeNull(); // step 13 never arrived
    expect(d.step(at(15), 85, 80)).toBeNull(); // over again, but within the hour after the last step over
    const quiet = new BreachOnsetDetector(S);
    for (let i = 0; i < 5; i++) quiet.step(at(i), 50, 80); // only 25 minutes below
    quiet.step(at(5), 85, 80);
    expect(quiet.step(at(6), 85, 80)).toBeNull();
  });

  it('is what breachOnsets finds in a whole series, unobserved steps included', () => {
    const cpu = [
      ...Array<number>(14).fill(40),
      82,
      88,
      40,
      ...Array<number>(12).fill(30),
      90,
      null,
      91,
      ...Array<number>(14).fill(20),
      95,
      96,
    ];
    const detector = new BreachOnsetDetector(S);
    const streamed = cpu.flatMap((v, i) => detector.step(at(i), v, 80) ?? []);
    expect(streamed).toEqual([at(14), at(cpu.length - 2)]);
    expect(breachOnsets(cpuSeries(cpu), 0, 80)).toEqual(streamed);
  });
});

describe('episodeOutcome', () => {
  const episode = { start: at(100), reach: at(112), end: at(104) };
  const { from, to } = episodeWindow(episode);

  it('widens the predicted window by the grace either side', () => {
    expect(from).toBe(at(100) - PRECISION_GRACE_SECONDS);
    expect(to).toBe(at(112) + PRECISION_GRACE_SECONDS);
    expect(episodeWindow({ ...episode, end: at(130) }).to).toBe(at(130) + PRECISION_GRACE_SECONDS);
  });

  it('is a hit when a breach begins inside the window, grace included, even before the alert fired', () => {
    expect(episodeOutcome(episode, [from], at(120), S)).toBe('hit');
    expect(episodeOutcome(episode, [to], at(120), S)).toBe('hit');
    expect(episodeOutcome(episode, [from - S, at(110)], at(120), S)).toBe('hit');
  });

  it('is late when the breach begins after the window but within the late span, false once none did', () => {
    expect(episodeOutcome(episode, [to + S], to + S, S)).toBe('late');
    expect(episodeOutcome(episode, [to + LATE_WITHIN_SECONDS], to + LATE_WITHIN_SECONDS + S, S)).toBe('late');
    expect(episodeOutcome(episode, [from - S], to, S)).toBeNull(); // a breach before the window does not count
    // undecided until the step that would confirm an onset at the end of the late span has arrived
    expect(episodeOutcome(episode, [], to + LATE_WITHIN_SECONDS, S)).toBeNull();
    expect(episodeOutcome(episode, [], to + LATE_WITHIN_SECONDS + S, S)).toBeNull();
    expect(episodeOutcome(episode, [], to + LATE_WITHIN_SECONDS + 2 * S, S)).toBe('false');
    expect(episodeOutcome(episode, [to + LATE_WITHIN_SECONDS + S], to + LATE_WITHIN_SECONDS + 2 * S, S)).toBe('false');
  });
});
