import { slope, soakSeconds } from './soak.bench';

describe('soak bench arguments and summary', () => {
  it('reads the duration flag in seconds, minutes or hours, with 10 minutes by default', () => {
    expect(soakSeconds([], {})).toBe(600);
    expect(soakSeconds(['--duration', '90s'], {})).toBe(90);
    expect(soakSeconds(['--duration=10m'], {})).toBe(600);
    expect(soakSeconds(['--duration', '45'], {})).toBe(45);
    expect(soakSeconds([], { BENCH_SOAK_SECONDS: '0.5h' })).toBe(1800);
    expect(() => soakSeconds(['--duration', 'ten'], {})).toThrow(/expected seconds/);
  });

  it('fits the slope of a series by least squares', () => {
    expect(slope([0, 1, 2, 3], [10, 12, 14, 16])).toBeCloseTo(2);
    expect(slope([0, 1, 2, 3], [10, 11, 10, 11])).toBeCloseTo(0.2);
    expect(slope([5], [1])).toBe(0);
  });
});
