// Pure parts of the reachability test: which stage each bootstrap percentage proves, and the cap
// on parallel tests.
import { describe, expect, it } from 'vitest';
import { Limiter, stageOf } from './reachability';

describe('stageOf', () => {
  it.each([
    [0, []],
    [2, []],
    [10, ['tcp', 'handshake']],
    [15, ['tcp', 'handshake', 'firstHop']],
    [50, ['tcp', 'handshake', 'firstHop']],
    [75, ['tcp', 'handshake', 'firstHop', 'directory']],
    [100, ['tcp', 'handshake', 'firstHop', 'directory']],
  ])('%i%% proves %j', (progress, stages) => {
    expect(stageOf(progress)).toEqual(stages);
  });
});

describe('Limiter', () => {
  it('never runs more than its limit at once and runs everything', async () => {
    const limiter = new Limiter(2);
    let active = 0;
    let peak = 0;
    const done: number[] = [];
    await Promise.all(
      [30, 10, 20, 5, 15].map((ms, i) =>
        limiter.run(async () => {
          active += 1;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, ms));
          active -= 1;
          done.push(i);
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(done.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(limiter.active).toBe(0);
  });

  it('frees its slot when a task fails', async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 7)).resolves.toBe(7);
  });
});
