// The header's busy line: what the page is doing when it is not training ("Tuning matmul kernels 5/12…",
// "Building the model…"), with a bar when the amount of work is known. A status region, so it is announced.

export class Busy {
  private readonly text: HTMLElement;
  private readonly bar: HTMLProgressElement;
  private depth = 0;

  constructor(private readonly root: HTMLElement) {
    this.text = root.querySelector('.busy-text')!;
    this.bar = root.querySelector('.busy-bar')!;
  }

  show(text: string, fraction?: number): void {
    this.root.hidden = false;
    this.text.textContent = text;
    this.bar.hidden = fraction === undefined;
    if (fraction !== undefined) this.bar.value = fraction;
  }

  /** Show `text` while `work` runs (nested calls keep the line up until the outermost one ends). */
  async during<T>(text: string, work: () => Promise<T>): Promise<T> {
    this.depth++;
    this.show(text);
    try {
      return await work();
    } finally {
      if (--this.depth === 0) this.root.hidden = true;
    }
  }
}
