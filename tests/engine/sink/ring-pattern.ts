/** The record pattern shared by the ring stress test's producer and consumer. */
export function expectedLength(seq: number): number {
  // 0 .. 300 bytes, not multiples of 4, so padding and wrap markers are exercised.
  return (seq * 7919) % 301;
}
export function patternByte(seq: number, i: number): number {
  return (seq * 31 + i * 17) & 0xff;
}
