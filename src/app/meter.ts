// Training throughput from fence times: with two chunks of steps queued, consecutive fences resolve one chunk's
// work apart, so samples of the chunk that finished over the time since the previous fence is the current rate.

export class ThroughputMeter {
  rate = 0; // samples/s, smoothed over chunks
  activeMs = 0; // time spent training since the last reset()
  private clock = 0; // when the last fence resolved (0: none since training (re)started)
  private pending = 0; // samples in the chunk whose fence resolves next

  /** Training (re)starts: the next fence has no predecessor to measure from. */
  restart(): void {
    this.clock = 0;
    this.pending = 0;
  }

  reset(): void {
    this.restart();
    this.activeMs = 0;
  }

  /** A fence resolved; `next` samples were submitted in the chunk whose fence comes next. */
  fence(next: number): void {
    const now = performance.now();
    if (this.clock > 0 && this.pending > 0) {
      const ms = Math.max(1e-3, now - this.clock);
      this.activeMs += ms;
      const instant = (this.pending / ms) * 1000;
      this.rate = this.rate === 0 ? instant : 0.8 * this.rate + 0.2 * instant;
    }
    this.clock = now;
    this.pending = next;
  }
}
