// The live loss chart: train and test loss per snapshot, on a canvas, rescaled as it grows.

export class LossChart {
  private readonly train: number[] = [];
  private readonly test: number[] = [];

  constructor(private readonly canvas: HTMLCanvasElement) {}

  /** The train losses drawn, oldest first (a copy). */
  get trainLosses(): number[] {
    return [...this.train];
  }

  reset(): void {
    this.train.length = 0;
    this.test.length = 0;
    this.draw();
  }

  add(train: number, test: number): void {
    this.train.push(train);
    this.test.push(test);
    // Keep the chart light: halve the history when it gets long (every other point).
    if (this.train.length > 2000) {
      for (const a of [this.train, this.test]) {
        const kept = a.filter((_, i) => i % 2 === 0);
        a.length = 0;
        a.push(...kept);
      }
    }
  }

  draw(): void {
    const { canvas } = this;
    const ctx = canvas.getContext('2d')!;
    const w = canvas.width;
    const h = canvas.height;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);
    const all = [...this.train, ...this.test].filter(Number.isFinite);
    if (all.length === 0) return;
    const max = Math.max(...all, 1e-9);
    const n = Math.max(2, this.train.length);
    const line = (values: number[], colour: string): void => {
      ctx.beginPath();
      values.forEach((v, i) => {
        const x = (i / (n - 1)) * (w - 2) + 1;
        const y = h - 1 - (Math.min(v, max) / max) * (h - 2);
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1.5;
      ctx.stroke();
    };
    line(this.test, '#777');
    line(this.train, '#111');
  }
}
